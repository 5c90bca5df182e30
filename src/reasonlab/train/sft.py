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
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from loguru import logger
from pydantic import Field
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import ConfigError, to_yaml
from ..data.sources import DataConfig, eval_sets, load_data
from ..eval.sets import evaluate_sets
from ..models import (
    ModelConfig,
    build_model,
    context_length,
    count_parameters,
    data_tokenizer,
    load_pretrained,
)
from ..validation import Seed, StrictConfig
from .data import collate, encode, epoch_order
from .device import autocast_dtype, grad_scaler, pick_device, seed_all
from .optim import OptimConfig, build_optimizer
from .rundir import RunDir


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
                metrics |= evaluate_sets(model, tok, sets, cfg.eval_max_new_tokens, cfg.eval_batch_size,
                                          device)
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
