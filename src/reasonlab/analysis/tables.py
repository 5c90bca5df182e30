"""A :class:`~.compare.Comparison` rendered as tables: rich (terminal), markdown, LaTeX
(booktabs), CSV and JSON, one renderer per format in :data:`RENDERERS`.

Terminal, markdown and LaTeX show one table per slice group (overall, rung, each difficulty
metric, ...): a row per system, a column per slice and tolerance, each cell ``mean x 100 [CI]``
with the column's n (and distinct prompts where they differ) in its header; bold = the best
system and every system not significantly worse. CSV and JSON hold every cell in long form, with
the p-values.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import asdict

from rich.console import Group
from rich.table import Table

from .compare import Cell, Column, Comparison


def _by_group(cmp: Comparison) -> dict[str, list[Column]]:
    out: dict[str, list[Column]] = {}
    for c in cmp.columns:
        out.setdefault(c.group, []).append(c)
    return out


def _tol(t: float | None) -> str:
    return "exact" if t is None else f"t={t:g}"


def _count(cell: Cell) -> str:
    return f"n={cell.n}" + (f", {cell.prompts} prompts" if cell.prompts != cell.n else "")


def _value(cell: Cell) -> tuple[str, str]:
    return f"{100 * cell.mean:.1f}", f"[{100 * cell.lo:.1f}, {100 * cell.hi:.1f}]"


def rich_tables(cmp: Comparison) -> Group:
    """One rich table per slice group."""
    tables = []
    for group, columns in _by_group(cmp).items():
        table = Table(title=f"{group} (accuracy x 100 [95% CI]; bold: best or not significantly worse, "
                      f"{cmp.correction} correction)", show_edge=False, title_justify="left")
        table.add_column("system")
        for c in columns:
            cell = cmp.cell(cmp.systems[0], c)
            prompts = f"\n{cell.prompts} prompts" if cell.prompts != cell.n else ""
            table.add_column(f"{c.slice.split('=')[-1]}\n{_tol(c.tolerance)}\nn={cell.n}{prompts}",
                             justify="right")
        for s in cmp.systems:
            cells = []
            for c in columns:
                cell = cmp.cell(s, c)
                mean, ci = f"{100 * cell.mean:.1f}", f"[{100 * cell.lo:.0f}, {100 * cell.hi:.0f}]"
                cells.append(f"[bold]{mean}[/bold]\n{ci}" if cell.bold else f"{mean}\n{ci}")
            table.add_row(s, *cells)
        tables.append(table)
    return Group(*tables)


def markdown(cmp: Comparison) -> str:
    out = []
    for group, columns in _by_group(cmp).items():
        heads = [f"{c.slice} {_tol(c.tolerance)} ({_count(cmp.cell(cmp.systems[0], c))})" for c in columns]
        out += [f"**{group}**", "", "| system | " + " | ".join(heads) + " |",
                "|---|" + "---:|" * len(columns)]
        for s in cmp.systems:
            cells = []
            for c in columns:
                cell = cmp.cell(s, c)
                mean, ci = _value(cell)
                cells.append(f"**{mean}** {ci}" if cell.bold else f"{mean} {ci}")
            out.append(f"| {s} | " + " | ".join(cells) + " |")
        out.append("")
    out.append(f"Accuracy x 100 with 95% CI; bold: the best system and every system not significantly "
               f"worse (paired permutation test, {cmp.n_resamples} resamples, {cmp.correction} correction, "
               f"alpha {cmp.alpha:g}).")
    return "\n".join(out) + "\n"


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def tex(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def _latex_group(cmp: Comparison, group: str, columns: list[Column]) -> list[str]:
    slices: dict[str, list[Column]] = {}
    for c in columns:
        slices.setdefault(c.slice, []).append(c)
    spec = "l" + "".join(" " + "r" * len(v) for v in slices.values())
    head, rules, at = [], [], 2
    for key, cols in slices.items():
        count = tex(_count(cmp.cell(cmp.systems[0], cols[0])))
        head.append(rf"\multicolumn{{{len(cols)}}}{{c}}{{{tex(key)} ({count})}}")
        rules.append(rf"\cmidrule(lr){{{at}-{at + len(cols) - 1}}}")
        at += len(cols)
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             rf"\caption{{Accuracy $\times$ 100 [95\% CI], {tex(group)}. Bold: best or not significantly "
             rf"worse (paired permutation test, {tex(cmp.correction)} correction).}}",
             rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & " + " & ".join(head) + r" \\",
             " ".join(rules),
             "System & " + " & ".join(tex(_tol(c.tolerance)) for c in columns) + r" \\", r"\midrule"]
    for s in cmp.systems:
        cells = []
        for c in columns:
            cell = cmp.cell(s, c)
            mean, ci = _value(cell)
            mean = rf"\textbf{{{mean}}}" if cell.bold else mean
            cells.append(rf"{mean} {{\scriptsize {ci}}}")
        lines.append(tex(s) + " & " + " & ".join(cells) + r" \\")
    return [*lines, r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]


def latex(cmp: Comparison) -> str:
    """Tables for ``\\usepackage{booktabs}`` (one ``table`` environment per slice group)."""
    out = ["% needs \\usepackage{booktabs}"]
    for group, columns in _by_group(cmp).items():
        out += _latex_group(cmp, group, columns)
    return "\n".join(out)


def records(cmp: Comparison) -> list[dict]:
    rows = []
    for cell in cmp.cells:
        d = asdict(cell)
        col = d.pop("column")
        row = {"system": d.pop("system"), **col, **d}
        rows.append({k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})
    return rows


def csv_text(cmp: Comparison) -> str:
    buf = io.StringIO()
    rows = records(cmp)
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def json_text(cmp: Comparison) -> str:
    meta = {"systems": list(cmp.systems), "correction": cmp.correction, "alpha": cmp.alpha,
            "n_resamples": cmp.n_resamples, "seed": cmp.seed}
    return json.dumps({**meta, "cells": records(cmp)}, indent=1) + "\n"


RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "markdown": markdown, "latex": latex, "csv": csv_text, "json": json_text}
