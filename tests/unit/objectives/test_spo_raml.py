"""SPO aggregation (docs/objectives.md 7), where gradients may flow, rank-aware JSD, RaML k-of-n."""

from __future__ import annotations

import pytest
import torch

from reasonlab.objectives import ADVANTAGES, POLICY_LOSSES, PolicyInputs, combine, select_rollouts, spo_rows
from reasonlab.objectives.spo import spo_half, spo_rank_jsd, token_probs

D = torch.float64
Z = [2.0, 1.0, 0.0]


def batch():
    """seq1 chooses (a=1, a=0), seq2 (a=2, a=1, a=0), every step with logits Z
    (docs/objectives.md 7)."""
    logits = torch.tensor([[Z] * 3, [Z] * 3], dtype=D, requires_grad=True)
    actions = torch.tensor([[1, 0, 0], [2, 1, 0]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=D)
    return logits, actions, mask


def spo_loss(rewards, normaliser="num_correct", include_incorrect=False, loss="spo_kl",
             entropy_coef=0.0):
    logits, actions, mask = batch()
    x = PolicyInputs(logp=torch.zeros(2, 3, dtype=D), old_logp=torch.zeros(2, 3, dtype=D),
                     advantages=torch.zeros(2, dtype=D), mask=mask, actions=actions, logits=logits)
    per_token, metrics = POLICY_LOSSES[loss]()(x)
    rows, seqs = spo_rows(torch.tensor(rewards, dtype=D), normaliser, include_incorrect)
    pg_mask = mask * rows[:, None]
    value, _ = combine(per_token, pg_mask, "seq-mean-token-mean", {"seqs": seqs})
    value.backward()
    return float(value.detach()), logits.grad, metrics


@pytest.mark.parametrize("rewards, normaliser, want", [
    ([1, 0], "num_correct", 0.196429), ([1, 0], "batch", 0.098215),
    ([1, 1], "num_correct", 0.329645), ([0, 0], "num_correct", 0.0), ([0, 0], "batch", 0.0)])
def test_spo_aggregation(rewards, normaliser, want):
    value, grad, _ = spo_loss(rewards, normaliser)
    assert value == pytest.approx(want, abs=1e-6)
    if not any(rewards):
        assert torch.count_nonzero(grad) == 0


def test_incorrect_sequences_get_no_gradient_unless_included():
    _, grad, _ = spo_loss([1, 0])
    assert torch.count_nonzero(grad[1]) == 0 and torch.count_nonzero(grad[0]) > 0
    value, grad, _ = spo_loss([1, 0], include_incorrect=True)
    assert torch.count_nonzero(grad[1]) > 0
    assert value == pytest.approx(0.196429 + 0.462861, abs=1e-6)  # both rows / N_c = 1


def test_spo_metrics_report_p_max_and_p_chosen():
    _, _, m = spo_loss([1, 1])
    assert m["p_max"] == pytest.approx(0.665241, abs=1e-6)
    assert m["p_chosen"] == pytest.approx((0.244728 * 2 + 0.665241 * 2 + 0.090031) / 5, abs=1e-6)


def test_entropy_term_enters_only_with_correct_rows():
    h = 0.832396
    value, _, _ = spo_loss([1, 0])
    logits, actions, mask = batch()
    x = PolicyInputs(torch.zeros(2, 3, dtype=D), torch.zeros(2, 3, dtype=D), torch.zeros(2, dtype=D),
                     mask, actions, logits)
    per_token, _ = POLICY_LOSSES["spo_kl"]()(x)
    ent = torch.full((2, 3), h, dtype=D)
    pg_mask = mask * torch.tensor([1.0, 0.0], dtype=D)[:, None]
    total, _ = combine(per_token, pg_mask, "seq-mean-token-mean", {"seqs": 1.0}, entropy=ent,
                       entropy_coef=-0.1)  # the README's entropy penalty
    assert float(total.detach()) == pytest.approx(value + 0.1 * h, abs=1e-6)


def test_half_target_intent_raises_unsure_chosen_tokens():
    logits = torch.tensor([[Z]], dtype=D, requires_grad=True)
    spo_half(token_probs(logits, torch.tensor([[1]])), "intent").sum().backward()
    assert logits.grad[0, 0, 1] < 0  # descent raises the chosen logit (p = 0.245 < 1/2)
    logits.grad = None
    assert float(spo_half(token_probs(logits.detach(), torch.tensor([[0]])), "intent").sum()) == 0.0


@pytest.mark.parametrize("detach", [False, True])
def test_rank_jsd(detach):
    logits = torch.tensor([[Z]], dtype=D, requires_grad=True)
    loss = spo_rank_jsd(logits, torch.tensor([[1]]), detach_target=detach).sum()
    assert float(loss.detach()) == pytest.approx(0.092105, abs=1e-6)  # rank 2: one term, JSD(p_top, p_c)
    loss.backward()
    g = logits.grad[0, 0]
    assert g[1] < 0 < g[0]  # descent raises the chosen token and lowers the one above it
    assert float(spo_rank_jsd(logits.detach(), torch.tensor([[0]])).sum()) == 0.0  # rank 1: nothing to do


def test_rank_jsd_counts_every_token_above():
    logits = torch.tensor([[[3.0, 2.0, 1.0, 0.0]]], dtype=D)
    p = torch.softmax(logits, -1)[0, 0]
    from reasonlab.objectives.spo import bernoulli_jsd
    want = sum(float(bernoulli_jsd(p[j], p[3])) for j in range(3))
    assert float(spo_rank_jsd(logits, torch.tensor([[3]]))) == pytest.approx(want, abs=1e-12)
    assert want < 3 * 0.6931472  # bounded by (k - 1) ln 2


def test_raml_selects_exactly_k_per_prompt_and_replays():
    m = select_rollouts(prompts=5, n=4, k=2, seed=7, step=3)
    assert m.view(5, 4).sum(1).tolist() == [2.0] * 5
    assert torch.equal(m, select_rollouts(5, 4, 2, seed=7, step=3))
    assert not torch.equal(m, select_rollouts(5, 4, 2, seed=7, step=4))
    with pytest.raises(ValueError, match="update_samples_per_prompt"):
        select_rollouts(1, 4, 5, 0, 0)


def test_raml_equals_grpo_on_the_selected_rows_with_advantages_from_all():
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0]], dtype=D)
    adv = ADVANTAGES["grpo"](rewards).reshape(-1)
    logp = torch.tensor([[-0.5, -1.0], [-0.2, -0.3], [-1.5, -0.1], [-0.7, -0.9]], dtype=D,
                        requires_grad=True)
    mask = torch.ones(4, 2, dtype=D)
    sel = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=D)
    per_token, _ = POLICY_LOSSES["ppo_clip"]()(PolicyInputs(logp, logp.detach(), adv, mask, None))
    loss, _ = combine(per_token, mask * sel[:, None], "token-mean", {})
    loss.backward()
    assert float(loss.detach()) == pytest.approx(float(-(adv[0] * 2 + adv[2] * 2) / 4), abs=1e-9)
    assert torch.count_nonzero(logp.grad[[1, 3]]) == 0  # unselected rows: no policy gradient
    assert torch.count_nonzero(logp.grad[[0, 2]]) == 4
    ent = logp.detach().clone().requires_grad_(True)
    total, _ = combine(per_token.detach(), mask * sel[:, None], "token-mean", {}, entropy=ent,
                       entropy_coef=0.01, aux_mask=mask)  # as released: entropy on every row
    total.backward()
    assert torch.count_nonzero(ent.grad[[1, 3]]) == 4
