"""Dataset statistics: the histogram of every difficulty metric, train vs dev vs test, as one
figure (the causal study's difficulty-statistics plot), with the counts behind it as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..config import ConfigError
from ..data.writer import read_split
from ..files import atomic_write_text
from ..tasks import SPLITS
from .figures import new_figure, save_figure

METRICS = ("ve_ops", "longest_path", "ancestor_size", "treewidth", "relevant_size")


def metric_values(folder: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """``{metric: {split: values}}`` for every numeric difficulty metric the splits' rows carry."""
    folder = Path(folder)
    splits = [s for s in SPLITS if (folder / f"{s}.jsonl").is_file()]
    if not splits:
        raise ConfigError(f"dataset {str(folder)!r}: no train/dev/test .jsonl files; give a folder "
                          "written by `reasonlab generate`")
    out: dict[str, dict[str, np.ndarray]] = {}
    for split in splits:
        metas = [e.meta for e in read_split(folder, split)]
        for m in METRICS:
            vals = [meta[m] for meta in metas if isinstance(meta.get(m), int | float)]
            if vals:
                out.setdefault(m, {})[split] = np.asarray(vals, dtype=np.float64)
    if not out:
        raise ConfigError(f"dataset {str(folder)!r}: its rows carry no difficulty metrics "
                          f"({', '.join(METRICS)}); only causal_qa data has them")
    return out


def write_dataset_stats(folder: str | Path, out: str | Path) -> list[Path]:
    """``difficulty.csv`` (metric, split, value, count) and ``difficulty.{png,svg}``."""
    values = metric_values(folder)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["metric", "split", "value", "count", "fraction"])
    fig, axes = new_figure(3.0 * len(values), 3.0, ncols=len(values), squeeze=False)
    for ax, (metric, by_split) in zip(axes[0], values.items(), strict=True):
        lo = min(v.min() for v in by_split.values())
        hi = max(v.max() for v in by_split.values())
        edges = np.arange(np.floor(lo), np.floor(hi) + 2) - 0.5  # one bin per integer value
        for split, v in by_split.items():
            counts, _ = np.histogram(v, bins=edges)
            frac = counts / len(v)
            w.writerows([metric, split, int(e + 0.5), int(c), f] for e, c, f in zip(edges, counts, frac,
                                                                                  strict=False) if c)
            ax.stairs(frac, edges, label=f"{split} (n={len(v)})", lw=1.5)
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("value")
    axes[0][0].set_ylabel("fraction of questions")
    axes[0][-1].legend(fontsize=7)
    out = Path(out)
    return [atomic_write_text(out / "difficulty.csv", buf.getvalue()),
            *save_figure(fig, out / "difficulty")]
