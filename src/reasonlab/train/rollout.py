"""Rollouts for RL: n sampled completions per prompt with a KV cache, scored by the verifier.

One forward pass over the P (left-padded) prompts fills the KV cache, which is then repeated
``n`` times, so a group's shared prompt is encoded once; each new token is one cached decode step
of the whole ``(P * n)`` batch (:mod:`.decoders`: a lean loop for GPT-2 models, transformers'
own otherwise). Sampling applies the temperature and top-p; the log-probability recorded for
the sampled token is that of the temperature-scaled policy (no top-p renormalisation), which is
what the update recomputes, so the on-policy ratio is 1 up to float error. A finished row (EOS
sampled) pads from then on (its later tokens are computed but never used); the loop stops when
every row has ended or ``max_new_tokens`` is reached (rows without EOS are "truncated":
``ended`` is False). The sampler's RNG is a ``torch.Generator`` seeded by the caller from
``SeedSequence``, so a resumed run samples exactly what an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..models.encoding import left_pad
from ..tasks import Example, get_task
from .decoders import decoder_for


@dataclass
class RolloutBatch:
    """``B = P * n`` rows, grouped prompt-major (rows ``g*n .. g*n+n-1`` share prompt g)."""

    examples: list[Example]  # (B,) the prompt of each row
    input_ids: torch.Tensor  # (B, W + T) left-padded prompt, then completion, then pads
    attention_mask: torch.Tensor  # (B, W + T)
    position_ids: torch.Tensor  # (B, W + T)
    actions: torch.Tensor  # (B, T) sampled ids (pad after EOS)
    mask: torch.Tensor  # (B, T) float, 1 on completion tokens up to and including EOS
    old_logp: torch.Tensor  # (B, T) log pi_old(a_t) at sampling time (temperature-scaled)
    ended: torch.Tensor  # (B,) bool, EOS sampled within the budget
    texts: list[str]  # (B,) decoded completions without special tokens
    rewards: torch.Tensor  # (B,) verifier reward (+ shaping, set by the loop)
    correct: torch.Tensor  # (B,) bool
    n: int
    scores: torch.Tensor | None = None  # (B,) verifier reward before any shaping

    @property
    def prompt_width(self) -> int:
        return self.input_ids.shape[1] - self.actions.shape[1]

    def select(self, groups: Sequence[int]) -> RolloutBatch:
        """The rows of the given prompt groups, in that order."""
        rows = [g * self.n + j for g in groups for j in range(self.n)]
        idx = torch.tensor(rows, dtype=torch.long)
        return RolloutBatch([self.examples[i] for i in rows], self.input_ids[idx],
                            self.attention_mask[idx], self.position_ids[idx], self.actions[idx],
                            self.mask[idx], self.old_logp[idx], self.ended[idx],
                            [self.texts[i] for i in rows], self.rewards[idx], self.correct[idx],
                            self.n, self.scores[idx])


def _sample(logits: torch.Tensor, temperature: float, top_p: float,
            gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``logits: (B, V)`` -> sampled ids ``(B,)`` and their log-probs under ``softmax(z / tau)``."""
    logprobs = torch.log_softmax(logits.float() / temperature, -1)
    probs = logprobs.exp()
    if top_p < 1.0:
        sorted_p, order = probs.sort(-1, descending=True)
        drop = sorted_p.cumsum(-1) - sorted_p > top_p  # keep the smallest head with mass >= top_p
        probs = probs.scatter(-1, order, sorted_p.masked_fill(drop, 0.0))
    action = torch.multinomial(probs, 1, generator=gen).squeeze(-1)
    return action, logprobs.gather(-1, action[:, None]).squeeze(-1)


@torch.no_grad()
def sample(model, tok, examples: Sequence[Example], n: int, max_new_tokens: int,
           temperature: float = 1.0, top_p: float = 1.0, gen: torch.Generator | None = None,
           device: torch.device | str = "cpu", lean: bool = True) -> RolloutBatch:
    """``n`` completions for each of the P ``examples``; rewards are filled by :func:`score`.
    ``lean=False`` decodes through transformers even where :mod:`.decoders` has a lean path."""
    model.eval()
    ids, mask = left_pad(tok, examples)
    ids, mask = ids.to(device), mask.to(device)
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                logits_to_keep=1)
    decoder = decoder_for(model, out.cache, mask, n, max_new_tokens, lean)
    logits = out.logits[:, -1].repeat_interleave(n, 0)  # (B, V)
    mask, pos = mask.repeat_interleave(n, 0), pos.repeat_interleave(n, 0)
    rows = mask.shape[0]
    nxt = pos[:, -1] + 1  # (B,)
    done = torch.zeros(rows, dtype=torch.bool, device=device)
    actions, logps, live = [], [], []
    for step in range(max_new_tokens):
        a, lp = _sample(logits, temperature, top_p, gen)
        a = a.masked_fill(done, tok.pad_token_id)
        actions.append(a)
        logps.append(lp.masked_fill(done, 0.0))
        live.append(~done)
        done = done | (a == tok.eos_token_id)
        if bool(done.all()) or step == max_new_tokens - 1:
            break
        logits, nxt = decoder.step(a, nxt, ~done), nxt + 1
    acts = torch.stack(actions, 1)  # (B, T)
    comp_mask = torch.stack(live, 1)
    prompt_ids_rep, prompt_mask = ids.repeat_interleave(n, 0), mask  # (B, W)
    steps = torch.arange(acts.shape[1], device=device) + 1
    full_pos = torch.cat([pos, pos[:, -1:] + steps], 1)
    texts = tok.batch_decode(acts.masked_fill(~comp_mask, tok.pad_token_id).tolist(),
                             skip_special_tokens=True)
    reps = [e for e in examples for _ in range(n)]
    return RolloutBatch(reps, torch.cat([prompt_ids_rep, acts], 1).cpu(),
                        torch.cat([prompt_mask, comp_mask.long()], 1).cpu(), full_pos.cpu(),
                        acts.cpu(), comp_mask.float().cpu(), torch.stack(logps, 1).cpu(),
                        done.cpu(), texts, torch.zeros(rows), torch.zeros(rows, dtype=torch.bool), n)


def score(batch: RolloutBatch, reward: str | None = None) -> None:
    """Fill ``rewards`` and ``correct`` from each example's task verifier, under reward mode
    ``reward`` (None: each example's dataset default)."""
    verdicts = [get_task(e.task).verify(e, t, reward)
                for e, t in zip(batch.examples, batch.texts, strict=True)]
    batch.rewards = torch.tensor([v.reward for v in verdicts], dtype=torch.float32)
    batch.correct = torch.tensor([v.correct for v in verdicts], dtype=torch.bool)
    batch.scores = batch.rewards.clone()


def _pad(x: torch.Tensor, left: int, right: int, value: float) -> torch.Tensor:
    return torch.nn.functional.pad(x, (left, right), value=value)


def concat(batches: Sequence[RolloutBatch], pad_id: int) -> RolloutBatch:
    """Rows of several batches (same ``n``) in one, re-padded to a common prompt width (left)
    and completion length (right)."""
    if len(batches) == 1:
        return batches[0]
    width = max(b.prompt_width for b in batches)
    length = max(b.actions.shape[1] for b in batches)
    parts: dict[str, list[torch.Tensor]] = {k: [] for k in ("ids", "att", "pos", "act", "mask", "lp")}
    for b in batches:
        w, t = width - b.prompt_width, length - b.actions.shape[1]
        parts["ids"].append(_pad(b.input_ids, w, t, pad_id))
        parts["att"].append(_pad(b.attention_mask, w, t, 0))
        pos = _pad(b.position_ids, w, 0, 0)
        parts["pos"].append(torch.cat([pos, pos[:, -1:] + torch.arange(1, t + 1)], 1))
        parts["act"].append(_pad(b.actions, 0, t, pad_id))
        parts["mask"].append(_pad(b.mask, 0, t, 0.0))
        parts["lp"].append(_pad(b.old_logp, 0, t, 0.0))
    cat = {k: torch.cat(v) for k, v in parts.items()}
    return RolloutBatch([e for b in batches for e in b.examples], cat["ids"], cat["att"], cat["pos"],
                        cat["act"], cat["mask"], cat["lp"], torch.cat([b.ended for b in batches]),
                        [t for b in batches for t in b.texts], torch.cat([b.rewards for b in batches]),
                        torch.cat([b.correct for b in batches]), batches[0].n,
                        torch.cat([b.scores for b in batches]))
