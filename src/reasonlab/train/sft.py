"""Supervised fine-tuning: tiny models from scratch on a CPU, or local checkpoints on a GPU.

Loss on completion tokens only (:mod:`.data`), dynamic padding, AdamW with warmup then a
cosine/linear/constant schedule, gradient clipping and accumulation, bf16 autocast on CUDA (fp32
on CPU). Every ``eval_every`` optimizer steps: greedy generation on the dev prompts and on the
held-out ones (for boolean worlds, the omitted inputs), scored by the task's verifier and logged
as ``eval/<set>/exact`` and ``eval/<set>/reward``; ``test/score`` is the held-out reward.
Checkpoints every ``save_every`` steps; ``resume=True`` continues from the last one and ends with
the same weights as an uninterrupted run (the data order is a function of (seed, epoch)).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from loguru import logger
from pydantic import Field, model_validator
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import ConfigError, to_yaml
from ..data.writer import read_split
from ..eval.generation import generate, score
from ..models import (
    ModelConfig,
    alphabet,
    build_model,
    char_tokenizer,
    context_length,
    count_parameters,
    load_pretrained,
)
from ..tasks import Example, task_config
from ..validation import Seed, StrictConfig
from .data import collate, encode, epoch_order
from .device import autocast_dtype, grad_scaler, pick_device, seed_all
from .optim import OptimConfig, build_optimizer
from .rundir import RunDir


class DataConfig(StrictConfig):
    """A dataset folder written by ``reasonlab generate``, or a task config generated in memory."""

    path: str | None = None
    format: Literal["reasonlab", "causal-experiment"] = Field(
        "reasonlab", description="causal-experiment: the seed's {prompt, completion} files "
        "train/valid/test.jsonl of its built-in world")
    task: dict[str, Any] | None = None
    max_eval: int = Field(256, ge=1, description="distinct prompts per eval set")

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.path is None) == (self.task is None):
            raise ValueError("give exactly one of data.path (a generated dataset folder) or "
                             "data.task (a task config, generated in memory)")
        return self


class SFTConfig(StrictConfig):
    name: str = Field("sft", pattern=r"^[A-Za-z0-9_.-]+$")
    run_dir: str = "runs"
    seed: Seed = 0
    data: DataConfig
    model: ModelConfig = ModelConfig()
    batch_size: int = Field(16, ge=1)
    epochs: float = Field(3.0, gt=0)
    max_steps: int | None = Field(None, ge=1, description="optimizer steps; overrides epochs")
    optim: OptimConfig = OptimConfig()
    eval_every: int = Field(200, ge=1)
    eval_batch_size: int = Field(64, ge=1)
    eval_max_new_tokens: int | None = Field(None, ge=1, description="default: longest gold + 4")
    stop_when_perfect: int = Field(0, ge=0, description="stop after this many evals in a row "
                                   "with every eval set at 100% exact (0: never)")
    save_every: int = Field(1000, ge=1)
    max_checkpoints: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's)")
    log_rotation: str = "100 MB"
    log_retention: str = "10 days"


@dataclass
class Splits:
    train: list[Example]
    evals: dict[str, list[Example]]  # eval set name -> distinct-prompt examples


def load_data(cfg: DataConfig) -> tuple[dict[str, list[Example]], str]:
    """Every split's examples and a description of the source."""
    if cfg.path is not None and cfg.format == "causal-experiment":
        from ..tasks.boolean_world.seed_files import read_seed_dataset

        return read_seed_dataset(Path(cfg.path)), f"{cfg.path} (causal-experiment format)"
    if cfg.path is not None:
        folder = Path(cfg.path)
        splits = {s: read_split(folder, s) for s in ("train", "dev", "test")
                  if (folder / f"{s}.jsonl").is_file()}
        if "train" not in splits:
            raise ConfigError(f"field data.path = {cfg.path!r}: no train.jsonl there; write one "
                              "with `reasonlab generate CONFIG -o DIR`")
        return splits, str(folder)
    task, config = task_config(cfg.task, source="field data.task")
    return {s: list(task.iter_split(config, s)) for s in ("train", "dev", "test")}, task.name


def eval_sets(splits: dict[str, list[Example]], max_eval: int) -> dict[str, list[Example]]:
    """``dev`` and ``held_out`` (test examples marked held out; else ``test``), one example per
    distinct prompt, at most ``max_eval`` each."""
    def distinct(examples: list[Example]) -> list[Example]:
        seen: dict[str, Example] = {}
        for e in examples:
            seen.setdefault(e.text(), e)
        return list(seen.values())[:max_eval]

    out = {}
    if splits.get("dev"):
        out["dev"] = distinct(splits["dev"])
    test = splits.get("test", [])
    held = [e for e in test if e.meta.get("held_out")]
    if held:
        out["held_out"] = distinct(held)
    elif test:
        out["test"] = distinct(test)
    return out


def data_tokenizer(splits: dict[str, list[Example]]):
    """A character tokenizer over every split's prompts and completions (a fresh model's)."""
    return char_tokenizer(alphabet([t for s in splits.values() for e in s for t in (e.text(), e.completion)]))


def evaluate_sets(model, tok, sets: dict[str, list[Example]], cfg: SFTConfig,
                  device: torch.device) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for name, examples in sets.items():
        longest = max(len(tok(e.completion, add_special_tokens=False)["input_ids"]) for e in examples)
        texts = generate(model, tok, examples, cfg.eval_max_new_tokens or longest + 4,
                         batch_size=cfg.eval_batch_size, device=device)
        results = score(examples, [t[0] for t in texts])
        metrics[f"eval/{name}/exact"] = sum(r.score.correct for r in results) / len(results)
        metrics[f"eval/{name}/reward"] = sum(r.score.reward for r in results) / len(results)
        lengths = [len(ids) for ids in tok([t[0] for t in texts], add_special_tokens=False)["input_ids"]]
        metrics[f"eval/{name}/response_length"] = sum(lengths) / len(lengths)
    test = "held_out" if "held_out" in sets else "test" if "test" in sets else None
    if test:
        metrics["test/score"] = metrics[f"eval/{test}/reward"]
        metrics["test/avg_response_length"] = metrics[f"eval/{test}/response_length"]
    return metrics


def train_sft(cfg: SFTConfig, resume: bool = False, progress: bool = True) -> Path:
    """Run SFT; returns the run directory (its ``final/`` holds the model)."""
    run = RunDir(Path(cfg.run_dir) / cfg.name, cfg.log_rotation, cfg.log_retention)
    try:
        return _train(cfg, run, resume, progress)
    finally:
        run.close()


def _train(cfg: SFTConfig, run: RunDir, resume: bool, progress: bool) -> Path:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    splits, source = load_data(cfg.data)
    sets = eval_sets(splits, cfg.data.max_eval)
    ckpt = run.begin(resume, cfg, ("seed", "data", "model"))
    seed_all(cfg.seed)
    if ckpt:
        model, tok = load_pretrained(ckpt)
    elif cfg.model.path:
        model, tok = load_pretrained(cfg.model.path)
    else:
        tok = data_tokenizer(splits)
        model = build_model(cfg.model, tok)
    model.to(device)
    run.write_config(to_yaml(cfg))
    train = [encode(tok, e) for e in splits["train"]]
    longest = max(len(e.ids) for e in train)
    limit = context_length(model)
    if limit and longest > limit:
        raise ConfigError(f"field model.n_positions = {limit}: the longest training example has "
                          f"{longest} tokens; raise it")
    micro_per_epoch = math.ceil(len(train) / cfg.batch_size)
    steps_per_epoch = max(1, micro_per_epoch // cfg.optim.grad_accum)
    total = cfg.max_steps or max(1, int(cfg.epochs * steps_per_epoch))
    opt, sched = build_optimizer(model, cfg.optim, total)
    autocast = autocast_dtype(cfg.precision, device)
    scaler = grad_scaler(autocast, device)
    step, perfect = 0, 0
    if ckpt:
        state = run.restore(ckpt, opt, sched, scaler)
        step, perfect = state["step"], state.get("perfect", 0)
        torch.set_rng_state(state["torch_rng"])
    n_params, n_emb = count_parameters(model)
    logger.info(f"SFT {cfg.name}: {len(train)} examples from {source}, {total} steps, "
                f"{n_params:,} parameters ({n_emb:,} in embeddings), device {device}")
    columns = (TextColumn("sft"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
               TimeRemainingColumn())
    started = time.perf_counter()
    order, order_epoch = np.arange(0), -1
    with Progress(*columns, disable=not progress, transient=True) as bar:
        job = bar.add_task("sft", total=total, completed=step, info="")
        while step < total:
            model.train()
            opt.zero_grad(set_to_none=True)
            loss_sum, tokens = 0.0, 0
            for micro in range(cfg.optim.grad_accum):
                epoch, offset = divmod(step * cfg.optim.grad_accum + micro, micro_per_epoch)
                if epoch != order_epoch:
                    order, order_epoch = epoch_order(len(train), cfg.seed, epoch), epoch
                at = offset * cfg.batch_size
                batch = collate([train[i] for i in order[at : at + cfg.batch_size]], tok.pad_token_id)
                batch = {k: v.to(device) for k, v in batch.items()}
                with torch.autocast(device.type, dtype=autocast, enabled=autocast is not None):
                    loss = model(**batch).loss
                scaler.scale(loss / cfg.optim.grad_accum).backward()
                loss_sum += loss.detach().item()
                tokens += int((batch["labels"] != -100).sum())
            scaler.unscale_(opt)
            grad_norm = (torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.grad_clip)
                         if cfg.optim.grad_clip > 0 else torch.tensor(0.0))
            scaler.step(opt)
            scaler.update()
            sched.step()
            step += 1
            metrics = {"train/loss": loss_sum / cfg.optim.grad_accum, "train/lr": sched.get_last_lr()[0],
                       "train/grad_norm": float(grad_norm), "train/tokens": tokens,
                       "train/epoch": step / steps_per_epoch}
            if step % cfg.eval_every == 0 or step == total:
                metrics |= evaluate_sets(model, tok, sets, cfg, device)
                exact = [v for k, v in metrics.items() if k.endswith("/exact")]
                perfect = perfect + 1 if exact and min(exact) == 1.0 else 0
                metrics["time/seconds"] = time.perf_counter() - started
                logger.info(f"step {step}: " + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
            run.log_metrics(step, metrics)
            bar.update(job, completed=step, info=f"loss {metrics['train/loss']:.4f}")
            stop = cfg.stop_when_perfect and perfect >= cfg.stop_when_perfect
            if step % cfg.save_every == 0 or step == total or stop:
                run.save_checkpoint(step, model, tok, {
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "step": step,
                    "scaler": scaler.state_dict(),
                    "perfect": perfect, "torch_rng": torch.get_rng_state()}, cfg.max_checkpoints)
            if stop:
                logger.info(f"every eval set at 100% exact for {perfect} evals: stopping at step {step}")
                break
    final = run.save_final(model, tok)
    logger.info(f"final model: {final}")
    return run.root
