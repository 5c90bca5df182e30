"""``reasonlab plot RUN...``: training curves of several runs overlaid (seeds of one config as a
mean with a band), PNG + SVG + the CSV behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..config import ConfigError

console = Console()


def plot_cmd(
    runs: Annotated[list[Path], typer.Argument(help="run folders (with metrics.jsonl); NAME=PATH to label")],
    metric: Annotated[list[str] | None, typer.Option(
        help="a metrics.jsonl name, repeatable (default: test/score, train/score, actor/entropy, "
             "response length, actor/loss)")] = None,
    x: Annotated[str, typer.Option(help="step, time or samples")] = "step",
    smooth: Annotated[float, typer.Option(help="EMA weight in [0, 1), 0: none")] = 0.0,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("plots"),
) -> None:
    """Curves of every chosen metric across runs, one figure per metric."""
    from ..analysis.curves import read_run, write_curves

    labels, paths = {}, []
    for item in runs:
        name, sep, value = str(item).partition("=")
        path = Path(value) if sep else item
        if sep and not (name and value):
            raise ConfigError(f"run {str(item)!r}: write PATH or NAME=PATH")
        if sep:
            labels[str(path)] = name
        paths.append(path)
    loaded = [read_run(p) for p in paths]
    for f in write_curves(loaded, out, metric, x, smooth, labels):
        console.print(f"wrote {escape(str(f))}", highlight=False)
