"""Task registry: every task family by name (``causal_qa``, ...).

``get_task(name)`` looks a task up; ``task_config(data)`` validates a config mapping whose
``task`` field names the task. An unknown name is rejected with the list of valid ones.
"""

from __future__ import annotations

from typing import Any

from ..config import ConfigError, validate
from .base import SPLITS, AnswerKey, Example, Score, Sizes, Task, item_seed

TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    _load_builtin()
    if name not in TASKS:
        raise ConfigError(f"field task = {name!r}: unknown task; choose one of {sorted(TASKS)}")
    return TASKS[name]


def task_config(data: dict[str, Any], source: str = "config") -> tuple[Task, Any]:
    """The task named by ``data['task']`` and ``data`` validated as its config."""
    if "task" not in data:
        _load_builtin()
        raise ConfigError(f"{source}: field task is missing; set it to one of {sorted(TASKS)}")
    task = get_task(str(data["task"]))
    return task, validate(task.config, data, source)


def dataset_reader(fmt: str):
    """The registered reader of dataset format ``fmt`` (another tool's files), from any task."""
    _load_builtin()
    readers = {name: read for t in TASKS.values() for name, read in t.readers.items()}
    if fmt not in readers:
        raise ConfigError(f"field data.format = {fmt!r}: unknown dataset format; choose one of "
                          f"{sorted(['reasonlab', *readers])}")
    return readers[fmt]


def format_task(fmt: str) -> str:
    """The name of the task that reads dataset format ``fmt`` (see :func:`dataset_reader`)."""
    dataset_reader(fmt)
    return next(t.name for t in TASKS.values() if fmt in t.readers)


def _load_builtin() -> None:
    from . import boolean_world, causal_qa, gsm8k  # noqa: F401  (they register themselves)


__all__ = ["SPLITS", "TASKS", "AnswerKey", "Example", "Score", "Sizes", "Task", "dataset_reader",
           "format_task", "get_task", "item_seed", "register", "task_config"]
