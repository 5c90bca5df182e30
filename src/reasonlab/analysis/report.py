"""One self-contained HTML page over runs and eval results: run configs, training curves, eval
summaries by slice, the comparison tables with significance, threshold curves, and any figures
computed beside them (trace analysis, trajectory probes). Figures are inline SVG and the style is
inline, so the file opens offline and refers to no URL."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError
from ..files import atomic_write_text
from ..validation import read_json, read_text
from .compare import Comparison, compare
from .curves import RunMetrics, curve, group_runs, plot_metric, read_run, resolve_metrics
from .figures import inline_svg, svg_text
from .results import EvalFile, System, default_name, group_by_seed, load_eval
from .thresholds import plot_group, threshold_points

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.85em}td,th{padding:.25em .6em;
border-bottom:1px solid #eee;text-align:right}th{background:#f6f6f6}td:first-child,th:first-child
{text-align:left}.ci{color:#777;font-size:.85em}pre{background:#f6f6f6;padding:.8em;overflow:auto;
font-size:.8em}figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;
color:#555}.note{color:#555;font-size:.9em}"""


@dataclass
class ReportInputs:
    runs: list[RunMetrics] = field(default_factory=list)
    results: list[EvalFile] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)


def collect(paths: Sequence[Path], figure_dirs: Sequence[Path] = ()) -> ReportInputs:
    """Runs (folders with metrics.jsonl; their eval/*.jsonl files too) and results files."""
    found = ReportInputs()
    for p in paths:
        if p.is_dir() and (p / "metrics.jsonl").is_file():
            found.runs.append(read_run(p))
            found.results += [load_eval(f) for f in sorted((p / "eval").glob("*.jsonl"))]
        elif p.is_file() and p.suffix == ".jsonl":
            found.results.append(load_eval(p))
        else:
            raise ConfigError(
                f"report input {str(p)!r}: give a run folder (with metrics.jsonl) or an "
                "eval/<name>.jsonl results file"
            )
    for d in figure_dirs:
        if not d.is_dir():
            raise ConfigError(f"--figures {str(d)!r}: no such folder")
        found.figures += sorted(d.rglob("*.svg"))
    return found


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _runs_section(runs: Sequence[RunMetrics]) -> list[str]:
    out = ["<h2>Runs</h2>"]
    for r in runs:
        config = (
            read_text(r.path / "config.yaml", "run config") if (r.path / "config.yaml").is_file() else ""
        )
        out.append(
            f"<details><summary>{html.escape(r.name)}: {len(r.rows)} logged steps</summary>"
            f"<pre>{html.escape(config)}</pre></details>"
        )
    out.append("<h2>Training curves</h2>")
    for metric in resolve_metrics(runs, None):
        curves = [c for g in group_runs(runs) if (c := curve(g, metric))]
        out.append(_figure(svg_text(plot_metric(curves, metric, "step")), metric))
    return out


def _summary_table(path: Path) -> str:
    summary = read_json(path.with_suffix("").with_suffix(".summary.json"), "eval summary")
    rows = [("all", summary), *summary.get("slices", {}).items()]
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{s.get('n')}</td><td>{s.get('prompts', '')}</td>"
        f"<td>{s.get('exact_match', 0):.3f}</td><td>{s.get('reward', 0):.3f}</td></tr>"
        for k, s in rows
    )
    return (
        "<table><tr><th>slice</th><th>n</th><th>prompts</th><th>exact</th><th>reward</th></tr>"
        f"{body}</table>"
    )


def _results_section(results: Sequence[EvalFile]) -> list[str]:
    out = ["<h2>Evaluations</h2>"]
    for f in results:
        label = f"{f.run.name}/{f.path.name}" if f.run else str(f.path)
        summary = f.path.with_suffix("").with_suffix(".summary.json")
        table = _summary_table(f.path) if summary.is_file() else "<p class=note>no summary file</p>"
        out.append(f"<h3>{html.escape(label)}</h3>{table}")
    return out


def comparison_html(cmp: Comparison) -> str:
    """Each slice group as an HTML table; bold = best or not significantly worse."""
    out = []
    groups: dict[str, list] = {}
    for c in cmp.columns:
        groups.setdefault(c.group, []).append(c)
    for group, columns in groups.items():
        head = "".join(
            f"<th>{html.escape(c.label)}<br>n={cmp.cell(cmp.systems[0], c).n}</th>" for c in columns
        )
        rows = []
        for s in cmp.systems:
            tds = []
            for c in columns:
                cell = cmp.cell(s, c)
                mean = f"{100 * cell.mean:.1f}"
                mean = f"<b>{mean}</b>" if cell.bold else mean
                tds.append(
                    f"<td>{mean} <span class=ci>[{100 * cell.lo:.1f}, {100 * cell.hi:.1f}]</span></td>"
                )
            rows.append(f"<tr><td>{html.escape(s)}</td>{''.join(tds)}</tr>")
        out.append(
            f"<h3>{html.escape(group)}</h3><table><tr><th>system</th>{head}</tr>{''.join(rows)}</table>"
        )
    note = (
        f"<p class=note>Accuracy x 100 [95% CI]. Bold: the best system and every system not significantly "
        f"worse (paired permutation test, {cmp.n_resamples} resamples, {cmp.correction} correction, "
        f"alpha {cmp.alpha:g}).</p>"
    )
    return "".join(out) + note


def _comparison_section(results: Sequence[EvalFile], n_resamples: int, seed: int) -> list[str]:
    by_name: dict[str, list[EvalFile]] = {}
    for f in results:
        by_name.setdefault(f.path.name, []).append(f)
    out = []
    for name, files in by_name.items():
        systems = [System(default_name(g), tuple(g)) for g in group_by_seed(files)]
        if len(systems) < 2 or len({s.name for s in systems}) < len(systems):
            continue
        out.append(f"<h2>Comparison on {html.escape(name)}</h2>")
        out.append(comparison_html(compare(systems, n_resamples=n_resamples, seed=seed)))
        if all(s.has_tvd for s in systems):
            points = threshold_points(systems)
            for group in dict.fromkeys(p.group for p in points):
                out.append(
                    _figure(svg_text(plot_group(points, group)), f"accuracy vs TVD tolerance, {group}")
                )
    return out


def build_report(
    inputs: ReportInputs, title: str = "reasonlab report", n_resamples: int = 9999, seed: int = 0
) -> str:
    """The page as one HTML string."""
    if not (inputs.runs or inputs.results):
        raise ConfigError("nothing to report: give run folders or eval result files")
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if inputs.runs:
        parts += _runs_section(inputs.runs)
    if inputs.results:
        parts += _results_section(inputs.results)
        parts += _comparison_section(inputs.results, n_resamples, seed)
    if inputs.figures:
        parts.append("<h2>Analyses</h2>")
        for f in inputs.figures:
            parts.append(_figure(inline_svg(read_text(f, "figure")), f.stem))
    meta = json.dumps(
        {"runs": [str(r.path) for r in inputs.runs], "results": [str(f.path) for f in inputs.results]}
    )
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style><meta name=reasonlab-inputs content='{html.escape(meta)}'></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def write_report(paths: Sequence[Path], out: Path, figure_dirs: Sequence[Path] = (), **kw) -> Path:
    return atomic_write_text(out, build_report(collect(paths, figure_dirs), **kw))
