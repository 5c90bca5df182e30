"""The PPO clipped surrogate, with DAPO's clip-higher, verl's dual clip and RL2's TIS factor.

Per token, with ``rho = exp(logp - old_logp)`` and the sequence advantage ``A``::

    l = max(-A * rho, -A * clip(rho, 1 - eps_low, 1 + eps_high))       # PPO / GRPO / DAPO
    l = min(l, -A * dual_clip)            where A < 0                   # verl dual clip (c = 3)
    l = l * min(exp(logp.detach() - behaviour_logp), tis_coef)          # RL2 truncated IS

On-policy (one update per rollout) ``old_logp`` is ``logp.detach()``: the ratio's value is 1 but
its gradient is ``grad logp``; a constant 1 would make the gradient vanish. The log-ratio is
clamped to +-20 as verl does, so a stale token cannot overflow ``exp``.
"""

from __future__ import annotations

import torch


def ppo_clip(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
             mask: torch.Tensor, eps_low: float = 0.2, eps_high: float = 0.2,
             dual_clip: float | None = None, tis_coef: float | None = None,
             behaviour_logp: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """``logp, old_logp, mask: (B, T)``, ``advantages: (B,)`` or ``(B, T)`` -> per-token loss
    ``(B, T)`` and ``{"clipfrac", "ratio_mean"}`` over the masked tokens."""
    adv = advantages[:, None] if advantages.ndim == 1 else advantages
    ratio = torch.exp((logp - old_logp).clamp(-20.0, 20.0))
    plain = -adv * ratio
    clipped = -adv * ratio.clamp(1.0 - eps_low, 1.0 + eps_high)
    loss = torch.maximum(plain, clipped)
    if dual_clip is not None:
        loss = torch.where(adv < 0, torch.minimum(loss, -adv * dual_clip), loss)
    if tis_coef is not None:
        behaviour = old_logp if behaviour_logp is None else behaviour_logp
        loss = loss * torch.exp(logp.detach() - behaviour).clamp(max=tis_coef)
    n = mask.sum().clamp(min=1)
    metrics = {"clipfrac": float(((clipped > plain).float() * mask).sum() / n),
               "ratio_mean": float((ratio.detach() * mask).sum() / n)}
    return loss, metrics
