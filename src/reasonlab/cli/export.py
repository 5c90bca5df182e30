"""``reasonlab export DIR --to verl|trl|chat|hf``: a dataset in a training stack's format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..data.exports import EXPORTERS, ExportOptions, export
from ..validation import SEED_MAX


def export_cmd(
    folder: Annotated[Path, typer.Argument(help="dataset folder written by `reasonlab generate`")],
    to: Annotated[str, typer.Option("--to", help=f"format: {', '.join(EXPORTERS)}")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="where to write (default DIR/exports/<format>)")] = None,
    bins: Annotated[str | None, typer.Option(help="keep these difficulty bins, e.g. easy,medium")] = None,
    first: Annotated[int | None, typer.Option(
        min=0, help="N examples per split, after a seeded shuffle")] = None,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="shuffle seed for --first")] = 0,
    conversational: Annotated[bool, typer.Option(help="trl: chat-message prompt/completion")] = False,
) -> None:
    """Export a generated dataset (VeRL parquet, TRL, RL2-style chat JSONL, HF datasets)."""
    bin_list = tuple(b.strip() for b in bins.split(",")) if bins else None
    if bin_list and set(bin_list) - {"easy", "medium", "hard"}:
        raise typer.BadParameter(f"{bins!r}: bins are easy, medium, hard", param_hint="--bins")
    paths = export(folder, to, output, ExportOptions(bins=bin_list, first=first, seed=seed,
                                                      conversational=conversational))
    for p in paths:
        typer.echo(f"wrote {p}")
