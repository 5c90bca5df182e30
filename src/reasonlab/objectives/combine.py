"""One scalar from the per-token terms: policy loss, entropy bonus/penalty and KL penalty.

``L = agg(l_pg, pg_mask) - c_H * agg(H, aux_mask) + beta * agg(k, aux_mask)``, all three with
the same aggregation mode and the same whole-batch counts. ``pg_mask`` is the completion mask
times any row selection (RaML's k of n, SPO's correct rows); ``aux_mask`` is the mask the
entropy and KL terms use -- the full completion mask as verl/RaML release it, or ``pg_mask``
where an objective restricts them too (SPO: ``(1/N_c) sum_correct (S_i - c E_i)``).
"""

from __future__ import annotations

import torch

from .aggregate import AGGREGATIONS


def combine(pg: torch.Tensor, pg_mask: torch.Tensor, mode: str, counts: dict[str, float],
            entropy: torch.Tensor | None = None, entropy_coef: float = 0.0,
            kl: torch.Tensor | None = None, kl_coef: float = 0.0,
            aux_mask: torch.Tensor | None = None, aux_counts: dict[str, float] | None = None
            ) -> tuple[torch.Tensor, dict[str, float]]:
    """Each term ``(B, T)``; ``counts`` (``aux_counts`` for the entropy/KL terms, default the
    same) hold ``tokens``/``seqs``/``length`` of the whole update batch (see :mod:`.aggregate`),
    so micro-batch losses sum to the batch loss. Returns the scalar loss and its parts."""
    agg = AGGREGATIONS[mode]
    aux = pg_mask if aux_mask is None else aux_mask
    aux_counts = counts if aux_counts is None else aux_counts
    loss = pg_loss = agg(pg, pg_mask, **counts)
    parts = {"pg_loss": float(pg_loss.detach())}
    if entropy is not None and entropy_coef:
        ent = agg(entropy, aux, **aux_counts)
        loss = loss - entropy_coef * ent
        parts["entropy_term"] = float(ent.detach())
    if kl is not None and kl_coef:
        kl_term = agg(kl, aux, **aux_counts)
        loss = loss + kl_coef * kl_term
        parts["kl_term"] = float(kl_term.detach())
    return loss, parts
