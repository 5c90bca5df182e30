"""DAPO's reward shaping and group filters, and the truncation mask.

* ``overlong_penalty``: ``0`` up to ``max_len - cache``, then a linear ramp to ``-1`` at
  ``max_len`` (times ``factor``), ``-1`` beyond (DAPO eq. 13; verl's ``dapo`` reward manager).
* ``varied_groups``: DAPO's dynamic sampling keeps only groups whose rewards are not all equal
  (0 < #correct < G for 0/1 rewards); the RL loop refills the batch with fresh groups.
* ``window_groups``: the LLM causal-reasoning study's "+filter" runs (docs/origins.md) keep
  groups whose mean reward lies in [lo, hi].
* ``truncation_mask``: TRL's ``mask_truncated_completions`` -- a completion that did not end
  (no EOS within the budget) gets mask 0 and leaves the token count.
"""

from __future__ import annotations

import torch


def overlong_penalty(lengths: torch.Tensor, max_len: int, cache: int,
                     factor: float = 1.0) -> torch.Tensor:
    """``lengths: (B,)`` completion lengths -> ``(B,)`` penalties in ``[-factor, 0]``."""
    start = max_len - cache
    ramp = (start - lengths.double()) / cache
    return (ramp.clamp(min=-1.0, max=0.0) * factor).to(torch.float32)


def varied_groups(rewards: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P,)`` True where the group's rewards are not all equal."""
    return (rewards.max(dim=1).values - rewards.min(dim=1).values) > tol


def window_groups(rewards: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P,)`` True where the group's mean reward is in ``[lo, hi]``."""
    mean = rewards.mean(dim=1)
    return (mean >= lo - 1e-12) & (mean <= hi + 1e-12)


def truncation_mask(mask: torch.Tensor, ended: torch.Tensor) -> torch.Tensor:
    """``mask: (B, T)``, ``ended: (B,)`` bool -> mask with unfinished completions zeroed."""
    return mask * ended[:, None].to(mask.dtype)
