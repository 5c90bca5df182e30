"""``reasonlab train sft CONFIG.yaml [key=value ...] [--resume]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import apply_overrides, read_yaml, validate

app = typer.Typer(help="Train models: supervised fine-tuning (RL lands later).", no_args_is_help=True)


@app.command("sft")
def sft(
    config: Annotated[Path, typer.Argument(help="SFT config (YAML), e.g. configs/boolean_sft.yaml")],
    overrides: Annotated[list[str] | None, typer.Argument(
        help="field overrides, e.g. seed=1 max_steps=100")] = None,
    resume: Annotated[bool, typer.Option(help="continue from the run's last checkpoint")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Supervised fine-tuning; writes runs/<name>/ (config, metrics, TensorBoard, logs,
    checkpoints, final/)."""
    from ..train.sft import SFTConfig, train_sft  # torch/transformers load only when training

    cfg = validate(SFTConfig, apply_overrides(read_yaml(config), overrides or []), str(config))
    root = train_sft(cfg, resume=resume, progress=progress)
    last = next((m for m in reversed(_metrics(root)) if "test/score" in m), None)
    typer.echo(f"run: {root}/ (final model in {root}/final/)")
    if last:
        shown = ", ".join(f"{k}={v:.3f}" for k, v in last.items() if k.startswith(("eval/", "test/")))
        typer.echo(f"last eval (step {last['step']}): {shown}")


def _metrics(root: Path) -> list[dict]:
    import json

    path = root / "metrics.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.is_file() else []
