"""Per-token KL-to-reference estimators and the entropy of the sampling distribution.

With ``d = ref_logp - logp`` on the sampled token (Schulman's estimators of KL(pi || ref)):

* ``k1 = -d``: unbiased, high variance, can be negative;
* ``k2 = d**2 / 2``;
* ``k3 = exp(d) - d - 1`` (GRPO's D_KL; verl ``low_var_kl`` also clamps it to +-10).

As a loss term (``beta * aggregate(k)``, GRPO) or folded into the reward (``r - beta * sum_t
k``, TRL RLOO / classic PPO) -- the RL loop chooses. Entropy is ``LSE(z) - sum softmax(z) z`` of
the temperature-scaled logits; its coefficient is signed (``loss - c * H``: c > 0 is a bonus).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def k1(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    return logp - ref_logp


def k2(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    return 0.5 * (logp - ref_logp) ** 2


def k3(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    d = (ref_logp - logp).clamp(-20.0, 20.0)
    return (torch.exp(d) - d - 1.0).clamp(-10.0, 10.0)


KL_ESTIMATORS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "k1": k1, "k2": k2, "k3": k3}


def entropy(logits: torch.Tensor) -> torch.Tensor:
    """``logits: (..., V)`` (already divided by the temperature) -> ``(...)`` entropy in nats."""
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))
    return torch.logsumexp(z, -1) - (torch.softmax(z, -1) * z).sum(-1)
