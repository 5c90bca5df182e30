"""Outcome advantages: one scalar per rollout, broadcast over its tokens by the loss.

Rewards come grouped, ``rewards: (P, G)`` for P prompts with G rollouts each. Estimators:

* ``grpo`` (DeepSeekMath): ``(r - mean_g r) / (std_g r + eps)``. The paper leaves the std open;
  ``ddof`` and ``eps`` name the convention: verl uses ``ddof=1, eps=1e-6`` (our default), TRL
  ``ddof=1, eps=1e-4``; ``ddof=0`` is the population std.
* ``dr_grpo`` (Dr.GRPO): ``r - mean_g r``, no std.
* ``rloo`` (Kool 2019, Ahmadian 2024): leave-one-out baseline, ``G/(G-1) * (r - mean_g r)``.
* ``reinforce``: REINFORCE with the batch-mean baseline, ``r - mean(r)`` over all rollouts.

G = 1 is handled explicitly, as verl does: a group of one has no baseline, so the group
estimators return the reward itself (TRL refuses G = 1 instead).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch

Estimator = Callable[..., torch.Tensor]


def grpo(rewards: torch.Tensor, ddof: int = 1, eps: float = 1e-6) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P, G)`` std-normalised group advantages."""
    if rewards.shape[1] == 1:
        return rewards.clone()
    mean = rewards.mean(dim=1, keepdim=True)
    std = rewards.std(dim=1, correction=ddof, keepdim=True)
    return (rewards - mean) / (std + eps)


def dr_grpo(rewards: torch.Tensor) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P, G)`` mean-centred group advantages (no std)."""
    if rewards.shape[1] == 1:
        return rewards.clone()
    return rewards - rewards.mean(dim=1, keepdim=True)


def rloo(rewards: torch.Tensor) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P, G)``: ``r_i`` minus the mean of the other G-1 rewards."""
    g = rewards.shape[1]
    if g == 1:
        return rewards.clone()
    return g / (g - 1) * (rewards - rewards.mean(dim=1, keepdim=True))


def reinforce(rewards: torch.Tensor) -> torch.Tensor:
    """``rewards: (P, G)`` -> ``(P, G)``: reward minus the mean over the whole batch."""
    return rewards - rewards.mean()


ADVANTAGES: dict[str, Estimator] = {"grpo": grpo, "dr_grpo": dr_grpo, "rloo": rloo,
                                    "reinforce": reinforce}


def advantage_options(name: str) -> tuple[str, ...]:
    """The options estimator ``name`` takes (``grpo``: ``ddof``, ``eps``; the others none)."""
    return tuple(list(inspect.signature(ADVANTAGES[name]).parameters)[1:])
