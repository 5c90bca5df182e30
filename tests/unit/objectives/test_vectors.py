"""Every test vector of docs/objectives.md, to 1e-6 (its section numbers in the comments)."""

from __future__ import annotations

import math

import pytest
import torch

from reasonlab.objectives import (
    ADVANTAGES,
    AGGREGATIONS,
    KL_ESTIMATORS,
    entropy,
    overlong_penalty,
    varied_groups,
    window_groups,
)
from reasonlab.objectives.policy import ppo_clip
from reasonlab.objectives.spo import bernoulli_jsd, spo_half, spo_kl, token_probs

D = torch.float64


def close(a, b, tol=1e-6):
    assert torch.allclose(torch.as_tensor(a, dtype=D), torch.as_tensor(b, dtype=D), atol=tol), (a, b)


# --- 1 advantages --------------------------------------------------------------------------

@pytest.mark.parametrize("name, kw, r, want", [
    ("grpo", {}, [1, 0, 0, 1], [0.866024, -0.866024, -0.866024, 0.866024]),
    ("grpo", {"eps": 1e-4}, [1, 0, 0, 1], [0.865875, -0.865875, -0.865875, 0.865875]),
    ("grpo", {"ddof": 0, "eps": 0.0}, [1, 0, 0, 1], [1, -1, -1, 1]),
    ("dr_grpo", {}, [1, 0, 0, 1], [0.5, -0.5, -0.5, 0.5]),
    ("rloo", {}, [1, 0, 0, 1], [2 / 3, -2 / 3, -2 / 3, 2 / 3]),
    ("grpo", {}, [1, 0, 0, 0], [1.499997, -0.499999, -0.499999, -0.499999]),
    ("dr_grpo", {}, [1, 0, 0, 0], [0.75, -0.25, -0.25, -0.25]),
    ("rloo", {}, [1, 0, 0, 0], [1, -1 / 3, -1 / 3, -1 / 3]),
    ("grpo", {}, [1, 1, 1, 1], [0, 0, 0, 0]),
])
def test_advantages(name, kw, r, want):
    close(ADVANTAGES[name](torch.tensor([r], dtype=D), **kw)[0], want)


@pytest.mark.parametrize("name", ["grpo", "dr_grpo", "rloo"])
def test_group_of_one_returns_reward(name):
    r = torch.tensor([[0.7], [0.0]], dtype=D)
    close(ADVANTAGES[name](r), r)


def test_reinforce_baseline_is_batch_mean():
    close(ADVANTAGES["reinforce"](torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=D)),
          [[0.25, -0.75], [0.25, 0.25]])


# --- 2.1 clipping --------------------------------------------------------------------------

@pytest.mark.parametrize("rho, a, sym, dapo", [
    (1.5, 1, -1.2, -1.28), (1.25, 1, -1.2, -1.25), (0.5, 1, -0.5, -0.5),
    (0.5, -1, 0.8, 0.8), (1.5, -1, 1.5, 1.5)])
def test_ppo_clip(rho, a, sym, dapo):
    logp, old = torch.tensor([[math.log(rho)]], dtype=D), torch.zeros(1, 1, dtype=D)
    adv, mask = torch.tensor([float(a)], dtype=D), torch.ones(1, 1, dtype=D)
    close(ppo_clip(logp, old, adv, mask)[0], [[sym]])
    close(ppo_clip(logp, old, adv, mask, eps_low=0.2, eps_high=0.28)[0], [[dapo]])


def test_dual_clip():
    logp, old = torch.tensor([[math.log(5.0)]], dtype=D), torch.zeros(1, 1, dtype=D)
    adv, mask = torch.tensor([-1.0], dtype=D), torch.ones(1, 1, dtype=D)
    close(ppo_clip(logp, old, adv, mask, dual_clip=3.0)[0], [[3.0]])
    close(ppo_clip(logp, old, adv, mask)[0], [[5.0]])


def test_on_policy_ratio_keeps_the_gradient():
    logp = torch.tensor([[-0.5, -1.0]], dtype=D, requires_grad=True)
    loss, m = ppo_clip(logp, logp.detach(), torch.tensor([2.0], dtype=D), torch.ones(1, 2, dtype=D))
    loss.sum().backward()
    close(loss, [[-2.0, -2.0]])
    close(logp.grad, [[-2.0, -2.0]])  # d(-A rho)/d logp = -A at rho = 1
    assert m["clipfrac"] == 0.0


def test_tis_factor_caps_the_importance_weight():
    logp = torch.tensor([[math.log(0.9)]], dtype=D)
    behaviour = torch.tensor([[math.log(0.3)]], dtype=D)  # exp(diff) = 3 -> capped at 2
    loss, _ = ppo_clip(logp, logp, torch.tensor([1.0], dtype=D), torch.ones(1, 1, dtype=D),
                       tis_coef=2.0, behaviour_logp=behaviour)
    close(loss, [[-2.0]])


# --- 3 aggregation -------------------------------------------------------------------------

LOSS = torch.tensor([[1.0, 1.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]], dtype=D)
MASK = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=D)


@pytest.mark.parametrize("mode, want", [
    ("token-mean", 1.666667), ("seq-mean-token-mean", 1.5), ("seq-mean-token-sum", 5.0),
    ("seq-mean-token-sum-norm", 2.5), ("seq-mean-token-sum-norm-trl", 1.25)])
def test_aggregation(mode, want):
    close(AGGREGATIONS[mode](LOSS, MASK), want)


@pytest.mark.parametrize("mode", sorted(AGGREGATIONS))
def test_aggregation_splits_into_minibatches_exactly(mode):
    whole = AGGREGATIONS[mode](LOSS, MASK)
    counts = {"tokens": float(MASK.sum()), "seqs": 2.0, "length": 4.0}
    parts = sum(AGGREGATIONS[mode](LOSS[i : i + 1], MASK[i : i + 1], **counts) for i in range(2))
    close(parts, whole)


# --- 5, 6 KL; overlong, DAPO filters -------------------------------------------------------

def test_overlong():
    close(overlong_penalty(torch.tensor([16384, 18432, 20480, 30000]), 20480, 4096),
          [0.0, -0.5, -1.0, -1.0])


def test_kl_estimators():
    logp, ref = torch.tensor([math.log(0.5)], dtype=D), torch.tensor([math.log(0.25)], dtype=D)
    close(KL_ESTIMATORS["k1"](logp, ref), [0.693147])
    close(KL_ESTIMATORS["k2"](logp, ref), [0.240227])
    close(KL_ESTIMATORS["k3"](logp, ref), [0.193147])


def test_group_filters():
    r = torch.tensor([[1, 1, 1, 1], [0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 1.0]])
    assert varied_groups(r).tolist() == [False, False, True, True]
    assert window_groups(r, 0.2, 0.8).tolist() == [False, False, True, True]
    assert window_groups(r, 0.5, 1.0).tolist() == [True, False, False, True]


# --- 2.2 SPO per-token vectors -------------------------------------------------------------

Z = [2.0, 1.0, 0.0]


def spo_case(z, a, fn, tau=1.0):
    logits = torch.tensor([[z]], dtype=D, requires_grad=True)
    loss = fn(token_probs(logits, torch.tensor([[a]]), tau)).sum()
    loss.backward()
    return float(loss.detach()), logits.grad[0, 0]


def test_softmax_and_entropy():
    t = token_probs(torch.tensor([[Z]], dtype=D), torch.tensor([[1]]))
    close(t.logp_c.exp(), [[0.244728]])
    close(t.logp_max.exp(), [[0.665241]])
    close(t.logp_max - t.logp_c, [[1.0]])
    close(entropy(torch.tensor(Z, dtype=D)), 0.832396)


@pytest.mark.parametrize("a, detach, loss, grad", [
    (1, False, 0.392859, [0.774281, -0.715784, -0.058498]),
    (1, True, 0.392859, [0.370386, -0.420512, 0.050126]),
    (2, False, 0.995723, [1.088599, -0.333712, -0.754886]),
    (0, False, 0.0, [0.0, 0.0, 0.0])])
def test_spo_kl(a, detach, loss, grad):
    value, g = spo_case(Z, a, lambda t: spo_kl(t, detach))
    close(value, loss)
    close(g, grad)


def test_spo_kl_temperature():
    value, _ = spo_case(Z, 1, spo_kl, tau=2.0)
    close(value, 0.085846)


@pytest.mark.parametrize("z, a, loss, grad", [
    (Z, 0, 0.057828, [0.165241, -0.120801, -0.044440]),
    (Z, 1, 0.0, [0.0, 0.0, 0.0]), (Z, 2, 0.0, [0.0, 0.0, 0.0]),
    ([3.0, 0.0, 0.0], 0, 0.555202, [0.409443, -0.204722, -0.204722])])
def test_spo_half_released(z, a, loss, grad):
    value, g = spo_case(z, a, spo_half)
    close(value, loss)
    close(g, grad)
    assert g[a] >= 0  # gradient descent lowers the confident chosen logit toward p = 1/2


def test_bernoulli_jsd():
    close(bernoulli_jsd(torch.tensor(0.665241, dtype=D), torch.tensor(0.244728, dtype=D)), 0.092105)
