"""Per-token losses to one scalar: the aggregation modes of verl and TRL, by name.

``loss, mask: (B, T)``. With ``tokens`` / ``seqs`` / ``length`` left out, the denominators are
the local ones; the RL loop passes the counts of the whole update batch so that the sum of the
minibatch losses equals the loss of the full batch (gradient accumulation without bias).

* ``token-mean`` (DAPO; verl default; TRL ``dapo``/``bnpo``): ``sum(l*m) / tokens``.
* ``seq-mean-token-mean`` (GRPO paper; TRL ``grpo``): mean over sequences of each sequence's
  token mean.
* ``seq-mean-token-sum``: mean over sequences of each sequence's token sum.
* ``seq-mean-token-sum-norm`` (Dr.GRPO as verl does it): ``sum(l*m) / length`` with the constant
  ``length`` (verl: the padded response width) and **no** division by the number of sequences.
* ``seq-mean-token-sum-norm-trl`` (TRL ``dr_grpo``): ``sum(l*m) / (seqs * length)``, i.e. the
  oat reference's masked sum over ``max_completion_length``, averaged over sequences.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Aggregator = Callable[..., torch.Tensor]


def _counts(mask: torch.Tensor, tokens: float | None, seqs: float | None,
            length: float | None) -> tuple[float, float, float]:
    return (float(mask.sum()) if tokens is None else tokens,
            float(mask.shape[0]) if seqs is None else seqs,
            float(mask.shape[1]) if length is None else length)


def token_mean(loss: torch.Tensor, mask: torch.Tensor, tokens: float | None = None,
               seqs: float | None = None, length: float | None = None) -> torch.Tensor:
    t, _, _ = _counts(mask, tokens, seqs, length)
    return (loss * mask).sum() / max(t, 1.0)


def seq_mean_token_mean(loss: torch.Tensor, mask: torch.Tensor, tokens: float | None = None,
                        seqs: float | None = None, length: float | None = None) -> torch.Tensor:
    _, s, _ = _counts(mask, tokens, seqs, length)
    per_seq = (loss * mask).sum(-1) / mask.sum(-1).clamp(min=1)
    return per_seq.sum() / max(s, 1.0)


def seq_mean_token_sum(loss: torch.Tensor, mask: torch.Tensor, tokens: float | None = None,
                       seqs: float | None = None, length: float | None = None) -> torch.Tensor:
    _, s, _ = _counts(mask, tokens, seqs, length)
    return (loss * mask).sum() / max(s, 1.0)


def seq_mean_token_sum_norm(loss: torch.Tensor, mask: torch.Tensor, tokens: float | None = None,
                            seqs: float | None = None, length: float | None = None) -> torch.Tensor:
    _, _, n = _counts(mask, tokens, seqs, length)
    return (loss * mask).sum() / n


def seq_mean_token_sum_norm_trl(loss: torch.Tensor, mask: torch.Tensor, tokens: float | None = None,
                                seqs: float | None = None, length: float | None = None
                                ) -> torch.Tensor:
    _, s, n = _counts(mask, tokens, seqs, length)
    return (loss * mask).sum() / (max(s, 1.0) * n)


AGGREGATIONS: dict[str, Aggregator] = {
    "token-mean": token_mean,
    "seq-mean-token-mean": seq_mean_token_mean,
    "seq-mean-token-sum": seq_mean_token_sum,
    "seq-mean-token-sum-norm": seq_mean_token_sum_norm,
    "seq-mean-token-sum-norm-trl": seq_mean_token_sum_norm_trl,
}
