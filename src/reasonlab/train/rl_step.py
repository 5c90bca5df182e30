"""One RL step's two halves: building the rollout batch, and the update on it.

:func:`build_batch` samples, scores, shapes and filters groups (refilling for DAPO's dynamic
sampling); :func:`update` computes the group advantages and runs the PPO epochs and minibatches
with the objective's per-token loss, entropy and KL terms (see :mod:`.rl` for the conventions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..objectives import (
    ADVANTAGES,
    KL_ESTIMATORS,
    PolicyInputs,
    PolicyLoss,
    advantage_options,
    combine,
    entropy,
    overlong_penalty,
    select_rollouts,
    truncation_mask,
    varied_groups,
    window_groups,
)
from ..tasks import Example
from ..validation import seed_sequence
from .data import epoch_order
from .logprobs import policy_logp
from .rl_config import RLConfig
from .rollout import RolloutBatch, concat, sample, score


@dataclass
class Batcher:
    """Prompts in a seeded order, epoch after epoch; ``cursor`` counts prompts handed out."""

    prompts: list[Example]
    seed: int
    cursor: int = 0
    _order: tuple[int, np.ndarray] = field(default=(-1, np.arange(0)), repr=False)

    def take(self, k: int) -> list[Example]:
        out = []
        for _ in range(k):
            epoch, at = divmod(self.cursor, len(self.prompts))
            if self._order[0] != epoch:
                self._order = (epoch, epoch_order(len(self.prompts), self.seed, epoch))
            out.append(self.prompts[int(self._order[1][at])])
            self.cursor += 1
        return out


@dataclass
class Learner:
    """What the step functions train and sample with: the policy, its frozen reference (for a
    KL term; None without one), tokenizer, optimizer, schedule, loss scaler, autocast dtype,
    device, and the policy loss built from the config."""

    model: Any
    ref: Any
    tok: Any
    opt: torch.optim.Optimizer
    sched: Any
    scaler: Any
    autocast: torch.dtype | None
    device: torch.device
    loss: PolicyLoss

    def autocasting(self):
        return torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None)


@dataclass
class _Terms:
    """The per-row quantities every micro-batch of an update reads: advantages ``(B,)``, the
    policy-gradient and auxiliary masks ``(B, T)``, and the minibatch counts that normalise."""

    adv: torch.Tensor
    pg_mask: torch.Tensor
    aux_mask: torch.Tensor
    counts: dict[str, float] = field(default_factory=dict)
    aux_counts: dict[str, float] = field(default_factory=dict)


def _generator(seed: int, step: int, round_: int, device: torch.device) -> torch.Generator:
    state = seed_sequence(seed, "rl/rollout", step, round_).generate_state(2, np.uint64)
    return torch.Generator(device=device).manual_seed(int(state[0] % (2**63)))


def _kl_tokens(ref, rows: dict[str, torch.Tensor], logp: torch.Tensor, cfg: RLConfig) -> torch.Tensor:
    """Per-token KL estimate ``(b, T)`` of the policy (``logp``) against the frozen reference."""
    with torch.no_grad():
        ref_logp, _ = policy_logp(ref, rows["input_ids"], rows["attention_mask"],
                                  rows["position_ids"], rows["actions"], cfg.rollout.temperature,
                                  groups=rows["groups"])
    return KL_ESTIMATORS[cfg.algorithm.kl_estimator](logp, ref_logp)


_MODEL_INPUTS = ("input_ids", "attention_mask", "position_ids", "actions", "old_logp")


def _inputs(batch: RolloutBatch, rows: torch.Tensor | slice, device: torch.device
            ) -> dict[str, torch.Tensor]:
    """The model inputs of some rows, and each row's prompt group (rows of a group share it)."""
    out = {k: getattr(batch, k)[rows].to(device) for k in _MODEL_INPUTS}
    out["groups"] = (torch.arange(batch.actions.shape[0])[rows] // batch.n).to(device)
    return out


def _shape(batch: RolloutBatch, ref, cfg: RLConfig, device: torch.device) -> None:
    """Overlong shaping and the KL-in-reward penalty, added to ``batch.rewards``."""
    f = cfg.filter
    if f.overlong_max is not None:
        lengths = batch.mask.sum(-1)
        batch.rewards = batch.rewards + overlong_penalty(lengths, f.overlong_max, f.overlong_cache,
                                                         f.overlong_factor)
    a = cfg.algorithm
    if a.kl_in_reward and a.kl_coef > 0 and ref is not None:
        rows = _inputs(batch, slice(None), device)
        kl = _kl_tokens(ref, rows, rows["old_logp"], cfg).cpu()
        batch.rewards = batch.rewards - a.kl_coef * (kl * batch.mask).sum(-1)


def _keep(rewards: torch.Tensor, cfg: RLConfig) -> torch.Tensor:
    keep = torch.ones(rewards.shape[0], dtype=torch.bool)
    if cfg.filter.dynamic_sampling:
        keep &= varied_groups(rewards)
    if cfg.filter.window is not None:
        keep &= window_groups(rewards, *cfg.filter.window)
    return keep


@torch.no_grad()
def build_batch(learner: Learner, batcher: Batcher, cfg: RLConfig, step: int
                ) -> tuple[RolloutBatch | None, dict[str, float]]:
    """Sample, score, shape and filter groups until the batch is full (or the refills run out);
    None when every group was filtered out."""
    r, p, n = cfg.rollout, cfg.rollout.prompts_per_step, cfg.rollout.n
    model, tok, device = learner.model, learner.tok, learner.device
    kept: list[RolloutBatch] = []
    groups_kept, sampled = 0, []
    t_sample = t_score = 0.0
    for round_ in range(1 + (cfg.filter.max_refills if cfg.filter.dynamic_sampling else 0)):
        t0 = time.perf_counter()
        with learner.autocasting():
            batch = sample(model, tok, batcher.take(p), n, r.max_new_tokens, r.temperature, r.top_p,
                           _generator(cfg.seed, step, round_, device), device)
        t1 = time.perf_counter()
        score(batch, cfg.reward)
        sampled.append(batch)
        _shape(batch, learner.ref, cfg, device)
        t_sample, t_score = t_sample + t1 - t0, t_score + time.perf_counter() - t1
        keep = _keep(batch.rewards.view(p, n), cfg).nonzero().flatten().tolist()
        keep = keep[: p - groups_kept]
        if keep:
            kept.append(batch.select(keep))
            groups_kept += len(keep)
        if groups_kept >= p or not cfg.filter.dynamic_sampling:
            break
    everything = concat(sampled, tok.pad_token_id)
    metrics = _batch_metrics(everything, n, groups_kept, len(sampled))
    metrics |= {"time/sampling": t_sample, "time/scoring": t_score}
    return (concat(kept, tok.pad_token_id) if kept else None), metrics


def _batch_metrics(b: RolloutBatch, n: int, groups_kept: int, rounds: int) -> dict[str, float]:
    groups = b.rewards.view(-1, n)
    lengths = b.mask.sum(-1)
    return {"train/score": float(b.scores.mean()), "train/accuracy": float(b.correct.float().mean()),
            "batch/all_equal_frac": float((~varied_groups(groups)).float().mean()),
            "batch/groups_kept": float(groups_kept), "batch/rounds": float(rounds),
            "response_length/mean": float(lengths.mean()),
            "response_length/clip_ratio": float((~b.ended).float().mean())}


def _row_weights(batch: RolloutBatch, cfg: RLConfig, loss: PolicyLoss, step: int
                 ) -> tuple[torch.Tensor, float | None]:
    """Policy-gradient row mask ``(B,)`` (RaML's k of n, times the loss's own row weights: SPO's
    correct rows) and the sequence count that normalises (None: the aggregation's own)."""
    a, n = cfg.algorithm, batch.n
    rows = torch.ones(batch.rewards.shape[0])
    if a.update_samples_per_prompt is not None:
        rows = rows * select_rollouts(rows.shape[0] // n, n, a.update_samples_per_prompt, cfg.seed, step)
    weights, seqs = loss.rows(batch.correct)
    return rows * weights, seqs


def _advantages(batch: RolloutBatch, cfg: RLConfig) -> torch.Tensor:
    a = cfg.algorithm
    groups = batch.rewards.view(-1, batch.n).double()
    options = {"ddof": a.std_ddof, "eps": a.std_eps}
    own = {k: options[k] for k in advantage_options(a.advantage)}
    return ADVANTAGES[a.advantage](groups, **own).reshape(-1).float()


def _counts(mask: torch.Tensor, cfg: RLConfig, seqs: float | None) -> dict[str, float]:
    length = cfg.algorithm.norm_length or cfg.rollout.max_new_tokens
    return {"tokens": float(mask.sum()), "seqs": float(mask.shape[0]) if seqs is None else seqs,
            "length": float(length)}


def update(learner: Learner, batch: RolloutBatch | None, cfg: RLConfig, step: int) -> dict[str, float]:
    """PPO epochs x minibatches of optimizer steps on ``batch``; returns metrics averaged over
    the optimizer steps (``actor/skipped_steps``: how many were skipped)."""
    if batch is None:  # every group was filtered out
        return {"actor/skipped_steps": float(cfg.ppo_epochs * cfg.minibatches), "actor/pg_rows": 0.0}
    t0 = time.perf_counter()
    a = cfg.algorithm
    rows, spo_seqs = _row_weights(batch, cfg, learner.loss, step)
    mask = truncation_mask(batch.mask, batch.ended) if cfg.filter.mask_truncated else batch.mask
    pg_mask = mask * rows[:, None]
    terms = _Terms(_advantages(batch, cfg), pg_mask, mask if a.aux_mask == "all" else pg_mask)
    b = pg_mask.shape[0]
    logs: dict[str, list[float]] = {}
    rng = np.random.default_rng(seed_sequence(cfg.seed, "rl/minibatch_order", step))
    for _ in range(cfg.ppo_epochs):
        order = rng.permutation(b) if cfg.minibatches > 1 else np.arange(b)
        for mb in np.array_split(order, cfg.minibatches):
            mb = torch.as_tensor(mb, dtype=torch.long)
            seqs = None if spo_seqs is None else spo_seqs * len(mb) / b
            terms.counts = _counts(pg_mask[mb], cfg, seqs)
            terms.aux_counts = _counts(terms.aux_mask[mb], cfg, seqs)
            aux_terms = a.entropy_coef or (a.kl_coef and not a.kl_in_reward)
            if terms.counts["tokens"] == 0 and not (aux_terms and terms.aux_counts["tokens"] > 0):
                logs.setdefault("actor/skipped_steps", []).append(1.0)
                continue
            _optimizer_step(learner, batch, mb, terms, cfg, logs)
    out = {k: float(np.sum(v) if k == "actor/skipped_steps" else np.mean(v)) for k, v in logs.items()}
    out |= {"actor/lr": learner.sched.get_last_lr()[0], "time/update": time.perf_counter() - t0,
            "actor/pg_rows": float((rows > 0).sum())}  # rows in the policy gradient (k of n, SPO)
    if learner.loss.correct_only:
        out[f"{learner.loss.metric_prefix}/num_correct"] = float(batch.correct.sum())
    return out


def _optimizer_step(learner: Learner, batch: RolloutBatch, mb: torch.Tensor, terms: _Terms,
                    cfg: RLConfig, logs: dict[str, list[float]]) -> None:
    """One optimizer step on minibatch ``mb``, in micro-batches; appends its metrics to ``logs``."""
    opt, scaler = learner.opt, learner.scaler
    opt.zero_grad(set_to_none=True)
    size = cfg.micro_batch_size or len(mb)
    parts = [_micro(learner, batch, micro, terms, cfg) for micro in mb.split(size)]
    for k in parts[0]:  # one value per optimizer step
        v = [p[k] for p in parts]
        logs.setdefault(k, []).append(float(np.sum(v) if k in _LOSSES else np.mean(v)))
    scaler.unscale_(opt)
    clip = cfg.optim.grad_clip
    norm = torch.nn.utils.clip_grad_norm_(learner.model.parameters(), clip if clip > 0 else float("inf"))
    scaler.step(opt)
    scaler.update()
    learner.sched.step()
    logs.setdefault("actor/grad_norm", []).append(float(norm))


# A minibatch's loss is the sum of its micro-batch parts (each is normalised by the minibatch's
# counts); the logged loss is its mean over the update's optimizer steps.
_LOSSES = {"actor/loss", "actor/pg_loss"}


def _micro(learner: Learner, batch: RolloutBatch, rows: torch.Tensor, terms: _Terms,
           cfg: RLConfig) -> dict[str, float]:
    """Forward + backward of one micro-batch; the loss is already normalised by the minibatch
    counts, so micro-batch gradients add up to the minibatch gradient."""
    a, device, model, ref = cfg.algorithm, learner.device, learner.model, learner.ref
    take = _inputs(batch, rows, device)
    pgm, auxm = terms.pg_mask[rows].to(device), terms.aux_mask[rows].to(device)
    model.train()
    with learner.autocasting():
        logp, logits = policy_logp(model, take["input_ids"], take["attention_mask"],
                                   take["position_ids"], take["actions"], cfg.rollout.temperature,
                                   groups=take["groups"])
    x = PolicyInputs(logp, take["old_logp"], terms.adv[rows].to(device), pgm, take["actions"],
                     logits, cfg.rollout.temperature)
    per_token, m = learner.loss(x)
    with torch.set_grad_enabled(bool(a.entropy_coef)):  # a metric only, unless it is a loss term
        ent = entropy(logits / cfg.rollout.temperature)
    kl = (_kl_tokens(ref, take, logp, cfg)
          if ref is not None and a.kl_coef > 0 and not a.kl_in_reward else None)
    loss, parts = combine(per_token, pgm, a.aggregation, terms.counts, entropy=ent,
                          entropy_coef=a.entropy_coef, kl=kl, kl_coef=a.kl_coef, aux_mask=auxm,
                          aux_counts=terms.aux_counts)
    learner.scaler.scale(loss).backward()
    mask = batch.mask[rows].to(device)  # every completion token, for the metrics
    n = mask.sum().clamp(min=1)
    out = {"actor/loss": float(loss.detach()), "actor/pg_loss": parts["pg_loss"],
           "actor/entropy": float((ent.detach() * mask).sum() / n)}
    out |= {f"{learner.loss.metric_prefix}/{k}": v for k, v in m.items()}
    if kl is not None:
        out["actor/kl"] = float((kl.detach() * mask).sum() / n)
    return out
