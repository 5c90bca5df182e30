"""Files of the trajectory probes (:mod:`.trajectory`): CSV tables and figures (PNG + SVG).

Everything is rendered in memory first and then written atomically (``reasonlab.files``), with
floats as ``repr`` so that the same curves give the same bytes. Figures: the mean answer-loss
curve per system over trace fractions, each example's curve faint behind it with its
reflection words marked where they occur (``x`` at the first prefix that holds the unit the word
starts in), and accuracy against the kept fraction of the trace per system.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..files import atomic_write_text
from .figures import new_figure, save_figure
from .trajectory import DEFAULT_GRID, LossCurve, MeanCurve, PruneCurve, mean_curves

MAX_FAINT = 50  # example curves drawn behind each mean curve


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[repr(v) if isinstance(v, float) else v for v in r] for r in rows])
    return buf.getvalue()


def curves_csv(curves: Sequence[LossCurve]) -> str:
    """One row per (example, prefix): its units, fraction of the trace and answer loss."""
    rows = [(c.system, c.example_id, k, c.n_units, float(f), loss, total, c.answer_tokens)
            for c in curves for k, f, loss, total in zip(c.units, c.fractions, c.losses, c.sums, strict=True)]
    return _csv(("system", "example_id", "units", "n_units", "fraction", "loss", "loss_sum",
                 "answer_tokens"), rows)


def means_csv(means: Sequence[MeanCurve]) -> str:
    rows = [(m.system, f, loss, m.n) for m in means for f, loss in zip(m.grid, m.loss, strict=True)]
    return _csv(("system", "fraction", "mean_loss", "n"), rows)


def reflections_csv(curves: Sequence[LossCurve]) -> str:
    """Each reflection word: where it starts (character, unit) and its fraction of the trace."""
    rows = [(c.system, c.example_id, r.word, r.start, r.unit, c.n_units, (r.unit + 1) / max(c.n_units, 1))
            for c in curves for r in c.reflections]
    return _csv(("system", "example_id", "word", "char", "unit", "n_units", "fraction"), rows)


def prune_csv(curves: Sequence[PruneCurve]) -> str:
    rows = [(c.system, f, a, c.n) for c in curves for f, a in zip(c.fractions, c.accuracy, strict=True)]
    return _csv(("system", "fraction", "accuracy", "n"), rows)


def plot_loss(curves: Sequence[LossCurve], means: Sequence[MeanCurve], alpha: float | None = None):
    """Mean answer loss per system against the trace fraction, example curves faint behind."""
    fig, ax = new_figure()
    colors = [f"C{i % 10}" for i in range(len(means))]
    for m, color in zip(means, colors, strict=True):
        mine = [c for c in curves if c.system == m.system][:MAX_FAINT]
        for c in mine:
            y = c.smoothed(alpha)
            ax.plot(c.fractions, y, color=color, alpha=0.15, linewidth=0.8)
            marks = [min(r.unit + 1, c.n_units) / max(c.n_units, 1) for r in c.reflections]
            if marks:
                ax.plot(marks, np.interp(marks, c.fractions, y), "x", color=color, alpha=0.6)
        ax.plot(m.grid, m.loss, color=color, linewidth=2, label=f"{m.system} (n={m.n})")
    if any(c.reflections for c in curves):
        ax.plot([], [], "x", color="0.3", label="reflection word")
    ax.set_xlabel("fraction of the trace")
    ax.set_ylabel("answer loss (nats / token)")
    ax.set_title("answer loss along the reasoning trace")
    ax.legend(fontsize="small")
    return fig


def plot_prune(curves: Sequence[PruneCurve]):
    """Accuracy of the forced answer against the fraction of the trace kept, per system."""
    fig, ax = new_figure()
    for c in curves:
        ax.plot(c.fractions, c.accuracy, marker="o", label=f"{c.system} (n={c.n})")
    ax.set_xlabel("fraction of the trace kept (tokens)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("accuracy of the answer forced after a pruned trace")
    ax.legend(fontsize="small")
    return fig


def write_loss(curves: Sequence[LossCurve], out: str | Path, grid: Sequence[float] = DEFAULT_GRID,
               alpha: float | None = None) -> list[Path]:
    """``loss_curves.csv``, ``loss_mean.csv``, ``reflections.csv`` and ``loss_curve.png/.svg``."""
    out = Path(out)
    means = mean_curves(curves, grid, alpha)
    texts = {"loss_curves.csv": curves_csv(curves), "loss_mean.csv": means_csv(means),
             "reflections.csv": reflections_csv(curves)}
    fig = plot_loss(curves, means, alpha)
    files = [atomic_write_text(out / name, text) for name, text in texts.items()]
    return files + save_figure(fig, out / "loss_curve")


def write_prune(curves: Sequence[PruneCurve], out: str | Path) -> list[Path]:
    """``prune.csv`` and ``prune.png/.svg``."""
    out = Path(out)
    text, fig = prune_csv(curves), plot_prune(curves)
    return [atomic_write_text(out / "prune.csv", text), *save_figure(fig, out / "prune")]
