"""Trainer hooks: how anything watches (or stops) an SFT or RL run while it trains.

Both trainers call the hooks of every :class:`Callback` they were given, in order:
``on_train_begin`` once, ``on_step_begin`` before each optimizer step's data is touched,
``on_step`` after it with the step's metrics row, ``on_eval`` after an evaluation (the row then
holds the eval metrics too), ``on_checkpoint`` after a checkpoint folder is complete, and
``on_train_end`` with the final model folder. A hook asks the trainer to stop by setting
``control.stop`` (the trainer saves a checkpoint and its final model, then returns).

The run directory's metrics file and TensorBoard events are written by :class:`RunDirWriter`,
a callback like any other; benches, tests and the web UI watch runs the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from .rundir import RunDir


@dataclass
class Control:
    """Set ``stop`` (and a ``reason`` for the log) to end the run after this step."""

    stop: bool = False
    reason: str = ""

    def request_stop(self, reason: str) -> None:
        self.stop, self.reason = True, reason


@dataclass
class StepInfo:
    """What a hook sees: the step just done (0 before the first), the planned total, the
    metrics row of that step, and the live model and tokenizer (read them; don't train them)."""

    step: int
    total: int
    model: Any
    tokenizer: Any
    metrics: dict[str, float] = field(default_factory=dict)


class Callback:
    """Override the hooks you need; each default does nothing."""

    def on_train_begin(self, info: StepInfo, control: Control) -> None: ...

    def on_step_begin(self, step: int, control: Control) -> None: ...

    def on_step(self, info: StepInfo, control: Control) -> None: ...

    def on_eval(self, info: StepInfo, control: Control) -> None: ...

    def on_checkpoint(self, info: StepInfo, path: Path, control: Control) -> None: ...

    def on_train_end(self, info: StepInfo, final: Path, control: Control) -> None: ...


class Callbacks(Callback):
    """Several callbacks as one, called in order, sharing one :class:`Control`."""

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = list(callbacks)
        self.control = Control()

    def _all(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args, self.control)

    def train_begin(self, info: StepInfo) -> None:
        self._all("on_train_begin", info)

    def step_begin(self, step: int) -> None:
        self._all("on_step_begin", step)

    def step(self, info: StepInfo) -> None:
        self._all("on_step", info)

    def eval(self, info: StepInfo) -> None:
        self._all("on_eval", info)

    def checkpoint(self, info: StepInfo, path: Path) -> None:
        self._all("on_checkpoint", info, path)

    def train_end(self, info: StepInfo, final: Path) -> None:
        self._all("on_train_end", info, final)


class RunDirWriter(Callback):
    """Writes each step's metrics row to ``metrics.jsonl`` and TensorBoard, and logs evals."""

    def __init__(self, run: RunDir) -> None:
        self.run = run

    def on_step(self, info: StepInfo, control: Control) -> None:
        self.run.log_metrics(info.step, info.metrics)

    def on_eval(self, info: StepInfo, control: Control) -> None:
        logger.info(f"step {info.step}: " + ", ".join(f"{k}={v:.4g}" for k, v in info.metrics.items()))


class StopWhenPerfect(Callback):
    """Stop once every eval set (or those named in ``watch``) is at 100% exact for ``evals``
    evaluations in a row. Watching only ``dev`` keeps a held-out set from choosing the step
    that its own accuracy is then read at."""

    def __init__(self, evals: int, streak: int = 0, watch: Sequence[str] | None = None) -> None:
        self.evals, self.streak, self.watch = evals, streak, watch

    def on_eval(self, info: StepInfo, control: Control) -> None:
        exact = [v for k, v in info.metrics.items() if k.startswith("eval/") and k.endswith("/exact")
                 and (self.watch is None or k.split("/")[1] in self.watch)]
        self.streak = self.streak + 1 if exact and min(exact) == 1.0 else 0
        if self.evals and self.streak >= self.evals:
            control.request_stop(f"every eval set at 100% exact for {self.streak} evals")
