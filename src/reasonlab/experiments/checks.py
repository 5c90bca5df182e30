"""Every job's config validated before any job runs: a typo in the last arm's overrides is one
clear error at the start, not a failure forty minutes in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import apply_overrides, read_yaml, validate
from ..tasks import task_config
from .plan import Job


def check_jobs(jobs: Sequence[Job]) -> None:
    """Validate each data stage's task config and each arm's training config, with overrides."""
    from ..train.rl_config import RLConfig
    from ..train.sft import SFTConfig

    models = {"sft": SFTConfig, "rl": RLConfig}
    for job in jobs:
        if job.kind == "data":
            _, path, _, _, *overrides = job.argv
            task_config(apply_overrides(read_yaml(Path(path)), overrides), source=f"{job.key} ({path})")
        elif job.kind == "train":
            _, kind, path, *overrides = job.argv
            validate(models[kind], apply_overrides(read_yaml(Path(path)), overrides), f"{job.key} ({path})")
