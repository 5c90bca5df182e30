"""The policy-loss registry: every per-token policy objective behind one calling convention.

Each loss is a frozen dataclass holding only its own options, built once from the config
(an option of another loss is a config error, not silently ignored); calling it on a
:class:`PolicyInputs` returns ``(per_token_loss (B, T), metrics)``. The SPO family reads the
full logits (``PolicyInputs.logits``) and weights rows by correctness (:meth:`PolicyLoss.rows`)
instead of by an advantage.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, NamedTuple

import torch

from .policy import ppo_clip
from .spo import TokenProbs, spo_half, spo_kl, spo_rank_jsd, spo_rows, token_probs


class PolicyInputs(NamedTuple):
    logp: torch.Tensor  # (B, T) log-prob of the sampled tokens under the current policy
    old_logp: torch.Tensor  # (B, T) at sampling time (behaviour policy)
    advantages: torch.Tensor  # (B,)
    mask: torch.Tensor  # (B, T) 1 on completion tokens
    actions: torch.Tensor  # (B, T) sampled token ids
    logits: torch.Tensor | None = None  # (B, T, V), raw (the loss divides by temperature)
    temperature: float = 1.0


class PolicyLoss:
    """A policy objective with its own options (a frozen dataclass of numbers and names, built
    once when the config is validated): ``loss(x) -> (per_token (B, T), metrics)``.

    ``correct_only`` marks the SPO family, whose rows are weighted by correctness rather than by
    an advantage (:meth:`rows`); its metrics are logged under ``metric_prefix``."""

    correct_only: ClassVar[bool] = False
    metric_prefix: ClassVar[str] = "actor"

    def __call__(self, x: PolicyInputs) -> tuple[torch.Tensor, dict[str, float]]:
        raise NotImplementedError

    def rows(self, correct: torch.Tensor) -> tuple[torch.Tensor, float | None]:
        """Policy-gradient row weights ``(B,)`` and the sequence count that normalises (None:
        the aggregation's own)."""
        return torch.ones_like(correct, dtype=torch.float), None


@dataclass(frozen=True)
class PPOClip(PolicyLoss):
    """PPO / GRPO / DAPO clipped surrogate (:func:`.policy.ppo_clip`)."""

    eps_low: float = 0.2
    eps_high: float = 0.2
    dual_clip: float | None = None
    tis_coef: float | None = None

    def __call__(self, x: PolicyInputs) -> tuple[torch.Tensor, dict[str, float]]:
        return ppo_clip(x.logp, x.old_logp, x.advantages, x.mask, self.eps_low, self.eps_high,
                        self.dual_clip, self.tis_coef)


@dataclass(frozen=True)
class _SPO(PolicyLoss):
    """Shared by the SPO family: rows of correct sequences only (or all, ``include_incorrect``),
    normalised by the number correct (3.2) or the batch size (3.1)."""

    correct_only: ClassVar[bool] = True
    metric_prefix: ClassVar[str] = "spo"
    spo_normaliser: str = "num_correct"
    include_incorrect: bool = False

    def rows(self, correct: torch.Tensor) -> tuple[torch.Tensor, float | None]:
        return spo_rows(correct.float(), self.spo_normaliser, self.include_incorrect)


def _spo_metrics(t: TokenProbs, mask: torch.Tensor) -> dict[str, float]:
    """Mean p_max and p_chosen over the masked tokens."""
    n = mask.sum().clamp(min=1)
    return {"p_max": float((t.logp_max.detach().exp() * mask).sum() / n),
            "p_chosen": float((t.logp_c.detach().exp() * mask).sum() / n)}


@dataclass(frozen=True)
class SPOKL(_SPO):
    """KL(Bern(p_max) || Bern(p_c)) on correct paths (sections 3.1/3.2)."""

    detach_target: bool = False

    def __call__(self, x: PolicyInputs) -> tuple[torch.Tensor, dict[str, float]]:
        t = token_probs(x.logits, x.actions, x.temperature)
        return spo_kl(t, self.detach_target), _spo_metrics(t, x.mask)


@dataclass(frozen=True)
class SPOHalf(_SPO):
    """KL(Bern(1/2) || Bern(p_c)) (section 3.3), ``released`` or ``intent`` variant."""

    half_variant: str = "released"

    def __call__(self, x: PolicyInputs) -> tuple[torch.Tensor, dict[str, float]]:
        t = token_probs(x.logits, x.actions, x.temperature)
        return spo_half(t, self.half_variant), _spo_metrics(t, x.mask)


@dataclass(frozen=True)
class SPORankJSD(_SPO):
    """Rank-aware JSD to the tokens ranked above the chosen one (section 4.3, our design)."""

    detach_target: bool = False

    def __call__(self, x: PolicyInputs) -> tuple[torch.Tensor, dict[str, float]]:
        t = token_probs(x.logits.detach(), x.actions, x.temperature)  # for the metrics only
        return spo_rank_jsd(x.logits, x.actions, x.temperature, self.detach_target), _spo_metrics(t, x.mask)


POLICY_LOSSES: dict[str, type[PolicyLoss]] = {
    "ppo_clip": PPOClip,
    "spo_kl": SPOKL,
    "spo_half": SPOHalf,
    "spo_rank_jsd": SPORankJSD,
}


def loss_options(name: str) -> tuple[str, ...]:
    """The option names policy loss ``name`` takes."""
    return tuple(f.name for f in fields(POLICY_LOSSES[name]))
