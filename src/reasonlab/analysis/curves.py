"""Training dynamics across runs: any metric of ``metrics.jsonl``, runs overlaid, seeds of one
configuration as their mean with a band, optional EMA smoothing, x = step, wall time or samples.

These are the SPO thesis's figures (score, entropy, response length, loss across methods).
Runs whose configs differ only in ``seed`` form one group: its curve is the mean over seeds at
each step where every seed logged the metric, the band +- one standard error over seeds (seeds
that logged a step the others did not are left out of that step). Wall time is the trainer's
``time/seconds`` (seconds since the process started training; a resumed run restarts it), samples
seen are ``step x`` the run's samples per step (SFT: batch size x gradient accumulation; RL:
prompts per step x rollouts per prompt). EMA is TensorBoard's debiased smoothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ConfigError
from ..files import atomic_write_text
from ..validation import parse_json, read_text
from .figures import new_figure, save_figure
from .results import RUN_KEYS_IGNORED, read_config, seedless

DEFAULT_METRICS: tuple[tuple[str, ...], ...] = (
    ("test/score",), ("train/score",), ("actor/entropy",),
    ("test/avg_response_length", "response_length/mean"), ("actor/loss", "train/loss"))


@dataclass(frozen=True)
class RunMetrics:
    name: str
    path: Path
    config: dict[str, Any]
    rows: tuple[dict[str, float], ...]

    def names(self) -> set[str]:
        return {k for r in self.rows for k in r}

    def series(self, metric: str) -> dict[int, float]:
        return {int(r["step"]): float(r[metric]) for r in self.rows
                if isinstance(r.get(metric), int | float) and isinstance(r.get("step"), int)}

    def samples_per_step(self) -> int:
        c = self.config
        if isinstance(c.get("rollout"), dict):
            return int(c["rollout"].get("prompts_per_step", 8)) * int(c["rollout"].get("n", 8))
        return int(c.get("batch_size", 16)) * int((c.get("optim") or {}).get("grad_accum", 1))


def read_run(path: str | Path) -> RunMetrics:
    """A run folder's config and metrics rows (a clear error for a folder that is not a run)."""
    path = Path(path)
    file = path / "metrics.jsonl"
    if not file.is_file():
        raise ConfigError(f"run {str(path)!r} has no metrics.jsonl; give a run folder written by "
                          "`reasonlab train`")
    rows = []
    for n, line in enumerate(read_text(file, "metrics").splitlines(), 1):
        if line.strip():
            row = parse_json(line, f"{file} line {n}")
            if not isinstance(row, dict):
                raise ConfigError(f"{file} line {n}: not a metrics row (a JSON object)")
            rows.append(row)
    if not rows:
        raise ConfigError(f"run {str(path)!r}: metrics.jsonl is empty (the run logged no step yet)")
    config = read_config(path) if (path / "config.yaml").is_file() else {}
    return RunMetrics(str(config.get("name") or path.name), path, config, tuple(rows))


def group_runs(runs: Sequence[RunMetrics]) -> list[list[RunMetrics]]:
    """Runs whose configs differ only in seed (and name/run_dir) form one group."""
    groups: list[list[RunMetrics]] = []
    strip = lambda c: {k: v for k, v in c.items() if k not in RUN_KEYS_IGNORED}  # noqa: E731
    for r in runs:
        for g in groups:
            if r.config and strip(g[0].config) == strip(r.config):
                g.append(r)
                break
        else:
            groups.append([r])
    return groups


def resolve_metrics(runs: Sequence[RunMetrics], asked: Sequence[str] | None) -> list[str]:
    """The metrics to plot: those asked (each must exist in some run), or the defaults present."""
    have = set().union(*(r.names() for r in runs))
    if asked:
        unknown = [m for m in asked if m not in have]
        if unknown:
            shown = ", ".join(sorted(k for k in have if k != "step"))
            raise ConfigError(f"--metric {unknown[0]!r}: no run logged it; metrics logged: {shown}")
        return list(asked)
    picked = [next((m for m in alts if m in have), None) for alts in DEFAULT_METRICS]
    if not any(picked):
        raise ConfigError("none of the default metrics was logged; pick some with --metric")
    return [m for m in picked if m]


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average (``weight`` 0: none)."""
    if weight <= 0:
        return values
    out, last = np.empty_like(values), 0.0
    for i, v in enumerate(values):
        last = last * weight + (1 - weight) * v
        out[i] = last / (1 - weight ** (i + 1))
    return out


@dataclass(frozen=True)
class Curve:
    label: str
    metric: str
    steps: np.ndarray
    x: np.ndarray
    mean: np.ndarray
    err: np.ndarray
    seeds: int


X_AXES = ("step", "time", "samples")


def curve(group: Sequence[RunMetrics], metric: str, x: str = "step", smooth: float = 0.0,
          label: str | None = None) -> Curve | None:
    """The mean (over seeds) curve of ``metric``; None when no run of the group logged it."""
    series = [r.series(metric) for r in group]
    steps = sorted(set.intersection(*(set(s) for s in series)))
    if not steps:
        return None
    vals = np.array([[s[t] for t in steps] for s in series])  # (seeds, steps)
    vals = np.stack([ema(v, smooth) for v in vals])
    err = vals.std(axis=0, ddof=1) / np.sqrt(len(vals)) if len(vals) > 1 else np.zeros(len(steps))
    if x == "time":
        times = [r.series("time/seconds") for r in group]
        xs = np.array([np.mean([t.get(s, np.nan) for t in times]) for s in steps])
    elif x == "samples":
        xs = np.array(steps, dtype=np.float64) * group[0].samples_per_step()
    else:
        xs = np.array(steps, dtype=np.float64)
    keep = ~np.isnan(xs)
    name = seedless(group[0].name, group[0].config.get("seed")) if len(group) > 1 else group[0].name
    return Curve(label or name, metric, np.array(steps)[keep], xs[keep], vals.mean(axis=0)[keep],
                 err[keep], len(group))


def curves_csv(curves: Sequence[Curve], x: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["run", "metric", "step", x, "mean", "sem", "seeds"])
    for c in curves:
        w.writerows([c.label, c.metric, int(s), float(xv), float(m), float(e), c.seeds]
                    for s, xv, m, e in zip(c.steps, c.x, c.mean, c.err, strict=True))
    return buf.getvalue()


def plot_metric(curves: Sequence[Curve], metric: str, x: str):
    fig, ax = new_figure(6.0, 3.6)
    for c in curves:
        (line,) = ax.plot(c.x, c.mean, label=f"{c.label}" + (f" ({c.seeds} seeds)" if c.seeds > 1 else ""),
                          lw=1.4, marker="." if len(c.x) < 30 else None)
        if c.seeds > 1:
            ax.fill_between(c.x, c.mean - c.err, c.mean + c.err, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel({"step": "step", "time": "wall time (s)", "samples": "samples seen"}[x])
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def write_curves(runs: Sequence[RunMetrics], out: str | Path, metrics: Sequence[str] | None = None,
                 x: str = "step", smooth: float = 0.0, labels: dict[str, str] | None = None) -> list[Path]:
    """``curves.csv`` and ``<metric>.{png,svg}`` per metric under ``out``; returns the files."""
    if x not in X_AXES:
        raise ConfigError(f"--x {x!r}: choose one of {', '.join(X_AXES)}")
    if not 0.0 <= smooth < 1.0:
        raise ConfigError(f"--smooth {smooth}: the EMA weight is in [0, 1), e.g. 0.6")
    out, chosen = Path(out), resolve_metrics(runs, metrics)
    all_curves, files = [], []
    for metric in chosen:
        cs = [c for g in group_runs(runs) if (c := curve(g, metric, x, smooth,
                                                           (labels or {}).get(str(g[0].path))))]
        all_curves += cs
        files += save_figure(plot_metric(cs, metric, x), out / metric.replace("/", "_"))
    return [atomic_write_text(out / "curves.csv", curves_csv(all_curves, x)), *files]
