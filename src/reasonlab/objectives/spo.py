"""The SPO family (the "exploring paths" thesis on RL2, docs/origins.md): per-token losses on
correct paths. Formulas and test vectors: docs/objectives.md.

Quantities per completion token come from the temperature-scaled fp32 logits ``z = logits / tau``
(tau = the rollout temperature), with ``a`` the sampled token and ``m = argmax z``; the
complements ``log(1 - p)`` are exact log-sum-exps over the other tokens, not ``log1p(-p)``:

* ``spo_kl`` (sections 3.1/3.2): ``KL(Bern(p_max) || Bern(p_c))`` -- 0 exactly where the sample
  is the argmax. As released, the target ``p_max`` is **not** detached (``detach_target=True``
  is the variant; it halves the push on the max logit).
* ``spo_half`` (section 3.3): ``KL(Bern(1/2) || Bern(p_c))``. ``variant="released"`` keeps only
  tokens with ``p_c > 1/2`` -- the loss is minimised at 1/2, so it *lowers* confident chosen
  tokens; ``variant="intent"`` applies it to tokens with ``p_c < 1/2`` instead, raising unsure
  chosen tokens to 1/2 (the README's "stronger incentive to select correct paths").
* ``spo_rank_jsd`` (section 4.3, never implemented by the paper; our design): for a chosen token
  of rank k, the sum over the k - 1 tokens ranked above it of ``JSD(Bern(p_j) || Bern(p_c))``.
  Each term pulls ``p_c`` up toward ``p_j`` (and ``p_j`` down, unless detached) and vanishes when
  the chosen token overtakes it; the loss is 0 exactly when the chosen token is rank 1, and,
  unlike the KL, bounded by ``(k - 1) ln 2`` per token, so a low-ranked token cannot blow up the
  update. Cost: k - 1 Bernoulli JSDs per token (computed over a masked vocabulary).

Aggregation (the RL loop): each correct sequence's token mean ``S_i`` (T_i counts every response
token, the zero-loss argmax ones included), summed over correct sequences and divided by the
number correct (section 3.2, released) or by the batch size (section 3.1); incorrect sequences
contribute nothing unless ``include_incorrect``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

LOG_HALF = math.log(0.5)


class TokenProbs(NamedTuple):
    """Log-probabilities per completion token, each ``(B, T)``."""

    logp_c: torch.Tensor  # log p(chosen)
    log1m_c: torch.Tensor  # log(1 - p(chosen))
    logp_max: torch.Tensor  # log p(argmax)
    log1m_max: torch.Tensor  # log(1 - p(argmax))


def _complement(z: torch.Tensor, idx: torch.Tensor, lse: torch.Tensor) -> torch.Tensor:
    """log(1 - p_idx) = LSE(z without idx) - LSE(z); ``z: (B, T, V)``, ``idx: (B, T)``."""
    rest = z.scatter(-1, idx[..., None], float("-inf"))
    return torch.logsumexp(rest, -1) - lse


def _fp32(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Temperature-scaled logits in at least fp32 (bf16/fp16 logits are upcast, fp64 kept)."""
    return logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature


def token_probs(logits: torch.Tensor, actions: torch.Tensor, temperature: float = 1.0) -> TokenProbs:
    """``logits: (B, T, V)``, ``actions: (B, T)`` -> the four log-probabilities of the SPO losses."""
    z = _fp32(logits, temperature)
    lse = torch.logsumexp(z, -1)
    top = z.argmax(-1)
    logp_c = z.gather(-1, actions[..., None]).squeeze(-1) - lse
    logp_max = z.gather(-1, top[..., None]).squeeze(-1) - lse
    return TokenProbs(logp_c, _complement(z, actions, lse), logp_max, _complement(z, top, lse))


def spo_kl(t: TokenProbs, detach_target: bool = False) -> torch.Tensor:
    """``KL(Bern(p_max) || Bern(p_c))`` per token, ``(B, T)``."""
    lm, l1m = (t.logp_max.detach(), t.log1m_max.detach()) if detach_target else (t.logp_max, t.log1m_max)
    return lm.exp() * (lm - t.logp_c) + l1m.exp() * (l1m - t.log1m_c)


def spo_half(t: TokenProbs, variant: str = "released") -> torch.Tensor:
    """``KL(Bern(1/2) || Bern(p_c))`` on the tokens the variant selects, ``(B, T)``."""
    loss = -0.5 * (t.logp_c + t.log1m_c) + LOG_HALF
    keep = t.logp_c > LOG_HALF if variant == "released" else t.logp_c < LOG_HALF
    return torch.where(keep, loss, torch.zeros_like(loss))


def bernoulli_jsd(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """JSD(Bern(p) || Bern(q)) in nats, elementwise."""
    m = 0.5 * (p + q)

    def kl(a: torch.Tensor) -> torch.Tensor:
        return torch.xlogy(a, a) - torch.xlogy(a, m) + torch.xlogy(1 - a, 1 - a) - torch.xlogy(1 - a, 1 - m)

    return 0.5 * kl(p) + 0.5 * kl(q)


def spo_rank_jsd(logits: torch.Tensor, actions: torch.Tensor, temperature: float = 1.0,
                 detach_target: bool = False) -> torch.Tensor:
    """Rank-aware JSD per token, ``(B, T)``: ``sum_{j ranked above a} JSD(Bern(p_j) || Bern(p_a))``."""
    z = _fp32(logits, temperature)  # (B, T, V)
    p = torch.softmax(z, -1)
    z_a = z.gather(-1, actions[..., None])  # (B, T, 1)
    p_a = p.gather(-1, actions[..., None])
    above = z > z_a  # (B, T, V): the k - 1 tokens outranking the chosen one
    targets = p.detach() if detach_target else p
    jsd = bernoulli_jsd(targets, p_a.expand_as(p))
    return torch.where(above, jsd, torch.zeros_like(jsd)).sum(-1)


def spo_rows(rewards: torch.Tensor, normaliser: str = "num_correct",
             include_incorrect: bool = False) -> tuple[torch.Tensor, float]:
    """``rewards: (B,)`` -> (which rows enter the loss ``(B,)`` float, the sequence count that
    divides the summed per-sequence means: the number correct (3.2) or the batch size (3.1))."""
    correct = (rewards > 0).float()
    rows = torch.ones_like(correct) if include_incorrect else correct
    count = float(correct.sum()) if normaliser == "num_correct" else float(rewards.numel())
    return rows, count
