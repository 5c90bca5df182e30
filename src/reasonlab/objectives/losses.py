"""The policy-loss registry: every per-token policy objective behind one calling convention.

A loss takes a :class:`PolicyInputs` and its own options and returns ``(per_token_loss (B, T),
metrics)``; the SPO family reads the full logits (``PolicyInputs.logits``). ``correct_only``
marks the SPO family, whose rows are weighted by correctness (:func:`spo_rows`)
instead of by an advantage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch

from .policy import ppo_clip
from .spo import TokenProbs, spo_half, spo_kl, spo_rank_jsd, token_probs


class PolicyInputs(NamedTuple):
    logp: torch.Tensor  # (B, T) log-prob of the sampled tokens under the current policy
    old_logp: torch.Tensor  # (B, T) at sampling time (behaviour policy)
    advantages: torch.Tensor  # (B,)
    mask: torch.Tensor  # (B, T) 1 on completion tokens
    actions: torch.Tensor  # (B, T) sampled token ids
    logits: torch.Tensor | None = None  # (B, T, V), raw (the loss divides by temperature)
    temperature: float = 1.0


@dataclass(frozen=True)
class PolicyLoss:
    fn: Callable[..., tuple[torch.Tensor, dict[str, float]]]
    correct_only: bool = False


def _ppo(x: PolicyInputs, eps_low: float = 0.2, eps_high: float = 0.2,
         dual_clip: float | None = None, tis_coef: float | None = None, **_: object):
    return ppo_clip(x.logp, x.old_logp, x.advantages, x.mask, eps_low, eps_high, dual_clip, tis_coef)


def _spo_metrics(t: TokenProbs, mask: torch.Tensor) -> dict[str, float]:
    """Mean p_max and p_chosen over the masked tokens."""
    n = mask.sum().clamp(min=1)
    return {"p_max": float((t.logp_max.detach().exp() * mask).sum() / n),
            "p_chosen": float((t.logp_c.detach().exp() * mask).sum() / n)}


def _spo_kl(x: PolicyInputs, detach_target: bool = False, **_: object):
    t = token_probs(x.logits, x.actions, x.temperature)
    return spo_kl(t, detach_target), _spo_metrics(t, x.mask)


def _spo_half(x: PolicyInputs, half_variant: str = "released", **_: object):
    t = token_probs(x.logits, x.actions, x.temperature)
    return spo_half(t, half_variant), _spo_metrics(t, x.mask)


def _spo_rank_jsd(x: PolicyInputs, detach_target: bool = False, **_: object):
    t = token_probs(x.logits.detach(), x.actions, x.temperature)  # for the metrics only
    return spo_rank_jsd(x.logits, x.actions, x.temperature, detach_target), _spo_metrics(t, x.mask)


POLICY_LOSSES: dict[str, PolicyLoss] = {
    "ppo_clip": PolicyLoss(_ppo),
    "spo_kl": PolicyLoss(_spo_kl, correct_only=True),
    "spo_half": PolicyLoss(_spo_half, correct_only=True),
    "spo_rank_jsd": PolicyLoss(_spo_rank_jsd, correct_only=True),
}
