"""What each arm's reasoning traces say, for experiments with ``traces: true``: every
evaluation output of every run annotated by the rule-based checks of
:mod:`reasonlab.analysis.traces` against the true causal model of its question (strategy, false
independence claims, graph surgery, marginalisation, arithmetic, copy errors).

The arm's seeds are pooled for its table (``figures/traces/rules.csv`` and the bar chart beside
it, one row per arm and label with a Wilson interval); ``rules_traces.jsonl`` keeps each run's
annotation of each trace with the evidence of every flag. A claim can be stated over one label's
share in each run with the measure ``trace:LABEL`` (e.g. ``trace:modeling_error``), read by
:func:`label_share`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ..analysis.results import load_eval
from ..analysis.trace_study import write_rule_outputs
from ..analysis.trace_tables import LabelRate
from ..analysis.traces import LABELS, TraceAnnotation, annotate_many, load_models, summary_table
from ..config import ConfigError
from ..data.writer import read_split
from .plan import results_name, run_name
from .spec import Experiment


def _examples(folder: Path, split: str) -> dict:
    if not (folder / "models").is_dir():
        raise ConfigError(f"traces: data {str(folder)!r} has no models/ folder; trace analysis needs "
                          "causal_qa data (set `traces: false` for other tasks)")
    stamp = max((p.stat().st_mtime_ns for p in folder.glob(f"{split}.*")), default=0)
    return _read(folder, split, stamp)


@lru_cache(maxsize=4)
def _read(folder: Path, split: str, stamp: int) -> dict:  # stamp: a regenerated split is re-read
    return {e.id: e for e in read_split(folder, split)}


def run_annotations(exp: Experiment, out: Path, arm: str, seed: int) -> list[TraceAnnotation] | None:
    """The annotations of one run's evaluation outputs (None: the arm is not evaluated, or the
    run's evaluation is not there yet)."""
    ev = exp.eval_set(arm)
    if ev is None:
        return None
    path = out / "runs" / run_name(arm, seed) / "eval" / f"{results_name(ev.data, ev.split)}.jsonl"
    if not path.is_file():
        return None
    folder = out / "data" / ev.data
    examples = _examples(folder, ev.split)
    rows = load_eval(path).rows
    missing = [r.id for r in rows if r.id not in examples]
    if missing:
        raise ConfigError(f"{path}: {len(missing)} example ids are not in {folder}/{ev.split} (e.g. "
                          f"{', '.join(missing[:3])}); re-run the evaluation")
    return annotate_many([examples[r.id] for r in rows], [r.output for r in rows], load_models(folder))


def label_share(annotations: Sequence[TraceAnnotation], label: str, where: str) -> float:
    """The share of the traces the label applies to that carry it (``where`` names the run)."""
    rule = LABELS[label]
    pool = [a for a in annotations if rule.applies(a)]
    if not pool:
        raise ConfigError(f"trace:{label}: applies to no trace of {where}")
    return sum(rule.has(a) for a in pool) / len(pool)


def trace_study(exp: Experiment, out: Path) -> tuple[list[LabelRate], list[Path]]:
    """Label rates per arm (seeds pooled) and the files they are written to."""
    per_run: dict[str, list[TraceAnnotation]] = {}
    per_arm: dict[str, list[TraceAnnotation]] = {}
    for arm in exp.arms:
        for seed in exp.seeds_of(arm):
            got = run_annotations(exp, out, arm, seed)
            if got is not None:
                per_run[run_name(arm, seed)] = got
                per_arm.setdefault(arm, []).extend(got)
    if not per_arm:
        return [], []
    rows = summary_table(per_arm)
    return rows, write_rule_outputs(per_run, rows, out / "figures" / "traces")
