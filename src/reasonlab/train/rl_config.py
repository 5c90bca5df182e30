"""The RL run's configuration: rollout, objective (by registry names), filters, update, schedule.

Every name (advantage estimator, policy loss, aggregation mode, KL estimator) is checked against
its registry when the config is read, and an unknown one is rejected with the valid names. The
defaults are GRPO as verl runs it (std with ddof 1 + 1e-6, PPO clip 0.2, token-mean, no KL);
the presets in ``configs/rl/`` set the paper settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..config import ConfigError, read_yaml
from ..data.sources import DataConfig
from ..objectives import (
    ADVANTAGES,
    AGGREGATIONS,
    KL_ESTIMATORS,
    POLICY_LOSSES,
    PolicyLoss,
    advantage_options,
    loss_options,
)
from ..tasks import format_task, get_task
from ..validation import Seed, StrictConfig
from .optim import OptimConfig


def _known(registry: dict, what: str):
    def check(value: str) -> str:
        if value not in registry:
            raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(sorted(registry))}")
        return value
    return check


class RolloutConfig(StrictConfig):
    prompts_per_step: int = Field(8, ge=1, description="prompts (groups) per rollout batch")
    n: int = Field(8, ge=1, description="rollouts per prompt (group size G)")
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_new_tokens: int = Field(32, ge=1)


_ALL_LOSS_OPTIONS = {name for loss in POLICY_LOSSES for name in loss_options(loss)}


class AlgorithmConfig(StrictConfig):
    advantage: str = "grpo"
    std_ddof: int = Field(1, ge=0, le=1, description="GRPO std: 1 (verl, TRL) or 0 (population)")
    std_eps: float = Field(1e-6, ge=0, description="GRPO std epsilon: 1e-6 verl, 1e-4 TRL")
    policy_loss: str = "ppo_clip"
    eps_low: float = Field(0.2, ge=0)
    eps_high: float = Field(0.2, ge=0, description="DAPO clip-higher: 0.28")
    dual_clip: float | None = Field(None, gt=1, description="verl dual clip c for A < 0 (3.0)")
    tis_coef: float | None = Field(None, gt=0, description="truncated importance weight cap (RL2: 2)")
    aggregation: str = "token-mean"
    norm_length: int | None = Field(None, ge=1, description="constant of the sum-norm modes "
                                    "(default: rollout.max_new_tokens)")
    entropy_coef: float = Field(0.0, description="loss - c * entropy: c > 0 bonus, c < 0 penalty")
    kl_coef: float = Field(0.0, ge=0)
    kl_estimator: str = "k3"
    kl_in_reward: bool = Field(False, description="fold beta * sum_t KL into the reward instead")
    aux_mask: Literal["all", "pg"] = Field("all", description="entropy/KL over every completion "
                                           "row (verl, RaML as released) or the policy-gradient rows")
    detach_target: bool = Field(False, description="SPO: detach p_max (released: not detached)")
    half_variant: Literal["released", "intent"] = "released"
    spo_normaliser: Literal["num_correct", "batch"] = Field("num_correct", description="3.2 / 3.1")
    include_incorrect: bool = False
    update_samples_per_prompt: int | None = Field(None, ge=1, description="RaML: k of n rollouts "
                                                  "per prompt in the policy gradient")
    loss_options: dict[str, Any] = Field(default_factory=dict, description="options of the chosen "
                                         "policy loss that have no field here (a new loss's own)")

    _adv = field_validator("advantage")(_known(ADVANTAGES, "advantage estimator"))
    _loss = field_validator("policy_loss")(_known(POLICY_LOSSES, "policy loss"))
    _agg = field_validator("aggregation")(_known(AGGREGATIONS, "aggregation mode"))
    _kl = field_validator("kl_estimator")(_known(KL_ESTIMATORS, "KL estimator"))

    @model_validator(mode="after")
    def _loss_options(self) -> AlgorithmConfig:
        """An option set for another policy loss than the chosen one would be silently unused;
        ``loss_options`` must name options of the chosen loss."""
        own = set(loss_options(self.policy_loss))
        for name in sorted(self.model_fields_set & (_ALL_LOSS_OPTIONS - own)):
            users = [k for k in POLICY_LOSSES if name in loss_options(k)]
            raise ValueError(f"{name} is an option of {', '.join(users)}, not of policy_loss "
                             f"{self.policy_loss}; remove it or choose one of those losses")
        takes = {f"std_{o}" for o in advantage_options(self.advantage)}
        for name in sorted(self.model_fields_set & ({"std_ddof", "std_eps"} - takes)):
            raise ValueError(f"{name} is an option of the grpo advantage, not of {self.advantage}; "
                             "remove it")
        unknown = sorted(set(self.loss_options) - own)
        if unknown:
            raise ValueError(f"loss_options names {', '.join(unknown)}, which {self.policy_loss} does not "
                             f"take; it takes {', '.join(sorted(own)) or 'no options'}")
        self.policy()  # the loss's own checks
        return self

    def policy(self) -> PolicyLoss:
        """The chosen policy loss, built with its own options only: the named fields above that
        it takes, then ``loss_options`` (options no other loss has need no field of their own)."""
        names = loss_options(self.policy_loss)
        given = {k: getattr(self, k) for k in names if k in type(self).model_fields}
        return POLICY_LOSSES[self.policy_loss](**(given | self.loss_options))


class FilterConfig(StrictConfig):
    dynamic_sampling: bool = Field(False, description="DAPO: drop groups whose rewards are all "
                                   "equal and refill the batch with fresh prompts")
    max_refills: int = Field(4, ge=0, description="extra rollout rounds to refill a batch")
    window: tuple[float, float] | None = Field(None, description="keep groups whose mean reward "
                                               "lies in [lo, hi] (the causal-reasoning study's +filter runs)")
    mask_truncated: bool = Field(False, description="completions without EOS get mask 0")
    overlong_max: int | None = Field(None, ge=1, description="DAPO overlong shaping: L_max")
    overlong_cache: int = Field(4, ge=1, description="DAPO overlong shaping: L_cache")
    overlong_factor: float = Field(1.0, ge=0)


class RLConfig(StrictConfig):
    name: str = Field("rl", pattern=r"^[A-Za-z0-9_.-]+$")
    run_dir: str = "runs"
    seed: Seed = 0
    init: str = Field(description="an SFT run folder (its final/ is used) or a model checkpoint")
    data: DataConfig
    reward: str | None = Field(None, description="override the examples' reward mode "
                               "(causal_qa: exact/strict/soft/...; boolean_world: partial)")
    rollout: RolloutConfig = RolloutConfig()
    algorithm: AlgorithmConfig = AlgorithmConfig()
    filter: FilterConfig = FilterConfig()
    steps: int = Field(100, ge=1, description="rollout batches (RL steps)")
    epochs: float | None = Field(None, gt=0, description="passes over the prompts; caps steps")
    max_prompt_length: int | None = Field(None, ge=1, description="drop prompts with more tokens "
                                          "(verl's filter_overlong_prompts)")
    ppo_epochs: int = Field(1, ge=1)
    minibatches: int = Field(1, ge=1, description="optimizer steps per PPO epoch")
    micro_batch_size: int | None = Field(None, ge=1, description="rows per forward (memory)")
    optim: OptimConfig = OptimConfig(lr=1e-4)
    eval_every: int = Field(20, ge=1)
    eval_batch_size: int = Field(64, ge=1)
    eval_max_new_tokens: int | None = Field(None, ge=1)
    save_every: int = Field(100, ge=1)
    max_checkpoints: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    threads: int | None = Field(None, ge=1)
    wandb: bool = Field(False, description="also log to wandb in offline mode (if installed)")
    log_rotation: str = "100 MB"
    log_retention: str = "10 days"

    @field_validator("reward")
    @classmethod
    def _reward_offered(cls, v: str | None, info: ValidationInfo) -> str | None:
        """A reward mode the data's task declares. The task is named by ``data.task``, or by the
        ``config.yaml`` of the dataset folder ``data.path``, or by the task that reads
        ``data.format``. When it cannot be told here (no such file, an unknown task), loading the
        data reports the problem, and ``verify`` checks the mode again."""
        data = info.data.get("data")
        if v is None or not isinstance(data, DataConfig):
            return v
        if data.task is not None:
            name = data.task.get("task")
        elif data.format != "reasonlab":
            name = format_task(data.format)
        else:
            try:
                name = read_yaml(Path(str(data.path)) / "config.yaml").get("task")
            except ConfigError:
                return v
        try:
            problem = get_task(str(name)).reward_problem(v)
        except ConfigError:
            return v
        if problem:
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> RLConfig:
        k, n = self.algorithm.update_samples_per_prompt, self.rollout.n
        if k is not None and k > n:
            raise ValueError(f"algorithm.update_samples_per_prompt = {k} exceeds rollout.n = {n}")
        rows = self.rollout.prompts_per_step * n
        if self.minibatches > rows:
            raise ValueError(f"minibatches = {self.minibatches} exceeds the {rows} rows of a batch")
        if self.filter.window and not 0 <= self.filter.window[0] <= self.filter.window[1] <= 1:
            raise ValueError(f"filter.window = {list(self.filter.window)} must be [lo, hi] "
                             "with 0 <= lo <= hi <= 1")
        return self
