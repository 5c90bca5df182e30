"""Rule-based trace analysis of eval results: each system's traces joined to the dataset examples
they answer, annotated against the true causal model (:mod:`reasonlab.analysis.traces`), written
per trace (JSONL, the evidence of every flag) and per system (label rates with Wilson CIs, as a
CSV and a bar chart), and the agreement of the label sources -- rules, LLM judge, human --
on modeling errors.

A system's traces are the first sample of each row of its first results file (the same rows
``reasonlab compare --sample-per-bin`` writes for labelling and the judge sees), so every
source labels the same items, keyed by ``(system, example id)``. ``gold_system`` adds the
dataset's own gold completions as a system: a sanity row whose error rates must be zero.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..config import ConfigError
from ..files import atomic_write_text
from ..tasks import Example
from .agreement import METRICS, AgreementRow, agreement_table
from .figures import new_figure, save_figure
from .results import System
from .trace_tables import LabelRate, rates_csv
from .traces import TraceAnnotation, annotate_many

GOLD = "gold"

Key = tuple[str, str]  # (system, example id)


def traces_of(system: System) -> list[tuple[str, str]]:
    """``(id, output)`` of each row of the system's first results file."""
    return [(r.id, r.output) for r in system.files[0].rows]


def join_examples(system: System, examples: Mapping[str, Example], data: str) -> list[Example]:
    """The dataset example of each of the system's rows, in row order; ids missing from the
    dataset are an error naming them."""
    ids = [i for i, _ in traces_of(system)]
    missing = [i for i in ids if i not in examples]
    if missing:
        raise ConfigError(f"system {system.name!r}: {len(missing)} of its {len(ids)} example ids are "
                          f"not in --data {data!r} (e.g. {', '.join(missing[:3])}); give the split it "
                          "was evaluated on")
    return [examples[i] for i in ids]


def annotate_systems(systems: Sequence[System], examples: Sequence[Example], models, data: str,
                     gold: bool = False) -> dict[str, list[TraceAnnotation]]:
    """Annotations of every system's traces (and of the gold completions of the first system's
    examples with ``gold``), by system name."""
    by_id = {e.id: e for e in examples}
    out: dict[str, list[TraceAnnotation]] = {}
    for s in systems:
        joined = join_examples(s, by_id, data)
        out[s.name] = annotate_many(joined, [t for _, t in traces_of(s)], models)
    if gold:
        if GOLD in out:
            raise ConfigError(f"--gold adds a system named {GOLD!r}, but a system already has that "
                              "name; rename it (--system NAME=PATH)")
        joined = join_examples(systems[0], by_id, data)
        out[GOLD] = annotate_many(joined, [e.completion for e in joined], models)
    return out


def annotation_record(system: str, a: TraceAnnotation) -> dict:
    """One trace's annotation as plain data: the verdicts and the evidence behind each flag."""
    return {
        "system": system, "id": a.id, "rung": a.rung, "query": a.query, "strategy": a.strategy,
        "modeling_error": a.modeling_error,
        "claims": [asdict(c) for c in a.claims],
        "surgery": asdict(a.surgery) if a.surgery is not None else None,
        "marginals": asdict(a.marginals),
        "arithmetic": [asdict(s) for s in a.arithmetic],
        "copy": asdict(a.copy),
    }


def annotations_jsonl(annotations: Mapping[str, Sequence[TraceAnnotation]]) -> str:
    lines = [json.dumps(annotation_record(s, a), ensure_ascii=False, allow_nan=False)
             for s, items in annotations.items() for a in items]
    return "\n".join(lines) + "\n"


def modeling_errors(annotations: Mapping[str, Sequence[TraceAnnotation]]) -> dict[Key, bool]:
    """``(system, id) -> modeling error`` of the rule-based annotations (gold excluded)."""
    return {(s, a.id): a.modeling_error for s, items in annotations.items() if s != GOLD for a in items}


def agree_sources(sources: Mapping[str, Mapping[Hashable, bool]], reference: str, seed: int,
                  n_resamples: int = 9999) -> list[AgreementRow]:
    """Every source against ``reference`` on the items all sources label."""
    keys = set.intersection(*(set(v) for v in sources.values()))
    if not keys:
        raise ConfigError(f"agreement: no (system, id) is labelled by every source ({', '.join(sources)})"
                          "; label the samples.csv of the same systems and results")
    ordered = sorted(keys)
    common = {name: {k: labels[k] for k in ordered} for name, labels in sources.items()}
    return agreement_table(common, reference, seed=seed, n_resamples=n_resamples)


def agreement_csv(rows: Sequence[AgreementRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["reference", "source", "metric", "value", "lo", "hi", "n"])
    for row in rows:
        a = row.agreement
        for name in METRICS:
            e = getattr(a, name)
            w.writerow([row.reference, row.source, name, e.value, e.ci[0], e.ci[1], a.n])
    return buf.getvalue()


def plot_rates(rows: Sequence[LabelRate], stem: str | Path, title: str) -> list[Path]:
    """Horizontal bars: the share of traces with each label, one bar per system, with the Wilson
    95% interval; labels that apply to no trace of any system are left out."""
    systems = list(dict.fromkeys(r.system for r in rows))
    labels = [lab for lab in dict.fromkeys(r.label for r in rows)
              if any(r.label == lab and r.n > 0 for r in rows)]
    cell = {(r.system, r.label): r for r in rows}
    fig, ax = new_figure(7.0, min(20.0, 1.4 + 0.2 * len(labels) * max(1, len(systems))))
    height = 0.8 / max(1, len(systems))
    y = np.arange(len(labels))
    for j, name in enumerate(systems):
        rs = [cell.get((name, lab)) for lab in labels]
        share = [r.rate if r and r.n else math.nan for r in rs]
        err = [[r.rate - r.lo if r and r.n else 0.0 for r in rs],
               [r.hi - r.rate if r and r.n else 0.0 for r in rs]]
        ax.barh(y + (j - (len(systems) - 1) / 2) * height, share, height, xerr=err, capsize=2,
                label=name)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of traces (95% Wilson CI)")
    ax.set_title(title)
    if len(systems) > 1:
        ax.legend(fontsize="small", loc="lower right")
    return save_figure(fig, stem)


def write_rule_outputs(annotations: Mapping[str, Sequence[TraceAnnotation]], rows: Sequence[LabelRate],
                       out: Path) -> list[Path]:
    """``rules.csv``, ``rules.png``/``.svg`` and ``rules_traces.jsonl`` under ``out``."""
    files = [atomic_write_text(out / "rules.csv", rates_csv(rows))]
    files += plot_rates(rows, out / "rules", "rule-based trace labels")
    files.append(atomic_write_text(out / "rules_traces.jsonl", annotations_jsonl(annotations)))
    return files
