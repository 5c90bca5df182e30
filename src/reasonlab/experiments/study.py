"""From an experiment's finished runs to its answer: each claim's values per (arm, seed), its
verdict (:mod:`reasonlab.analysis.verdicts`), a figure per claim, ``verdict.json``, the curves of
the experiment's ``plots`` metrics, and one ``report.html`` over all of it.

Only what exists is read: ``reasonlab experiment report`` rebuilds everything from the runs on
disk, and a claim whose runs are missing is reported as such (verdict ``missing``), not guessed.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ..analysis.curves import read_run, write_curves
from ..analysis.figures import new_figure, save_figure
from ..analysis.measures import Measure, parse_measure, read_measure
from ..analysis.report import ReportInputs, build_report
from ..analysis.results import load_eval
from ..analysis.trace_tables import LabelRate
from ..analysis.verdicts import INCONCLUSIVE, TESTS, Verdict
from ..config import ConfigError
from ..files import atomic_write_text
from .plan import results_name, run_name
from .spec import Claim, Experiment
from .traces import label_share, run_annotations, trace_study

MISSING = "missing"


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: Verdict | None  # None: its runs are not all there
    values: dict[str, dict[int, float]]  # "arm [measure]" -> seed -> value
    note: str = ""

    @property
    def label(self) -> str:
        return self.verdict.verdict if self.verdict else MISSING

    @property
    def statistic(self) -> str:
        """``name = value [CI]`` of the test (empty when it could not be decided)."""
        v = self.verdict
        if v is None:
            return ""
        ci = f" [{v.ci[0]:.3g}, {v.ci[1]:.3g}]" if v.ci else ""
        return f"{v.statistic} = {v.value + 0.0:.4g}{ci}"  # + 0.0: no "-0"

    @property
    def detail(self) -> str:
        """How it was decided (and which seeds were left out), or why it could not be."""
        if self.verdict is None:
            return self.note
        return self.verdict.detail + (f"; {self.note}" if self.note else "")


def _values(exp: Experiment, out: Path, arm: str, measure: Measure, unread: list[str]) -> dict[int, float]:
    """Each seed's value; a seed whose run never logged the measure (an SPO run that skipped
    every step logs no entropy) is left out and said in ``unread``; no seed at all is an error."""
    ev = exp.eval_set(arm)
    results = results_name(ev.data, ev.split) if ev else None
    got = {}
    for seed in exp.seeds_of(arm):
        run = out / "runs" / run_name(arm, seed)
        if not (run / "metrics.jsonl").is_file():
            raise FileNotFoundError(run)
        if measure.kind in ("eval", "trace") and not (run / "eval" / f"{results}.jsonl").is_file():
            raise FileNotFoundError(run / "eval")
        if measure.kind == "trace":
            got[seed] = label_share(run_annotations(exp, out, arm, seed) or [], measure.name, run.name)
            continue
        try:
            got[seed] = read_measure(run, measure, results)
        except ConfigError:
            unread.append(run_name(arm, seed))
    if not got:
        raise ConfigError(f"no run of arm {arm} logged {measure.text} ({', '.join(unread)})")
    return got


def decide(exp: Experiment, out: Path, claim: Claim) -> ClaimResult:
    """The claim's values and verdict from the runs under ``out``."""
    kind = TESTS[claim.test]
    unread: list[str] = []
    try:
        if kind.shape == "trend":
            m = parse_measure(claim.measure)
            values = {f"{a} [{m.text}]": _values(exp, out, a, m, unread) for a in claim.arms}
            points = [(exp.arms[a].params[claim.by], s, v)
                      for a, vals in zip(claim.arms, values.values(), strict=True) for s, v in vals.items()]
            return ClaimResult(claim, kind.run(points=points, alpha=claim.alpha), values, _left_out(unread))
        sides = [claim.side(w) for w in ("a", "b") if getattr(claim, w) is not None]
        values = {f"{s.arm} [{s.measure}]": _values(exp, out, s.arm, parse_measure(s.measure), unread)
                  for s in sides}
        vals = list(values.values())
        if kind.shape == "value":
            verdict = kind.run(a=vals[0], value=claim.value, min_seeds=claim.min_seeds)
        else:
            verdict = kind.run(a=vals[0], b=vals[1] if len(vals) > 1 else vals[0], alpha=claim.alpha)
        return ClaimResult(claim, verdict, values, _left_out(unread))
    except FileNotFoundError as e:
        return ClaimResult(claim, None, {}, f"not run yet: {e}")
    except ConfigError as e:  # a measure no run logged, or no finite value to test
        return ClaimResult(claim, None, {}, f"cannot be decided: {e}")


def _left_out(unread: list[str]) -> str:
    return f"left out, the measure not logged: {', '.join(unread)}" if unread else ""


def plot_claim(result: ClaimResult, stem: Path) -> list[Path]:
    """Each side's per-seed values (dots) and mean (bar); for a trend, value vs level."""
    fig, ax = new_figure(5.6, 3.4)
    for i, vals in enumerate(result.values.values()):
        ys = [v for v in vals.values() if math.isfinite(v)]
        ax.bar(i, sum(ys) / max(len(ys), 1), color="#c6dbef", edgecolor="#3182bd")
        ax.plot([i] * len(ys), ys, "o", color="#08519c", ms=4)
    ax.set_xticks(range(len(result.values)), [lab.replace(" [", "\n[") for lab in result.values],
                  fontsize="x-small")
    v = result.verdict
    ax.set_title(f"{result.claim.id}: {result.label}" + (f" (p = {v.p:.3g})" if v and v.p is not None
                                                        else ""), fontsize="small")
    return save_figure(fig, stem)


def verdict_record(r: ClaimResult) -> dict:
    v = r.verdict
    return {"id": r.claim.id, "statement": r.claim.statement, "test": r.claim.test, "verdict": r.label,
            **({k: val for k, val in asdict(v).items() if k not in ("verdict", "test")} if v else {}),
            "values": {k: {str(s): x for s, x in vals.items()} for k, vals in r.values.items()},
            "note": r.note, "figure": f"figures/{r.claim.id}.svg"}


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def _verdict_html(results: Sequence[ClaimResult]) -> str:
    rows = []
    for r in results:
        v = r.verdict
        stat = r.statistic
        p = f"{v.p:.3g}" if v and v.p is not None else ""
        need = str(v.seeds_needed) if v and v.verdict == INCONCLUSIVE and v.seeds_needed else ""
        detail = r.detail
        rows.append("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in (
            r.claim.id, r.claim.statement, r.label, stat, p, str(v.n) if v else "", need, detail)) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("claim", "statement", "verdict", "statistic", "p", "n",
                                            "seeds needed", "detail"))
    return f"<h2>Verdicts</h2><table><tr>{head}</tr>{''.join(rows)}</table>"


def study(exp: Experiment, out: Path) -> tuple[list[ClaimResult], list[Path]]:
    """Decide every claim, write figures, ``verdict.json``, curves and ``report.html``."""
    results = [decide(exp, out, c) for c in exp.claims]
    files: list[Path] = []
    for r in results:
        if r.values:
            files += plot_claim(r, out / "figures" / r.claim.id)
    record = {"experiment": exp.name, "mirrors": exp.mirrors, "seeds": exp.seeds,
              "claims": [verdict_record(r) for r in results]}
    files.append(atomic_write_text(out / "verdict.json",
                                   json.dumps(_json_safe(record), indent=1, allow_nan=False) + "\n"))
    files += _curves(exp, out)
    rates, written = trace_study(exp, out) if exp.traces else ([], [])
    files += written
    files.append(_report(exp, out, results, rates))
    return results, files


def _existing_runs(out: Path):
    return [read_run(p) for p in sorted((out / "runs").glob("*")) if (p / "metrics.jsonl").is_file()]


def _curves(exp: Experiment, out: Path) -> list[Path]:
    """The ``plots`` metrics across arms (seeds of an arm as mean +- SEM) under figures/curves."""
    runs = _existing_runs(out)
    logged = [m for m in exp.plots if any(m in r.names() for r in runs)]
    return write_curves(runs, out / "figures" / "curves", logged) if logged else []


def _rates_html(rates: Sequence[LabelRate]) -> str:
    """Arms across, trace labels down: share [95% CI] k/n (``-`` where no trace applies)."""
    if not rates:
        return ""
    arms = list(dict.fromkeys(r.system for r in rates))
    cell = {(r.system, r.label): r for r in rates}
    rows = []
    for label in dict.fromkeys(r.label for r in rates):
        shown = [cell.get((a, label)) for a in arms]
        if all(r is None or r.n == 0 or r.k == 0 for r in shown):
            continue  # a label no trace carries is one line of zeros; the CSV keeps it
        rows.append(f"<tr><td>{html.escape(label)}</td>" + "".join(
            "<td>-</td>" if r is None or r.n == 0 else
            f"<td>{r.rate:.2f} [{r.lo:.2f}, {r.hi:.2f}] {r.k}/{r.n}</td>" for r in shown) + "</tr>")
    head = "".join(f"<th>{html.escape(a)}</th>" for a in arms)
    return ("<h2>Trace analysis</h2><p class=note>rule-based labels of every evaluation trace, seeds "
            "pooled per arm (figures/traces/rules.csv has every label)</p>"
            f"<table><tr><th>label</th>{head}</tr>{''.join(rows)}</table>")


def _report(exp: Experiment, out: Path, results: Sequence[ClaimResult],
            rates: Sequence[LabelRate] = ()) -> Path:
    runs = _existing_runs(out)
    evals = [load_eval(f) for r in runs for f in sorted((r.path / "eval").glob("*.jsonl"))]
    if not runs:
        raise ConfigError(f"experiment {exp.name!r}: no run under {out / 'runs'} yet; "
                          "run `reasonlab experiment run` first")
    figures = sorted((out / "figures").rglob("*.svg"))
    page = build_report(ReportInputs(runs, evals, figures), title=f"experiment {exp.name}")
    intro = (f"<p class=note>{html.escape(exp.description)}</p>" if exp.description else "") + (
        f"<p class=note>mirrors: {html.escape(exp.mirrors)}</p>" if exp.mirrors else "")
    page = page.replace("</h1>", "</h1>" + intro + _verdict_html(results) + _rates_html(rates), 1)
    return atomic_write_text(out / "report.html", page)
