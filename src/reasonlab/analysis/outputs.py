"""Everything ``reasonlab compare`` produces, computed before any file is written (bad input
never leaves part of a result folder behind): the comparison, its tables in every format, the
threshold curves, and the examples sampled for labelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError
from ..files import atomic_write_text
from .compare import Comparison, compare
from .figures import save_figure
from .results import System
from .samples import Sampled, sample_examples, write_samples
from .tables import RENDERERS, rich_tables
from .thresholds import ThresholdPoint, plot_group, points_csv, threshold_points

TABLE_FORMATS = tuple(RENDERERS)
SUFFIX = {"markdown": "md", "latex": "tex", "csv": "csv", "json": "json"}


def parse_tolerances(text: str) -> tuple[float, ...]:
    """``"0.01,0.02"`` -> (0.01, 0.02); each in (0, 1]."""
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = ()
    if not values or not all(0 < t <= 1 for t in values):
        raise ConfigError(f"--tolerance {text!r}: give TVD tolerances in (0, 1], comma-separated, "
                          "e.g. 0.01,0.02,0.03")
    return values


@dataclass
class ComparisonOutputs:
    comparison: Comparison
    texts: dict[str, str]
    thresholds: list[ThresholdPoint] = field(default_factory=list)
    samples: list[Sampled] | None = None

    def rich(self):
        return rich_tables(self.comparison)

    def write(self, out: str | Path) -> list[Path]:
        out = Path(out)
        files = [atomic_write_text(out / f"comparison.{SUFFIX[f]}", t) for f, t in self.texts.items()]
        if self.thresholds:
            files.append(atomic_write_text(out / "thresholds.csv", points_csv(self.thresholds)))
            for group in dict.fromkeys(p.group for p in self.thresholds):
                files += save_figure(plot_group(self.thresholds, group), out / f"thresholds_{group}")
        if self.samples is not None:
            files.append(write_samples(self.samples, out / "samples.csv"))
        return files


def comparison_outputs(systems: Sequence[System], tolerances: Sequence[float], groups: Sequence[str] | None,
                       correction: str = "holm", alpha: float = 0.05, n_resamples: int = 9999,
                       n_bootstrap: int = 2000, seed: int = 0, sample_per_bin: int | None = None,
                       only: str = "incorrect", bin_metric: str = "ve_ops",
                       unit: str = "prompt") -> ComparisonOutputs:
    cmp = compare(systems, tolerances, groups, correction, alpha, n_resamples, n_bootstrap, seed, unit)
    texts = {f: render(cmp) for f, render in RENDERERS.items()}
    curves = threshold_points(systems, groups=groups, unit=unit) if all(s.has_tvd for s in systems) else []
    samples = (sample_examples(systems, sample_per_bin, only, bin_metric, seed)
               if sample_per_bin else None)
    return ComparisonOutputs(cmp, texts, curves, samples)
