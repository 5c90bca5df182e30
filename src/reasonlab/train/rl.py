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
from dataclasses import replace
from pathlib import Path

import torch
from loguru import logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import ConfigError, to_yaml
from ..data.sources import eval_sets, load_data
from ..eval.sets import evaluate_sets
from ..models import load_pretrained
from ..models.encoding import prompt_ids
from ..tasks import Example, get_task
from .device import autocast_dtype, grad_scaler, pick_device, seed_all
from .optim import build_optimizer
from .rl_config import RLConfig
from .rl_step import Batcher, build_batch, update
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


def _with_reward(examples: list[Example], reward: str | None) -> list[Example]:
    """The examples with ``meta["reward"]`` set to ``reward`` (checked against each task)."""
    if reward is None:
        return examples
    for name in sorted({e.task for e in examples}):
        offered = get_task(name).rewards
        if reward not in offered:
            raise ConfigError(f"field reward = {reward!r}: task {name} offers {', '.join(offered)}")
    return [replace(e, meta={**e.meta, "reward": reward}) for e in examples]


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


def train_rl(cfg: RLConfig, resume: bool = False, progress: bool = True) -> Path:
    """Run RL; returns the run directory (its ``final/`` holds the policy)."""
    run = RunDir(Path(cfg.run_dir) / cfg.name, cfg.log_rotation, cfg.log_retention)
    try:
        return _train(cfg, run, resume, progress)
    finally:
        run.close()


def _train(cfg: RLConfig, run: RunDir, resume: bool, progress: bool) -> Path:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    splits, source = load_data(cfg.data)
    prompts = _with_reward(splits["train"], cfg.reward)
    sets = {k: _with_reward(v, cfg.reward) for k, v in eval_sets(splits, cfg.data.max_eval).items()}
    ckpt = run.begin(resume, cfg, ("seed", "init", "data", "reward", "algorithm"))
    seed_all(cfg.seed)
    model, tok = load_pretrained(ckpt or init_folder(cfg.init))
    model.to(device)
    ref = None
    if cfg.algorithm.kl_coef > 0:
        ref_model, _ = load_pretrained(init_folder(cfg.init))
        ref = ref_model.to(device).eval().requires_grad_(False)
    run.write_config(to_yaml(cfg))
    prompts = _fitting(prompts, tok, cfg.max_prompt_length)
    steps = _steps(cfg, len(prompts))
    total_opt = steps * cfg.ppo_epochs * cfg.minibatches
    opt, sched = build_optimizer(model, cfg.optim, total_opt)
    autocast = autocast_dtype(cfg.precision, device)
    scaler = grad_scaler(autocast, device)
    batcher = Batcher(prompts, cfg.seed)
    step = 0
    if ckpt:
        state = run.restore(ckpt, opt, sched, scaler)
        step, batcher.cursor = state["step"], state["cursor"]
    logger.info(f"RL {cfg.name}: {cfg.algorithm.policy_loss}/{cfg.algorithm.advantage}/"
                f"{cfg.algorithm.aggregation}, {len(prompts)} prompts from {source}, {steps} "
                f"steps of {cfg.rollout.prompts_per_step}x{cfg.rollout.n} rollouts, device {device}")
    wandb = _wandb(cfg, run)
    columns = (TextColumn("rl"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[info]}"), TimeRemainingColumn())
    started = time.perf_counter()
    with Progress(*columns, disable=not progress, transient=True) as bar:
        job = bar.add_task("rl", total=steps, completed=step, info="")
        while step < steps:
            t0 = time.perf_counter()
            batch, metrics = build_batch(model, tok, ref, batcher, cfg, step, device, autocast)
            metrics |= update(model, ref, batch, cfg, step, opt, sched, scaler, autocast, device)
            step += 1
            metrics["time/step"] = time.perf_counter() - t0
            if step % cfg.eval_every == 0 or step == steps:
                metrics |= evaluate_sets(model, tok, sets, cfg.eval_max_new_tokens, cfg.eval_batch_size,
                                          device)
                metrics["time/seconds"] = time.perf_counter() - started
                logger.info(f"step {step}: " + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
            run.log_metrics(step, metrics)
            if wandb is not None:
                wandb.log(metrics, step=step)
            bar.update(job, completed=step, info=f"score {metrics['train/score']:.3f}")
            if step % cfg.save_every == 0 or step == steps:
                run.save_checkpoint(step, model, tok, {
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "scaler": scaler.state_dict(), "step": step, "cursor": batcher.cursor},
                    cfg.max_checkpoints)
    if wandb is not None:
        wandb.finish()
    final = run.save_final(model, tok)
    logger.info(f"final policy: {final}")
    return run.root


def _wandb(cfg: RLConfig, run: RunDir):
    if not cfg.wandb:
        return None
    try:
        import wandb
    except ImportError:
        raise ConfigError("field wandb = true but wandb is not installed; pip install wandb, or "
                          "set wandb=false (metrics.jsonl and TensorBoard are always written)") from None
    return wandb.init(mode="offline", dir=str(run.root), name=cfg.name,
                      config=cfg.model_dump(mode="json"))

