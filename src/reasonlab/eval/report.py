"""Scoring many generations: exact match, mean reward, unbiased pass@k, and slices.

``pass@k`` is the unbiased estimator of Chen et al. (2021): with ``c`` correct among ``n``
samples, ``1 - C(n-c, k) / C(n, k)``. Slices group examples by what their ``meta`` says:
``rung=<r>``, ``subset=<n5v2>``, ``bin=<easy>``, the bin of every difficulty metric
(``ve_ops=hard``, ``longest_path=easy``, ...), ``held_out`` (wherever the data marks held-out
examples). ``prompts`` counts distinct prompts beside ``n`` examples: a boolean world's test split
repeats its few inputs, and 81 rows of one held-out input are one piece of evidence, not 81.
The summary has the shape promised to users::

    {"n": ..., "prompts": ..., "exact_match": ..., "reward": ..., "pass@k": {...},
     "slices": {"<slice>": {"n": ..., "prompts": ..., "exact_match": ..., "reward": ...}}}

Each row of ``eval/<name>.jsonl`` keeps the example's ``meta`` and every sample's score
``details`` (e.g. ``tvd``), so the study layer (``reasonlab compare``) re-slices and re-scores at
other tolerances from the results file alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import Any

from ..tasks import Example
from .generation import Generated


def pass_at_k(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def slice_keys(meta: dict[str, Any]) -> list[str]:
    keys = [f"{k}={meta[k]}" for k in ("rung", "subset", "bin") if meta.get(k) is not None]
    bins = meta.get("bins")
    if isinstance(bins, dict):
        keys += [f"{metric}={value}" for metric, value in sorted(bins.items())]
    if "held_out" in meta:
        keys.append("held_out" if meta["held_out"] else "not_held_out")
    return keys


def _stats(rows: Sequence[list[Generated]]) -> dict[str, float]:
    n = len(rows)
    return {"n": n, "prompts": len({r[0].example.prompt for r in rows}),
            "exact_match": sum(r[0].score.correct for r in rows) / n if n else 0.0,
            "reward": sum(g.score.reward for r in rows for g in r) / sum(len(r) for r in rows) if n else 0.0}


def summarise(per_example: Sequence[list[Generated]]) -> dict[str, Any]:
    """Summary of ``per_example[i]`` = the scored samples of example ``i`` (first = greedy or
    the first sample)."""
    out = _stats(per_example)
    samples = min((len(r) for r in per_example), default=0)
    ks = [k for k in (1, 2, 4, 8, 16, 32, 64, 128) if k <= samples]
    out["pass@k"] = {f"pass@{k}": sum(pass_at_k(len(r), sum(g.score.correct for g in r), k)
                                      for r in per_example) / max(1, len(per_example)) for k in ks}
    groups: dict[str, list[list[Generated]]] = {}
    for r in per_example:
        for key in slice_keys(r[0].example.meta):
            groups.setdefault(key, []).append(r)
    out["slices"] = {k: _stats(v) for k, v in sorted(groups.items())}
    return out


def row(example: Example, samples: list[Generated]) -> dict[str, Any]:
    """One line of ``eval/<name>.jsonl``."""
    return {"id": example.id, "prompt": example.prompt, "answer": example.answer,
            "samples": [g.text for g in samples], "rewards": [g.score.reward for g in samples],
            "correct": [g.score.correct for g in samples],
            "reasons": [g.score.reason for g in samples],
            "details": [g.score.details for g in samples], "slices": slice_keys(example.meta),
            "meta": example.meta}
