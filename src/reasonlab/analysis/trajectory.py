"""Trajectory probes: how a model's loss on the gold answer moves as a reasoning trace proceeds.

RaML (reasoning as a meta-learning / pseudo-gradient-descent process) reads each step of a trace
as an update that should lower the model's loss on the answer. Two probes measure that here:

* **answer loss along the trajectory** -- for prefixes of ``k = 0..K`` units (tokens, sentences
  or lines) of a trace, ``L(k) = -log p(answer | prompt + lead + first k units + cue)``, in nats
  per answer token (and summed). The answer is always the example's gold ``answer``; the trace is
  the gold completion's or the model's own (``reasonlab eval`` samples). Reflection words
  ("wait", "let me check", "hmm", ...) are located in the trace and tied to their unit;
* **trajectory pruning** -- keep the first fraction ``f`` of the trace's tokens, append the cue,
  greedy-decode the answer and score it with the task's verifier: accuracy against ``f``.

How a task writes a trace and its answer is an :class:`AnswerFormat` (``lead`` before the trace,
``cue`` between trace and answer), looked up by task name in :data:`ANSWER_FORMATS`. Pieces are
tokenised separately and concatenated (identical to whole-text tokenisation for char tokenizers;
for BPE a boundary may tokenise differently from the running text). The lead is kept even at
``k = 0``. Curves of different lengths are averaged on a grid of trace fractions ``k / K`` by
linear interpolation (:func:`mean_curves`); an empty trace (``K = 0``) counts as a flat curve.

Batching: one forward per batch of right-padded prefixes with an attention mask (positions
``0..T-1`` are then right for every real token), under ``torch.no_grad()`` in eval mode. There is
no KV-cache reuse across the prefixes of one trace: each prefix is its own row (simple and exact;
``max_points`` bounds the cost of long traces). Pruning decodes with left padding through
``model.generate``, which derives positions from the attention mask, as evaluation does.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from ..config import ConfigError
from ..models import context_length
from ..models.encoding import IGNORE, prompt_ids
from ..tasks import Example, get_task

UNITS = ("token", "sentence", "line")
REFLECTION_WORDS = ("let me check", "let me verify", "double-check", "re-check", "actually", "wait", "hmm")
_REFLECTION = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in REFLECTION_WORDS) + r")\b", re.I)
_SENTENCE_END = re.compile(r"(?:[.!?]+|(?=\n))\s+|[.!?]+$")
DEFAULT_GRID = tuple(float(x) for x in np.linspace(0.0, 1.0, 21))
DEFAULT_FRACTIONS = tuple(i / 10 for i in range(11))


@dataclass(frozen=True)
class AnswerFormat:
    """A completion as ``lead + trace + cue + answer``; an empty cue means the completion is the
    answer itself (no trace, e.g. boolean worlds)."""

    lead: str = ""
    cue: str = "\n\nANSWER\n"

    def trace(self, text: str) -> str:
        """The trace of a completion ``text``: after the lead, before the last cue (or, when the
        cue is absent, before the last bare marker such as ``ANSWER``; else all of it)."""
        if not self.cue:
            return ""
        text = text.removeprefix(self.lead) if self.lead else text
        for marker in (self.cue, self.cue.strip()):
            if marker and marker in text:
                return text[: text.rindex(marker)]
        return text

    def verify_text(self, decoded: str) -> str:
        """What the verifier reads for a decoded answer: the cue's marker, then the answer."""
        return self.cue.lstrip() + decoded


ANSWER_FORMATS: dict[str, AnswerFormat] = {
    "causal_qa": AnswerFormat("THOUGHT PROCESS\n", "\n\nANSWER\n"),
    "boolean_world": AnswerFormat("", ""),
    "gsm8k": AnswerFormat("", "\n"),
}


def answer_format(task: str, cue: str | None = None) -> AnswerFormat:
    """The format of ``task`` (``AnswerFormat()`` for others), with ``cue`` in place of its own."""
    fmt = ANSWER_FORMATS.get(task, AnswerFormat())
    return fmt if cue is None else AnswerFormat(fmt.lead, cue)


@dataclass(frozen=True)
class Trajectory:
    """One example and the trace to probe it with."""

    example: Example
    trace: str
    fmt: AnswerFormat


def trajectories(examples: Sequence[Example], outputs: Mapping[str, str] | None = None,
                 cue: str | None = None) -> list[Trajectory]:
    """Each example with the trace of its gold completion, or of ``outputs[example.id]`` (a
    model's text) when ``outputs`` is given."""
    out = []
    for e in examples:
        if outputs is not None and e.id not in outputs:
            raise ConfigError(f"results: no row for example id {e.id!r}; give the results of "
                              "`reasonlab eval` on the same split as --data")
        fmt = answer_format(e.task, cue)
        out.append(Trajectory(e, fmt.trace(e.completion if outputs is None else outputs[e.id]), fmt))
    return out


@dataclass(frozen=True)
class Reflection:
    """A reflection word in a trace: as written, its first character, its unit (0-based)."""

    word: str
    start: int
    unit: int


@dataclass(frozen=True)
class LossCurve:
    """Answer loss of prefixes of ``units[k]`` units of a trace of ``n_units`` units."""

    example_id: str
    system: str
    units: tuple[int, ...]
    n_units: int
    losses: tuple[float, ...]  # mean nats per answer token
    sums: tuple[float, ...]  # summed nats over the answer
    answer_tokens: int
    reflections: tuple[Reflection, ...]

    @property
    def fractions(self) -> np.ndarray:
        """``k / K`` of each point (all 0 for an empty trace)."""
        return np.asarray(self.units, dtype=float) / max(self.n_units, 1)

    def smoothed(self, alpha: float | None) -> np.ndarray:
        """The losses, EMA-smoothed with weight ``alpha`` on the new point (None: raw)."""
        return ema(self.losses, alpha) if alpha is not None else np.asarray(self.losses, dtype=float)


@dataclass(frozen=True)
class MeanCurve:
    """One system's mean answer loss on a grid of trace fractions over ``n`` curves."""

    system: str
    grid: tuple[float, ...]
    loss: tuple[float, ...]
    n: int


@dataclass(frozen=True)
class PruneCurve:
    """One system's accuracy when the trace is cut to its first ``fractions[i]`` of tokens."""

    system: str
    fractions: tuple[float, ...]
    accuracy: tuple[float, ...]
    n: int


def ema(values: Sequence[float], alpha: float) -> np.ndarray:
    """``s_0 = x_0``, ``s_k = alpha x_k + (1 - alpha) s_{k-1}``; ``alpha`` in (0, 1]."""
    if not 0 < alpha <= 1:
        raise ConfigError(f"ema alpha = {alpha!r} must be in (0, 1]; e.g. 0.3 (1 = no smoothing)")
    out = np.asarray(values, dtype=float).copy()
    for k in range(1, len(out)):
        out[k] = alpha * out[k] + (1 - alpha) * out[k - 1]
    return out


def unit_ends(trace: str, unit: str, token_ends: Sequence[int]) -> list[int]:
    """The character offset where each unit of ``trace`` ends (increasing; the last is
    ``len(trace)``). A sentence ends after ``.``/``!``/``?`` and the whitespace that follows
    (``3.5`` does not end one), or after a run of whitespace holding a newline; a line ends
    after its newline. Trailing whitespace thus belongs to the unit it closes."""
    if unit not in UNITS:
        raise ConfigError(f"unit = {unit!r}: choose one of {', '.join(UNITS)}")
    if not trace:
        return []
    if unit == "token":
        return list(token_ends)
    pattern = _SENTENCE_END if unit == "sentence" else re.compile(r"\n")
    return sorted({m.end() for m in pattern.finditer(trace)} | {len(trace)})


def find_reflections(trace: str, ends: Sequence[int]) -> tuple[Reflection, ...]:
    """Reflection words (:data:`REFLECTION_WORDS`, any case, whole words) and the unit each
    starts in: the number of units that end at or before its first character."""
    return tuple(Reflection(m.group(0), m.start(), bisect.bisect_right(ends, m.start()))
                 for m in _REFLECTION.finditer(trace))


@dataclass(frozen=True)
class _Pieces:
    head: list[int]  # prompt + lead
    trace: list[int]
    bounds: list[int]  # trace tokens in the prefix of k units, k = 0..K
    ends: list[int]  # character end of each unit
    cue: list[int]
    answer: list[int]


def _ids(tok, text: str) -> list[int]:
    return list(tok(text, add_special_tokens=False)["input_ids"]) if text else []


def _pieces(tok, t: Trajectory, unit: str) -> _Pieces:
    try:
        enc = tok(t.trace, add_special_tokens=False, return_offsets_mapping=True) if t.trace else None
    except NotImplementedError:
        raise ConfigError("the trajectory probes need a fast tokenizer (offset mappings); this "
                          "model's tokenizer is a slow one -- save it as tokenizer.json") from None
    trace = list(enc["input_ids"]) if enc else []
    token_ends = [int(b) for _, b in enc["offset_mapping"]] if enc else []
    ends = unit_ends(t.trace, unit, token_ends)
    bounds = [0, *(range(1, len(trace) + 1) if unit == "token"
                   else (bisect.bisect_right(token_ends, c) for c in ends))]
    answer = _ids(tok, t.example.answer)
    if not answer:
        raise ConfigError(f"example {t.example.id!r} has an empty answer; the answer loss needs one")
    return _Pieces([*prompt_ids(tok, t.example), *_ids(tok, t.fmt.lead)], trace, list(bounds),
                   ends, _ids(tok, t.fmt.cue), answer)


@contextmanager
def eval_mode(model) -> Iterator[None]:
    """The model in eval mode for the block, then back in the mode it was in."""
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def _check_context(model, longest: int, what: str) -> None:
    limit = context_length(model)
    if limit and longest > limit:
        raise ConfigError(f"{what} has {longest} tokens, past the model's context of {limit}; use "
                          "--limit on shorter examples or a model with a longer context")


@torch.no_grad()
def answer_nll(model, rows: Sequence[tuple[list[int], int]], batch_size: int = 16,
               pad_id: int = 0) -> list[tuple[float, float]]:
    """``(mean, sum)`` negative log-likelihood of the last ``n`` tokens of each ``(ids, n)`` row,
    right-padded ``batch_size`` rows to a forward."""
    device = next(model.parameters()).device
    out: list[tuple[float, float]] = []
    with eval_mode(model):
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            width = max(len(ids) for ids, _ in chunk)
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            labels = torch.full_like(ids, IGNORE)  # (B, T)
            mask = torch.zeros_like(ids)
            for i, (seq, n) in enumerate(chunk):
                ids[i, : len(seq)] = torch.tensor(seq)
                labels[i, len(seq) - n : len(seq)] = torch.tensor(seq[len(seq) - n :])
                mask[i, : len(seq)] = 1
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits  # (B, T, V)
            logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)  # (B, T-1, V)
            target = labels[:, 1:].to(device)  # (B, T-1)
            keep = target != IGNORE
            tok_lp = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1) * keep  # (B, T-1)
            total, count = -tok_lp.sum(-1), keep.sum(-1)  # (B,)
            out += [(float(s / c), float(s)) for s, c in zip(total.tolist(), count.tolist(), strict=True)]
    return out


def _points(n_units: int, max_points: int | None) -> list[int]:
    if max_points is None or n_units + 1 <= max_points:
        return list(range(n_units + 1))
    return sorted({int(k) for k in np.round(np.linspace(0, n_units, max_points))})


def loss_curves(model, tok, trajs: Sequence[Trajectory], unit: str = "token", system: str = "model",
                batch_size: int = 16, max_points: int | None = None) -> list[LossCurve]:
    """The answer loss of every prefix of every trajectory (``max_points``: at most that many
    evenly spaced prefixes per trace, always the empty and the full one)."""
    if max_points is not None and max_points < 2:
        raise ConfigError(f"max_points = {max_points}: give at least 2 (the empty and the full trace)")
    pieces = [_pieces(tok, t, unit) for t in trajs]
    plan = [_points(len(p.bounds) - 1, max_points) for p in pieces]
    rows = [([*p.head, *p.trace[: p.bounds[k]], *p.cue, *p.answer], len(p.answer))
            for p, ks in zip(pieces, plan, strict=True) for k in ks]
    if rows:
        _check_context(model, max(len(r) for r, _ in rows), "a prefix with its answer")
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    nll = iter(answer_nll(model, rows, batch_size, pad))
    curves = []
    for t, p, ks in zip(trajs, pieces, plan, strict=True):
        got = [next(nll) for _ in ks]
        curves.append(LossCurve(t.example.id, system, tuple(ks), len(p.bounds) - 1,
                                tuple(m for m, _ in got), tuple(s for _, s in got), len(p.answer),
                                find_reflections(t.trace, p.ends)))
    return curves


def mean_curves(curves: Sequence[LossCurve], grid: Sequence[float] = DEFAULT_GRID,
                alpha: float | None = None) -> list[MeanCurve]:
    """Per system (in order of first appearance), the mean over its curves of each curve
    linearly interpolated at the trace fractions ``grid`` (after EMA smoothing with ``alpha``)."""
    x = np.asarray(grid, dtype=float)
    if x.size == 0 or x.min() < 0 or x.max() > 1:
        raise ConfigError(f"grid = {list(grid)!r}: give fractions of the trace in [0, 1]")
    out = []
    for system in dict.fromkeys(c.system for c in curves):
        mine = [c for c in curves if c.system == system]
        ys = np.stack([np.interp(x, c.fractions, c.smoothed(alpha)) for c in mine])  # (N, G)
        out.append(MeanCurve(system, tuple(float(v) for v in x), tuple(float(v) for v in ys.mean(0)),
                             len(mine)))
    return out


def _left_pad(seqs: Sequence[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)  # (B, W)
    mask = torch.zeros_like(ids)
    for i, s in enumerate(seqs):
        ids[i, width - len(s) :] = torch.tensor(s)
        mask[i, width - len(s) :] = 1
    return ids, mask


@torch.no_grad()
def greedy(model, tok, seqs: Sequence[list[int]], max_new_tokens: int, batch_size: int = 16) -> list[str]:
    """Greedy continuations of token-id sequences (left-padded batches, stop at EOS), as text."""
    device = next(model.parameters()).device
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    out: list[str] = []
    with eval_mode(model):
        for start in range(0, len(seqs), batch_size):
            ids, mask = _left_pad(seqs[start : start + batch_size], pad)
            gen = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device),
                                 max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad,
                                 eos_token_id=tok.eos_token_id)  # (B, W + new)
            out += tok.batch_decode(gen[:, ids.shape[1] :], skip_special_tokens=True)
    return out


def kept_tokens(fraction: float, n: int) -> int:
    """How many of ``n`` trace tokens the first ``fraction`` keeps (rounded down)."""
    return min(n, math.floor(fraction * n + 1e-9))


def prune_curve(model, tok, trajs: Sequence[Trajectory], fractions: Sequence[float] = DEFAULT_FRACTIONS,
                system: str = "model", batch_size: int = 16) -> PruneCurve:
    """Accuracy of the greedy answer after the first ``f`` of each trace's tokens and the cue,
    scored by the task verifier on ``cue marker + decoded`` (:meth:`AnswerFormat.verify_text`)."""
    if not trajs or not fractions or not all(0 <= f <= 1 for f in fractions):
        raise ConfigError(f"fractions = {list(fractions)!r}: give fractions in [0, 1], and at least "
                          "one example")
    pieces = [_pieces(tok, t, "token") for t in trajs]
    jobs = [[*p.head, *p.trace[: kept_tokens(f, len(p.trace))], *p.cue] for f in fractions for p in pieces]
    longest = max(len(p.answer) for p in pieces) + 8
    _check_context(model, max(len(j) for j in jobs) + longest, "a pruned prompt with its answer")
    texts = greedy(model, tok, jobs, longest, batch_size)
    right = np.array([get_task(t.example.task).verify(t.example, t.fmt.verify_text(text)).correct
                      for text, t in zip(texts, list(trajs) * len(fractions), strict=True)])
    acc = right.reshape(len(fractions), len(trajs)).mean(axis=1)
    return PruneCurve(system, tuple(float(f) for f in fractions), tuple(float(a) for a in acc), len(trajs))
