"""One number per run: the measures an experiment's claims are stated over.

A measure is a string, parsed once (:func:`parse_measure`) and read from a run folder
(:func:`read_measure`):

* ``final:NAME``, ``first:NAME``, ``max:NAME``, ``min:NAME``, ``mean:NAME``, ``lastK:NAME`` (the
  mean of the last K logged values), ``stepN:NAME`` (the value logged last at or before step N:
  "accuracy after 50 steps"): a metric of the run's ``metrics.jsonl`` (``actor/entropy``,
  ``test/score``, ``eval/dev/exact``, ...), over the steps that logged it;
* ``eval:SLICE`` and ``eval@T:SLICE``: accuracy on the experiment's evaluation set
  (``eval/<name>.jsonl``) over *distinct prompts* -- each prompt's rows averaged first, so 81
  copies of one held-out input are one observation -- on ``all`` rows or a slice
  (``held_out``, ``rung=3``, ``ve_ops=hard``, ...); ``@T`` scores at TVD tolerance ``T``;
* ``trace:LABEL``: the share of the run's evaluation traces that carry a rule-based trace label
  (``modeling_error``, ``error=conditioned``, ``strategy=recursive``, ...;
  :data:`reasonlab.analysis.traces.LABELS`) -- read by an experiment, which knows the data
  (:mod:`reasonlab.experiments.traces`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import ConfigError
from .curves import read_run
from .results import load_eval
from .traces import LABELS

_METRIC = re.compile(r"(?P<how>first|final|max|min|mean|last(?P<k>[1-9]\d*)|step(?P<n>\d+)):(?P<name>\S+)")
_EVAL = re.compile(r"eval(?:@(?P<tol>\d*\.?\d+))?:(?P<slice>\S+)")
_TRACE = re.compile(r"trace:(?P<label>\S+)")
HOWS = ("first", "final", "max", "min", "mean", "lastK", "stepN")


@dataclass(frozen=True)
class Measure:
    """A parsed measure: a metric summary (``kind="metric"``), eval accuracy (``"eval"``) or a
    trace label's share (``"trace"``, the label in ``name``)."""

    text: str
    kind: str
    how: str = ""
    name: str = ""
    k: int = 0  # the K of lastK, the N of stepN
    slice: str = "all"
    tolerance: float | None = None


def parse_measure(text: str, field: str = "measure") -> Measure:
    """The measure ``text`` means, or an error naming ``field`` and the accepted forms."""
    m = _METRIC.fullmatch(text.strip()) if isinstance(text, str) else None
    if m:
        how = "last" if m["k"] else ("step" if m["n"] else m["how"])
        return Measure(text, "metric", how, m["name"], int(m["k"] or m["n"] or 0))
    m = _EVAL.fullmatch(text.strip()) if isinstance(text, str) else None
    if m:
        return Measure(text, "eval", slice=m["slice"], tolerance=float(m["tol"]) if m["tol"] else None)
    m = _TRACE.fullmatch(text.strip()) if isinstance(text, str) else None
    if m:
        if m["label"] not in LABELS:
            raise ConfigError(f"field {field} = {text!r}: unknown trace label; choose from "
                              f"{', '.join(LABELS)}")
        return Measure(text, "trace", name=m["label"])
    raise ConfigError(f"field {field} = {text!r} is not a measure; write one of "
                      f"{', '.join(h + ':METRIC' for h in HOWS)} (a metrics.jsonl name, e.g. "
                      "final:actor/entropy), eval:SLICE / eval@T:SLICE (e.g. eval:held_out, "
                      "eval:all) or trace:LABEL (e.g. trace:modeling_error)")


def _metric(run: Path, m: Measure) -> float:
    logged = read_run(run).rows
    rows = logged if m.how != "step" else [  # k holds N: the rows up to step N
        r for r in logged if isinstance(r.get("step"), int | float) and r["step"] <= m.k]
    values = [float(r[m.name]) for r in rows if isinstance(r.get(m.name), int | float)
              and math.isfinite(float(r[m.name]))]
    if not values:
        known = sorted({k for r in logged for k in r if k != "step"})
        when = f" by step {m.k}" if m.how == "step" else ""
        raise ConfigError(f"measure {m.text!r}: run {str(run)!r} logged no {m.name!r}{when}; its metrics: "
                          f"{', '.join(known[:12])}{' ...' if len(known) > 12 else ''}")
    pick = {"first": lambda v: v[0], "final": lambda v: v[-1], "max": max, "min": min,
            "mean": lambda v: float(np.mean(v)), "last": lambda v: float(np.mean(v[-m.k:])),
            "step": lambda v: v[-1]}
    return float(pick[m.how](values))


def _eval(run: Path, m: Measure, results: str) -> float:
    f = load_eval(run / "eval" / f"{results}.jsonl")
    rows = [r for r in f.rows if m.slice == "all" or m.slice in r.slices]
    if not rows:
        have = sorted({s for r in f.rows for s in r.slices})
        raise ConfigError(f"measure {m.text!r}: no row of {f.path} is in slice {m.slice!r}; its slices: "
                          f"{', '.join(['all', *have])}")
    by_prompt: dict[str, list[float]] = {}
    for r in rows:
        by_prompt.setdefault(r.prompt, []).append(float(r.accurate(m.tolerance)))
    return float(np.mean([np.mean(v) for v in by_prompt.values()]))


def read_measure(run: str | Path, measure: Measure, results: str | None = None) -> float:
    """The value of ``measure`` for the run folder ``run``; ``results`` names its eval file
    (``eval/<results>.jsonl``) for ``eval:`` measures."""
    run = Path(run)
    if measure.kind == "metric":
        return _metric(run, measure)
    if measure.kind == "trace":
        raise ConfigError(f"measure {measure.text!r} is read by an experiment (it needs the data the "
                          "run was evaluated on)")
    if results is None:
        raise ConfigError(f"measure {measure.text!r} reads an eval set, but none is named; give the "
                          "experiment an `evaluate:` entry")
    return _eval(run, measure, results)
