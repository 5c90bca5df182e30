"""Threshold curves: accuracy vs TVD tolerance t in [0.01, 0.1], +- SEM, per difficulty bin and
system (the causal study's threshold figure, with t on the x axis where it belongs: the original
plotted every curve shifted by 0.01)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .compare import collapse, slice_groups, unit_index
from .figures import new_figure
from .results import System, common_ids
from .stats import sem

GRID = tuple(np.round(np.linspace(0.01, 0.1, 19), 3))


@dataclass(frozen=True)
class ThresholdPoint:
    system: str
    group: str
    slice: str
    tolerance: float
    accuracy: float
    sem: float
    n: int


def threshold_points(systems: Sequence[System], grid: Sequence[float] = GRID,
                     groups: Sequence[str] | None = None, unit: str = "prompt") -> list[ThresholdPoint]:
    """Accuracy +- SEM (over units -- distinct prompts or rows, as in :func:`.compare.compare` --
    of each unit's mean over seeds) at each tolerance."""
    ids = common_ids(systems)
    slices = slice_groups(systems[0], ids)
    keep = [g for g in slices if g == "overall" or (groups is None or g in groups)]
    prompt = {r.id: r.prompt for r in systems[0].files[0].rows}
    points = []
    for s in systems:
        per_t = np.stack([s.values(ids, t).mean(axis=1) for t in grid], axis=1)  # (n, len(grid))
        for g in keep:
            for key, positions in slices[g].items():
                units = unit_index([prompt[ids[p]] for p in positions]) if unit == "prompt" else None
                block = collapse(per_t[positions], units)  # (units, len(grid))
                means, errs = block.mean(axis=0), sem(block)
                points += [ThresholdPoint(s.name, g, key, float(t), float(m), float(e), len(positions))
                           for t, m, e in zip(grid, means, errs, strict=True)]
    return points


def points_csv(points: Sequence[ThresholdPoint]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["system", "group", "slice", "tolerance", "accuracy", "sem", "n"])
    w.writerows([p.system, p.group, p.slice, p.tolerance, p.accuracy, p.sem, p.n] for p in points)
    return buf.getvalue()


def plot_group(points: Sequence[ThresholdPoint], group: str):
    """One figure: a panel per slice of ``group``, a line with an SEM band per system."""
    mine = [p for p in points if p.group == group]
    keys = list(dict.fromkeys(p.slice for p in mine))
    fig, axes = new_figure(3.2 * len(keys) + 0.6, 3.2, ncols=len(keys), squeeze=False, sharey=True)
    for ax, key in zip(axes[0], keys, strict=True):
        for system in dict.fromkeys(p.system for p in mine):
            ps = [p for p in mine if p.slice == key and p.system == system]
            t = np.array([p.tolerance for p in ps])
            acc, err = np.array([p.accuracy for p in ps]), np.array([p.sem for p in ps])
            (line,) = ax.plot(t, 100 * acc, label=system, lw=1.5)
            ax.fill_between(t, 100 * (acc - err), 100 * (acc + err), color=line.get_color(), alpha=0.2, lw=0)
        ax.set_title(f"{key} (n={ps[0].n})" if ps else key, fontsize=9)
        ax.set_xlabel("TVD tolerance t")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("accuracy@t x 100 (+- SEM)")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    return fig

