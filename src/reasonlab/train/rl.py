"""The RL loop: rollout -> reward -> filter -> advantages -> PPO-style update, with evals,
checkpoints and resume. Objectives come from :mod:`reasonlab.objectives` by name.

One RL step samples ``rollout.n`` completions for ``rollout.prompts_per_step`` prompts
(:mod:`.rollout`), scores them with the task verifier (plus DAPO overlong shaping, or a KL
penalty folded into the reward), drops groups by the filters (DAPO dynamic sampling refills the
batch with fresh prompts, at most ``filter.max_refills`` extra rounds; the correctness window),
computes group advantages from all n rollouts, then runs ``ppo_epochs`` passes of
``minibatches`` optimizer steps. Each minibatch's loss is aggregated over that minibatch's
counts (tokens / sequences / constant length), split into micro-batches only for memory. The
policy gradient's row mask carries RaML's k-of-n selection and SPO's correct-only rows; the
entropy and KL terms use the full completion mask unless ``algorithm.aux_mask = pg``. A
minibatch with nothing to learn from (e.g. SPO with no correct sequence) takes no optimizer step,
so the parameters are unchanged, as in the released SPO code.

Old log-probs are the ones recorded while sampling (no recomputation pass); on the first
minibatch of an on-policy step they equal the current ones up to float error, so the ratio is 1
and its gradient is ``grad logp``. Current log-probs come from :mod:`.logprobs`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from loguru import logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import ConfigError, to_yaml
from ..data.sources import eval_sets, load_data
from ..eval.sets import evaluate_sets
from ..models import load_pretrained
from ..models.encoding import prompt_ids
from ..tasks import Example
from .callbacks import Callback, Callbacks, Control, RunDirWriter, StepInfo
from .device import autocast_dtype, grad_scaler, pick_device, seed_all
from .optim import build_optimizer
from .rl_config import RLConfig
from .rl_step import Batcher, Learner, build_batch, update
from .rundir import RunDir

__all__ = ["RLConfig", "init_folder", "train_rl"]


def init_folder(path: str) -> Path:
    """An SFT run folder means its ``final/``; anything else must be a model folder."""
    p = Path(path)
    if (p / "final" / "config.json").is_file():
        return p / "final"
    if (p / "config.json").is_file():
        return p
    raise ConfigError(f"field init = {path!r}: neither an SFT run folder (with final/) nor a "
                      "model folder (with config.json); train one with `reasonlab train sft`")


def _fitting(prompts: list[Example], tok, limit: int | None) -> list[Example]:
    if limit is None:
        return prompts
    kept = [e for e in prompts if len(prompt_ids(tok, e)) <= limit]
    if not kept:
        raise ConfigError(f"field max_prompt_length = {limit}: every prompt is longer; raise it")
    if len(kept) < len(prompts):
        logger.info(f"max_prompt_length {limit}: dropped {len(prompts) - len(kept)} longer prompts")
    return kept


def _steps(cfg: RLConfig, n_prompts: int) -> int:
    if cfg.epochs is None:
        return cfg.steps
    return max(1, min(cfg.steps, math.ceil(cfg.epochs * n_prompts / cfg.rollout.prompts_per_step)))


_PINNED = ("seed", "init", "data", "reward", "algorithm")  # what a checkpoint was trained with


def train_rl(cfg: RLConfig, resume: bool = False, progress: bool = True, overwrite: bool = False,
             callbacks: Sequence[Callback] = ()) -> Path:
    """Run RL; returns the run directory (its ``final/`` holds the policy). A folder holding a
    previous run is refused unless ``resume`` or ``overwrite``; ``callbacks`` watch the run."""
    run = RunDir(Path(cfg.run_dir) / cfg.name, cfg.log_rotation, cfg.log_retention)
    try:
        ckpt = run.begin(resume, overwrite, cfg, _PINNED)
        return _RL(cfg, run, ckpt).train(progress, callbacks)
    finally:
        run.close()


class _RL:
    """One RL run: prompts, eval sets, the learner and the position; :meth:`train` loops."""

    def __init__(self, cfg: RLConfig, run: RunDir, ckpt: Path | None) -> None:
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.cfg, self.run, device = cfg, run, pick_device(cfg.device)
        splits, self.source = load_data(cfg.data)
        prompts, self.sets = splits["train"], eval_sets(splits, cfg.data.max_eval)
        seed_all(cfg.seed)
        model, tok = load_pretrained(ckpt or init_folder(cfg.init))
        model.to(device)
        run.write_config(to_yaml(cfg))
        self.prompts = _fitting(prompts, tok, cfg.max_prompt_length)
        self.steps = _steps(cfg, len(self.prompts))
        opt, sched = build_optimizer(model, cfg.optim, self.steps * cfg.ppo_epochs * cfg.minibatches)
        autocast = autocast_dtype(cfg.precision, device)
        self.learner = Learner(model, self._reference(device), tok, opt, sched,
                               grad_scaler(autocast, device), autocast, device, cfg.algorithm.policy())
        self.batcher, self.step = Batcher(self.prompts, cfg.seed), 0
        if ckpt:
            state = run.restore(ckpt, opt, sched, self.learner.scaler)
            self.step, self.batcher.cursor = state["step"], state["cursor"]

    def _reference(self, device: torch.device):
        """The frozen initial policy, when a KL term needs it."""
        if self.cfg.algorithm.kl_coef <= 0:
            return None
        ref, _ = load_pretrained(init_folder(self.cfg.init))
        return ref.to(device).eval().requires_grad_(False)

    def train(self, progress: bool, callbacks: Sequence[Callback]) -> Path:
        cfg, learner = self.cfg, self.learner
        hooks = Callbacks([RunDirWriter(self.run), *_wandb(cfg, self.run), *callbacks])
        a = cfg.algorithm
        logger.info(f"RL {cfg.name}: {a.policy_loss}/{a.advantage}/{a.aggregation}, {len(self.prompts)} "
                    f"prompts from {self.source}, {self.steps} steps of {cfg.rollout.prompts_per_step}"
                    f"x{cfg.rollout.n} rollouts, device {learner.device}")
        started = time.perf_counter()
        hooks.train_begin(self._info({}))
        if self.step == 0:  # the baseline: every run's own metrics start with the initial policy
            self._eval({}, started, hooks)
        with Progress(*_COLUMNS, disable=not progress, transient=True) as bar:
            job = bar.add_task("rl", total=self.steps, completed=self.step, info="")
            while self.step < self.steps and not hooks.control.stop:
                hooks.step_begin(self.step)
                t0 = time.perf_counter()
                batch, metrics = build_batch(learner, self.batcher, cfg, self.step)
                metrics |= update(learner, batch, cfg, self.step)
                self.step += 1
                metrics["time/step"] = time.perf_counter() - t0
                metrics["time/seconds"] = time.perf_counter() - started
                if self.step % cfg.eval_every == 0 or self.step == self.steps:
                    self._eval(metrics, started, hooks)
                else:
                    hooks.step(self._info(metrics))
                bar.update(job, completed=self.step, info=f"score {metrics['train/score']:.3f}")
                if self.step % cfg.save_every == 0 or self.step == self.steps or hooks.control.stop:
                    hooks.checkpoint(self._info(metrics), self._checkpoint())
        final = self.run.save_final(learner.model, learner.tok)
        logger.info(f"final policy: {final}")
        hooks.train_end(self._info({}), final)
        return self.run.root

    def _eval(self, metrics: dict[str, float], started: float, hooks: Callbacks) -> None:
        """Evaluate, add the results to this step's row, and report it (eval, then step)."""
        lr = self.learner
        metrics |= evaluate_sets(lr.model, lr.tok, self.sets, self.cfg.eval_max_new_tokens,
                                 self.cfg.eval_batch_size, lr.device, self.cfg.reward)
        metrics["time/seconds"] = time.perf_counter() - started
        hooks.eval(self._info(metrics))
        hooks.step(self._info(metrics))

    def _info(self, metrics: dict[str, float]) -> StepInfo:
        return StepInfo(self.step, self.steps, self.learner.model, self.learner.tok, metrics)

    def _checkpoint(self) -> Path:
        lr = self.learner
        state = {"optimizer": lr.opt.state_dict(), "scheduler": lr.sched.state_dict(),
                 "scaler": lr.scaler.state_dict(), "step": self.step, "cursor": self.batcher.cursor}
        return self.run.save_checkpoint(self.step, lr.model, lr.tok, state, self.cfg.max_checkpoints)


_COLUMNS = (TextColumn("rl"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
            TimeRemainingColumn())


class _Wandb(Callback):
    """Also log each metrics row to wandb (offline)."""

    def __init__(self, session) -> None:
        self.session = session

    def on_step(self, info: StepInfo, control: Control) -> None:
        self.session.log(info.metrics, step=info.step)

    def on_train_end(self, info: StepInfo, final: Path, control: Control) -> None:
        self.session.finish()


def _wandb(cfg: RLConfig, run: RunDir) -> list[Callback]:
    if not cfg.wandb:
        return []
    try:
        import wandb
    except ImportError:
        raise ConfigError("field wandb = true but wandb is not installed; pip install wandb, or "
                          "set wandb=false (metrics.jsonl and TensorBoard are always written)") from None
    return [_Wandb(wandb.init(mode="offline", dir=str(run.root), name=cfg.name,
                              config=cfg.model_dump(mode="json")))]

