"""Where a training run's examples come from: a dataset folder written by ``reasonlab generate``,
a task config generated in memory, or another tool's files (a task's registered reader, e.g. the
causal-experiment format); and the eval sets both trainers score on (dev and held-out prompts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from ..config import ConfigError
from ..tasks import Example, task_config
from ..validation import StrictConfig
from .writer import read_split


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
