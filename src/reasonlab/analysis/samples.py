"""Examples picked for human labelling: ``per_bin`` random questions per difficulty bin (seeded),
one CSV row per (question, system) with the prompt, the system's output and blank label columns.

``only="incorrect"`` keeps the rows a system got wrong (the causal study's trace-error sampling
meant this; its script filtered with a stale index and kept the correct items instead);
``"correct"`` the right ones, ``"all"`` every row. A question is drawn when at least one of its
rows is kept; the draw is over question ids, sorted, so the same seed picks the same questions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import ConfigError
from ..files import atomic_write_text
from ..validation import seed_sequence
from .compare import slice_groups
from .results import System, common_ids

LABEL_COLUMNS = ("modeling_error_human", "order_human", "alt_strategy_human")
ONLY = {"incorrect": lambda ok: not ok, "correct": lambda ok: ok, "all": lambda ok: True}


@dataclass(frozen=True)
class Sampled:
    id: str
    system: str
    bin: str
    correct: bool
    prompt: str
    answer: str
    output: str


def sample_examples(systems: Sequence[System], per_bin: int, only: str = "incorrect",
                    metric: str = "ve_ops", seed: int = 42) -> list[Sampled]:
    """Rows for labelling (first seed of each system), ``per_bin`` questions per bin of ``metric``."""
    if only not in ONLY:
        raise ConfigError(f"--only {only!r}: choose one of {', '.join(ONLY)}")
    ids = common_ids(systems)
    groups = slice_groups(systems[0], ids)
    if metric not in groups:
        choices = [g for g in groups if g != "overall"] or ["overall"]
        raise ConfigError(f"--bin-metric {metric!r}: these results have no such slice; choose one of "
                          f"{', '.join(choices)}")
    rows = {s.name: {r.id: r for r in s.files[0].rows} for s in systems}
    rng = np.random.default_rng(seed_sequence(seed, "sample_examples"))
    out = []
    for key, positions in groups[metric].items():
        kept = {ids[p]: [s.name for s in systems if ONLY[only](rows[s.name][ids[p]].correct)]
                for p in positions}
        candidates = sorted(i for i, names in kept.items() if names)
        chosen = rng.choice(len(candidates), size=min(per_bin, len(candidates)), replace=False)
        for i in sorted(candidates[c] for c in chosen):
            for name in kept[i]:
                r = rows[name][i]
                out.append(Sampled(i, name, key, r.correct, r.prompt, r.answer, r.output))
    return out


def write_samples(rows: Sequence[Sampled], path: str | Path) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "system", "bin", "correct", "prompt", "answer", "output", *LABEL_COLUMNS])
    w.writerows([r.id, r.system, r.bin, int(r.correct), r.prompt, r.answer, r.output, *[""] * 3]
                for r in rows)
    return atomic_write_text(path, buf.getvalue())
