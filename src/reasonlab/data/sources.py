"""Where a training run's examples come from: a dataset folder written by ``reasonlab generate``,
a task config generated in memory, or another tool's files (a task's registered reader, e.g. the
causal-experiment format); and the eval sets both trainers score on (dev and held-out prompts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from ..config import ConfigError
from ..tasks import Example, dataset_reader, task_config
from ..validation import StrictConfig
from .writer import read_split


class DataConfig(StrictConfig):
    """A dataset folder written by ``reasonlab generate``, or a task config generated in memory."""

    path: str | None = None
    format: str = Field("reasonlab", description="reasonlab (a folder from `reasonlab generate`) or "
                        "another tool's files, read by a task (causal-experiment: the original "
                        "project's {prompt, completion} train/valid/test.jsonl)")
    task: dict[str, Any] | None = None
    max_eval: int = Field(256, ge=1, description="distinct prompts per eval set")

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v != "reasonlab":
            dataset_reader(v)  # raises with the valid names
        return v

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.path is None) == (self.task is None):
            raise ValueError("give exactly one of data.path (a generated dataset folder) or "
                             "data.task (a task config, generated in memory)")
        return self


def load_data(cfg: DataConfig) -> tuple[dict[str, list[Example]], str]:
    """Every split's examples and a description of the source."""
    if cfg.path is not None and cfg.format != "reasonlab":
        return dataset_reader(cfg.format)(Path(cfg.path)), f"{cfg.path} ({cfg.format} format)"
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
