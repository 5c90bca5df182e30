"""Per-system tables of the rule-based annotations: strategy shares, the rate of each error type
and of modeling errors, each with a 95% Wilson interval (``scipy.stats.binomtest``) and its n.

Rows are :class:`reasonlab.analysis.trace_tables.LabelRate` -- the same rows the LLM judge's
labels give, so both kinds of annotation land in one table and one CSV
(:func:`reasonlab.analysis.trace_tables.rates_csv`). Each label is a registry entry: which traces
it applies to (its n) and which of those carry it (its k):

* ``strategy=<label>``: every trace;
* ``modeling_error``, ``error=false_independence``, ``error=missing_marginalisation``,
  ``error=extra_marginalisation``, ``error=arithmetic``, ``claims=any``: every trace;
* ``surgery=cut``, ``surgery=unclear``, ``error=conditioned``: traces of ``do()`` questions;
* ``error=copy``: traces with a copy verdict (an answer and numbers to compare it with).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ...config import ConfigError
from ..trace_tables import LabelRate, rate
from .annotate import TraceAnnotation
from .strategy import STRATEGIES


@dataclass(frozen=True)
class Label:
    """A row of the table: which annotations count (n) and which carry the label (k)."""

    applies: Callable[[TraceAnnotation], bool]
    has: Callable[[TraceAnnotation], bool]


def _always(a: TraceAnnotation) -> bool:
    return True


def _do(a: TraceAnnotation) -> bool:
    return a.surgery is not None


def _strategy(name: str) -> Label:
    return Label(_always, lambda a: a.strategy == name)


LABELS: dict[str, Label] = {
    **{f"strategy={s}": _strategy(s) for s in STRATEGIES},
    "modeling_error": Label(_always, lambda a: a.modeling_error),
    "claims=any": Label(_always, lambda a: bool(a.claims)),
    "error=false_independence": Label(_always, lambda a: bool(a.false_claims)),
    "surgery=cut": Label(_do, lambda a: a.surgery is not None and a.surgery.verdict == "cut"),
    "surgery=unclear": Label(_do, lambda a: a.surgery is not None and a.surgery.verdict == "unclear"),
    "error=conditioned": Label(_do, lambda a: a.conditioned),
    "error=missing_marginalisation": Label(_always, lambda a: bool(a.missing)),
    "error=extra_marginalisation": Label(_always, lambda a: bool(a.extra)),
    "error=arithmetic": Label(_always, lambda a: bool(a.arithmetic)),
    "error=copy": Label(lambda a: a.copy_error is not None, lambda a: bool(a.copy_error)),
}


def summary_table(annotations: Mapping[str, Sequence[TraceAnnotation]],
                  labels: Sequence[str] | None = None) -> list[LabelRate]:
    """One row per system and label (all of :data:`LABELS` by default, in that order): ``k`` of
    ``n`` applicable traces carry the label, with the Wilson 95% interval (NaN when n = 0)."""
    names = list(LABELS) if labels is None else list(labels)
    unknown = [n for n in names if n not in LABELS]
    if unknown:
        raise ConfigError(f"labels = {unknown}: unknown; choose from {', '.join(LABELS)}")
    rows = []
    for system, items in annotations.items():
        for name in names:
            label = LABELS[name]
            pool = [a for a in items if label.applies(a)]
            rows.append(rate(system, name, sum(label.has(a) for a in pool), len(pool)))
    return rows
