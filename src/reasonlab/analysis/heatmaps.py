"""Heatmaps with the numbers behind them: a matrix (or a grid of matrices) as PNG + SVG, and a
long-format CSV beside it -- what the interpretability probes draw (attention patterns, logit
lens, ablation effects, patching matrices). Takes plain arrays, so it knows nothing of models."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import atomic_write_text
from .figures import new_figure, save_figure, svg_text


@dataclass(frozen=True)
class Panel:
    values: np.ndarray  # (rows, cols)
    title: str
    rows: Sequence[str]
    cols: Sequence[str]


def _ticks(ax, labels: Sequence[str], axis: str, limit: int = 40) -> None:
    step = max(1, len(labels) // limit)
    idx = list(range(0, len(labels), step))
    if axis == "x":
        ax.set_xticks(idx, [labels[i] for i in idx], rotation=90, fontsize=6)
    else:
        ax.set_yticks(idx, [labels[i] for i in idx], fontsize=6)


def heatmap_figure(panels: Sequence[Panel], xlabel: str, ylabel: str, columns: int = 4,
                   cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None,
                   colorbar: str = ""):
    """One figure of ``panels`` (a grid, ``columns`` wide)."""
    n = len(panels)
    cols = min(columns, n)
    grid_rows = (n + cols - 1) // cols
    size = max(2.6, min(5.0, 0.12 * max(len(panels[0].cols), len(panels[0].rows))))
    fig, axes = new_figure(size * cols + 0.8, size * grid_rows + 0.4, nrows=grid_rows, ncols=cols,
                           squeeze=False)
    image = None
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        p = panels[i]
        image = ax.imshow(p.values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                          interpolation="nearest")
        ax.set_title(p.title, fontsize=8)
        _ticks(ax, list(p.cols), "x")
        _ticks(ax, list(p.rows), "y")
        ax.set_xlabel(xlabel, fontsize=7)
        ax.set_ylabel(ylabel, fontsize=7)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label=colorbar)
    return fig


def write_heatmaps(panels: Sequence[Panel], stem: Path, xlabel: str, ylabel: str, **kw) -> list[Path]:
    """:func:`heatmap_figure` as PNG and SVG at ``stem``."""
    return save_figure(heatmap_figure(panels, xlabel, ylabel, **kw), stem)


def heatmap_svg(panels: Sequence[Panel], xlabel: str, ylabel: str, **kw) -> str:
    """:func:`heatmap_figure` as inline SVG markup (for a web page)."""
    return svg_text(heatmap_figure(panels, xlabel, ylabel, **kw))


def write_long_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> Path:
    """A CSV written atomically (floats with 6 significant digits, so reruns give the same bytes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in r])
    return atomic_write_text(path, buf.getvalue())
