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
from collections.abc import Sequence
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
from ..models.encoding import IGNORE, collate, encode
from ..tasks import Example
from ..validation import Seed, StrictConfig
from .callbacks import Callback, Callbacks, RunDirWriter, StepInfo, StopWhenPerfect
from .data import epoch_order
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
    stop_on: list[str] | None = Field(None, description="the eval sets stop_when_perfect watches "
                                      "(default: every one; e.g. [dev] keeps held-out out of it)")
    save_every: int = Field(1000, ge=1)
    max_checkpoints: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's)")
    log_rotation: str = "100 MB"
    log_retention: str = "10 days"


def train_sft(cfg: SFTConfig, resume: bool = False, progress: bool = True, overwrite: bool = False,
              callbacks: Sequence[Callback] = ()) -> Path:
    """Run SFT; returns the run directory (its ``final/`` holds the model). A folder holding a
    previous run is refused unless ``resume`` (continue it) or ``overwrite`` (replace it);
    ``callbacks`` watch the run (:mod:`.callbacks`) after the run directory's own writer."""
    run = RunDir(Path(cfg.run_dir) / cfg.name, cfg.log_rotation, cfg.log_retention)
    try:
        ckpt = run.begin(resume, overwrite, cfg, ("seed", "data", "model"))
        return _SFT(cfg, run, ckpt).train(progress, callbacks)
    finally:
        run.close()


class _SFT:
    """One SFT run: its data, model, optimizer and position; :meth:`train` runs the loop."""

    def __init__(self, cfg: SFTConfig, run: RunDir, ckpt: Path | None) -> None:
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.cfg, self.run, self.device = cfg, run, pick_device(cfg.device)
        splits, self.source = load_data(cfg.data)
        self.sets = eval_sets(splits, cfg.data.max_eval)
        unknown = sorted(set(cfg.stop_on or ()) - set(self.sets))
        if unknown:
            raise ConfigError(f"field stop_on = {cfg.stop_on}: no eval set {', '.join(unknown)}; this "
                              f"data has {', '.join(self.sets) or 'none'}")
        seed_all(cfg.seed)
        self.model, self.tok = self._model(ckpt, splits)
        run.write_config(to_yaml(cfg))
        self.examples = [encode(self.tok, e) for e in splits["train"]]
        self._check_context()
        self.micro_per_epoch = math.ceil(len(self.examples) / cfg.batch_size)
        self.steps_per_epoch = max(1, self.micro_per_epoch // cfg.optim.grad_accum)
        self.total = cfg.max_steps or max(1, int(cfg.epochs * self.steps_per_epoch))
        self.opt, self.sched = build_optimizer(self.model, cfg.optim, self.total)
        self.autocast = autocast_dtype(cfg.precision, self.device)
        self.scaler = grad_scaler(self.autocast, self.device)
        self.step, self.order = 0, (-1, np.arange(0))
        self.stopper = StopWhenPerfect(cfg.stop_when_perfect, watch=cfg.stop_on)
        if ckpt:
            state = run.restore(ckpt, self.opt, self.sched, self.scaler)
            self.step, self.stopper.streak = state["step"], state.get("perfect", 0)
            torch.set_rng_state(state["torch_rng"])

    def _model(self, ckpt: Path | None, splits: dict[str, list[Example]]):
        if ckpt or self.cfg.model.path:
            model, tok = load_pretrained(ckpt or self.cfg.model.path)
        else:
            tok = data_tokenizer(splits)
            model = build_model(self.cfg.model, tok)
        return model.to(self.device), tok

    def _check_context(self) -> None:
        longest, limit = max(len(e.ids) for e in self.examples), context_length(self.model)
        if limit and longest > limit:
            raise ConfigError(f"field model.n_positions = {limit}: the longest training example has "
                              f"{longest} tokens; raise it")

    def train(self, progress: bool, callbacks: Sequence[Callback]) -> Path:
        cfg = self.cfg
        hooks = Callbacks([RunDirWriter(self.run), self.stopper, *callbacks])
        n_params, n_emb = count_parameters(self.model)
        logger.info(f"SFT {cfg.name}: {len(self.examples)} examples from {self.source}, {self.total} "
                    f"steps, {n_params:,} parameters ({n_emb:,} in embeddings), device {self.device}")
        started = time.perf_counter()
        hooks.train_begin(self._info({}))
        with Progress(*_COLUMNS, disable=not progress, transient=True) as bar:
            job = bar.add_task("sft", total=self.total, completed=self.step, info="")
            while self.step < self.total and not hooks.control.stop:
                hooks.step_begin(self.step)
                metrics = self._optimizer_step()
                evaluate = self.step % cfg.eval_every == 0 or self.step == self.total
                if evaluate:
                    metrics |= evaluate_sets(self.model, self.tok, self.sets, cfg.eval_max_new_tokens,
                                             cfg.eval_batch_size, self.device)
                    hooks.eval(self._info(metrics | {"time/seconds": time.perf_counter() - started}))
                metrics["time/seconds"] = time.perf_counter() - started
                hooks.step(self._info(metrics))
                bar.update(job, completed=self.step, info=f"loss {metrics['train/loss']:.4f}")
                if self.step % cfg.save_every == 0 or self.step == self.total or hooks.control.stop:
                    hooks.checkpoint(self._info(metrics), self._checkpoint())
        if hooks.control.stop:
            logger.info(f"stopping at step {self.step}: {hooks.control.reason}")
        final = self.run.save_final(self.model, self.tok)
        logger.info(f"final model: {final}")
        hooks.train_end(self._info({}), final)
        return self.run.root

    def _info(self, metrics: dict[str, float]) -> StepInfo:
        return StepInfo(self.step, self.total, self.model, self.tok, metrics)

    def _micro_batch(self, micro: int) -> dict[str, torch.Tensor]:
        """The ``micro``-th micro-batch of the current step (a function of (seed, epoch))."""
        cfg = self.cfg
        epoch, offset = divmod(self.step * cfg.optim.grad_accum + micro, self.micro_per_epoch)
        if epoch != self.order[0]:
            self.order = (epoch, epoch_order(len(self.examples), cfg.seed, epoch))
        at = offset * cfg.batch_size
        batch = collate([self.examples[i] for i in self.order[1][at : at + cfg.batch_size]],
                        self.tok.pad_token_id)
        return {k: v.to(self.device) for k, v in batch.items()}

    def _optimizer_step(self) -> dict[str, float]:
        cfg, model = self.cfg, self.model
        model.train()
        self.opt.zero_grad(set_to_none=True)
        loss_sum, tokens = 0.0, 0
        for micro in range(cfg.optim.grad_accum):
            batch = self._micro_batch(micro)
            with torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None):
                loss = model(**batch).loss
            self.scaler.scale(loss / cfg.optim.grad_accum).backward()
            loss_sum += loss.detach().item()
            tokens += int((batch["labels"] != IGNORE).sum())
        self.scaler.unscale_(self.opt)
        grad_norm = (torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.grad_clip)
                     if cfg.optim.grad_clip > 0 else torch.tensor(0.0))
        self.scaler.step(self.opt)
        self.scaler.update()
        self.sched.step()
        self.step += 1
        return {"train/loss": loss_sum / cfg.optim.grad_accum, "train/lr": self.sched.get_last_lr()[0],
                "train/grad_norm": float(grad_norm), "train/tokens": tokens,
                "train/epoch": self.step / self.steps_per_epoch}

    def _checkpoint(self) -> Path:
        state = {"optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                 "step": self.step, "scaler": self.scaler.state_dict(),
                 "perfect": self.stopper.streak, "torch_rng": torch.get_rng_state()}
        return self.run.save_checkpoint(self.step, self.model, self.tok, state, self.cfg.max_checkpoints)


_COLUMNS = (TextColumn("sft"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
            TimeRemainingColumn())
