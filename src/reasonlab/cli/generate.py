"""``reasonlab generate CONFIG.yaml [-o DIR] [key=value ...]``: write a dataset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..config import apply_overrides, read_yaml
from ..data.writer import generate_dataset
from ..tasks import task_config

console = Console()


def generate(
    config: Annotated[Path, typer.Argument(
        help="task config (YAML), e.g. configs/causal_qa/n5_interventional.yaml")],
    overrides: Annotated[list[str] | None, typer.Argument(
        help="field overrides, e.g. seed=7 n_models.train=10")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="dataset folder (default data/<config name>)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="processes generating in parallel")] = 1,
) -> None:
    """Generate train/dev/test splits (JSONL + parquet), the models used and a dataset card."""
    data = apply_overrides(read_yaml(config), overrides or [])
    task, cfg = task_config(data, source=str(config))
    out = output or Path("data") / config.stem
    start = time.perf_counter()
    counts = generate_dataset(cfg, out, workers=workers)
    seconds = time.perf_counter() - start
    typer.echo(f"{cfg.task}: wrote {out}/")
    table = Table(show_edge=False)
    for col in ("split", "examples", "files"):
        table.add_column(col)
    for split, n in counts.items():
        table.add_row(split, str(n), f"{split}.jsonl, {split}.parquet")
    console.print(table)
    for split, n in counts.items():
        asked = task.planned(cfg, split) if task.planned else n
        if n < asked:
            typer.echo(f"note: {split} has {n} of the {asked} examples asked for: some models have "
                       "fewer distinct questions that pass the filters (see dataset_card.md)")
    total = sum(counts.values())
    extras = ", ".join(p.name + ("/" if p.is_dir() else "") for p in sorted(out.iterdir())
                       if not p.name.startswith(".") and p.suffix not in (".jsonl", ".parquet"))
    typer.echo(f"also wrote {extras}")
    console.print(f"{total} examples in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f}/s)")
