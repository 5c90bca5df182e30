"""``reasonlab train sft|rl CONFIG.yaml [key=value ...] [--resume]``.

``train rl`` also takes the options of the LLM causal-reasoning study's ``train.sh`` (verl;
docs/origins.md) as aliases of config
fields: ``--model_path`` -> ``init``, ``--batch_size`` -> ``rollout.prompts_per_step``,
``--n_rollout`` -> ``rollout.n``, ``--per_gpu_batch_size`` -> ``micro_batch_size``, ``--lr`` ->
``optim.lr``, ``--max_prompt_length`` -> ``max_prompt_length`` (longer prompts are dropped, as
verl's ``filter_overlong_prompts``), ``--max_response_length`` -> ``rollout.max_new_tokens``,
``--total_steps`` -> ``steps``, ``--epochs`` -> ``epochs`` (passes over the prompts; caps the
steps), ``--max_checkpoints``, ``--save_freq`` -> ``save_every``, ``--eval_freq`` ->
``eval_every``, ``--graph_spec`` -> ``data.path`` (a dataset folder written by ``reasonlab
generate``), ``--ngpus`` (1; one process per run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import apply_overrides, read_yaml, validate

app = typer.Typer(help="Train models: supervised fine-tuning and RL from verifiable rewards.",
                  no_args_is_help=True)


@app.command("sft")
def sft(
    config: Annotated[Path, typer.Argument(help="SFT config (YAML), e.g. configs/boolean_sft.yaml")],
    overrides: Annotated[list[str] | None, typer.Argument(
        help="field overrides, e.g. seed=1 max_steps=100")] = None,
    resume: Annotated[bool, typer.Option(help="continue from the run's last checkpoint")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace a previous run of this name")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Supervised fine-tuning; writes runs/<name>/ (config, metrics, TensorBoard, logs,
    checkpoints, final/)."""
    from ..train.sft import SFTConfig, train_sft  # torch/transformers load only when training

    cfg = validate(SFTConfig, apply_overrides(read_yaml(config), overrides or []), str(config))
    _report(train_sft(cfg, resume=resume, progress=progress, overwrite=overwrite), "model",
            ("eval/", "test/"))


_SEED_FLAGS = {"model_path": "init", "batch_size": "rollout.prompts_per_step",
               "n_rollout": "rollout.n", "per_gpu_batch_size": "micro_batch_size", "lr": "optim.lr",
               "max_prompt_length": "max_prompt_length", "max_response_length": "rollout.max_new_tokens",
               "total_steps": "steps", "epochs": "epochs", "max_checkpoints": "max_checkpoints",
               "save_freq": "save_every", "eval_freq": "eval_every", "graph_spec": "data.path"}

def _seed_flag(name: str):
    """A ``train.sh`` option of the LLM causal-reasoning study (docs/origins.md), spelled as there
    (``--model_path``) or typer's way (``--model-path``)."""
    decls = dict.fromkeys([f"--{name}", f"--{name.replace('_', '-')}"])
    return Annotated[str | None, typer.Option(*decls, show_default=False,
                                              help=f"alias of {_SEED_FLAGS[name]}")]


@app.command("rl")
def rl(
    config: Annotated[Path, typer.Argument(help="RL config (YAML), e.g. configs/rl/grpo_boolean.yaml")],
    overrides: Annotated[list[str] | None, typer.Argument(
        help="field overrides, e.g. algorithm.kl_coef=0.04 steps=50")] = None,
    resume: Annotated[bool, typer.Option(help="continue from the run's last checkpoint")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace a previous run of this name")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    ngpus: Annotated[int, typer.Option(help="GPUs (the original train.sh); one process uses one")] = 1,
    model_path: _seed_flag("model_path") = None,
    batch_size: _seed_flag("batch_size") = None,
    per_gpu_batch_size: _seed_flag("per_gpu_batch_size") = None,
    lr: _seed_flag("lr") = None,
    n_rollout: _seed_flag("n_rollout") = None,
    max_prompt_length: _seed_flag("max_prompt_length") = None,
    max_response_length: _seed_flag("max_response_length") = None,
    total_steps: _seed_flag("total_steps") = None,
    epochs: _seed_flag("epochs") = None,
    max_checkpoints: _seed_flag("max_checkpoints") = None,
    graph_spec: _seed_flag("graph_spec") = None,
    save_freq: _seed_flag("save_freq") = None,
    eval_freq: _seed_flag("eval_freq") = None,
) -> None:
    """RL from verifiable rewards (GRPO, DAPO, Dr.GRPO, RLOO, SPO, RaML k-of-n); writes
    runs/<name>/ like SFT. The original causal-reasoning study's train.sh options
    are aliases of config fields (see --help and docs/presets.md)."""
    from ..train.rl import RLConfig, train_rl

    if ngpus != 1:
        raise typer.BadParameter(f"--ngpus {ngpus}: reasonlab train rl runs one process on one "
                                 "device; use --ngpus 1 (cluster runs go through the VeRL bridge)",
                                 param_hint="--ngpus")
    given = {"model_path": model_path, "batch_size": batch_size, "per_gpu_batch_size": per_gpu_batch_size,
             "lr": lr, "n_rollout": n_rollout, "max_prompt_length": max_prompt_length,
             "max_response_length": max_response_length, "total_steps": total_steps,
             "epochs": epochs, "max_checkpoints": max_checkpoints, "graph_spec": graph_spec,
             "save_freq": save_freq, "eval_freq": eval_freq}
    data = read_yaml(config)
    if graph_spec is not None:
        data["data"] = {k: v for k, v in (data.get("data") or {}).items() if k != "task"}
    flags = [f"{_SEED_FLAGS[k]}={v}" for k, v in given.items() if v is not None]
    cfg = validate(RLConfig, apply_overrides(data, flags + (overrides or [])), str(config))
    _report(train_rl(cfg, resume=resume, progress=progress, overwrite=overwrite), "policy",
            ("eval/", "test/", "train/score"))


def _report(root: Path, what: str, prefixes: tuple[str, ...]) -> None:
    """Where the run went and its last evaluation."""
    import json

    path = root / "metrics.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()] if path.is_file() else []
    last = next((m for m in reversed(rows) if "test/score" in m), None)
    typer.echo(f"run: {root}/ (final {what} in {root}/final/)")
    if last:
        shown = ", ".join(f"{k}={v:.3f}" for k, v in last.items() if k.startswith(prefixes))
        typer.echo(f"last eval (step {last['step']}): {shown}")
