"""``reasonlab report RUN_OR_EVAL... -o report.html``: one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import ConfigError


def report_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="run folders and/or eval/<name>.jsonl files")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the HTML file to write")] = Path(
        "report.html"
    ),
    figures: Annotated[
        list[Path] | None,
        typer.Option(help="a folder of figures to include (its SVGs), e.g. a traces or trajectory output"),
    ] = None,
    title: Annotated[str, typer.Option()] = "reasonlab report",
    resamples: Annotated[int, typer.Option(min=1, help="permutation resamples")] = 9999,
    seed: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Configs, training curves, eval slices, comparison tables with significance, threshold curves
    and the given figures, inline (opens offline)."""
    from ..analysis.report import write_report

    if output.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"-o {str(output)!r}: the report is HTML; give a path ending in .html")
    path = write_report(inputs, output, list(figures or []), title=title, n_resamples=resamples, seed=seed)
    typer.echo(f"wrote {path}")
