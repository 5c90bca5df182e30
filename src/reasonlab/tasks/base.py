"""The task contract: what every task family gives the rest of reasonlab.

A task is a pydantic ``Config`` plus two functions (DESIGN.md, "Contracts"):

* ``generate(config, split, index) -> Example``: one problem with its exact answer, drawn from
  its own RNG derived from ``(seed, split, index)`` by ``numpy.random.SeedSequence``;
* ``verify(example, text) -> Score``: the reward of a model's output for that problem.

Tasks whose items share work (many questions on one causal model) also implement
``generate_group(config, split, group) -> list[Example]``; ``generate`` is then one item of a group.
Training and evaluation only see :class:`Example` and :class:`Score`, never task internals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..rewards.score import Score
from ..validation import StrictConfig

SPLITS = ("train", "dev", "test")
_SPLIT_CODE = {name: i for i, name in enumerate(SPLITS)}


class Sizes(StrictConfig):
    """A count per split."""

    train: int = Field(ge=0)
    dev: int = Field(ge=0)
    test: int = Field(ge=0)


def check_rungs(v: dict[int, float]) -> dict[int, float]:
    """A rung mix ``{rung: weight}``: rungs 1-3, some positive weight; zero weights dropped."""
    if set(v) - {1, 2, 3}:
        raise ValueError(f"rungs are 1, 2 or 3, not {sorted(set(v) - {1, 2, 3})}")
    if not v or not all(math.isfinite(w) and w >= 0 for w in v.values()) or sum(v.values()) <= 0:
        raise ValueError("give at least one rung with a positive weight, e.g. {2: 1.0}")
    return {k: w for k, w in sorted(v.items()) if w > 0}


@dataclass(frozen=True)
class Example:
    """One problem. ``prompt`` is the user text; ``system`` the optional system prompt, so chat
    messages are ``messages()`` and a plain-text model sees ``text()``."""

    id: str
    task: str
    split: str
    prompt: str
    answer: str
    completion: str
    system: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def messages(self) -> list[dict[str, str]]:
        sys_msg = [{"role": "system", "content": self.system}] if self.system else []
        return [*sys_msg, {"role": "user", "content": self.prompt}]

    def text(self) -> str:
        """System and user prompt as one string (models without a chat template)."""
        return f"{self.system}\n\n{self.prompt}" if self.system else self.prompt

    def to_dict(self) -> dict[str, Any]:
        """Fields as a dict (``meta`` shared, not copied: this is the hot path of writing)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Example:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass(frozen=True)
class Task:
    """A registered task family."""

    name: str
    config: type[BaseModel]
    generate_group: Callable[[Any, str, int], list[Example]]
    groups: Callable[[Any, str], int]  # number of groups in a split
    verify: Callable[[Example, str], Score]
    describe: str = ""
    # files written beside a generated dataset for one group (e.g. the causal model it used)
    group_files: Callable[[Any, str, int], dict[str, str]] | None = None
    # items a split was asked for (a group may give fewer, e.g. a small graph's few questions)
    planned: Callable[[Any, str], int] | None = None
    # reward modes ``verify`` understands in ``meta["reward"]`` (the first is the default)
    rewards: tuple[str, ...] = ("exact",)

    def generate(self, config: Any, split: str, index: int) -> Example:
        """Item ``index`` of ``split`` (items are numbered group by group)."""
        for group in range(self.groups(config, split)):
            items = self.generate_group(config, split, group)
            if index < len(items):
                return items[index]
            index -= len(items)
        raise IndexError(f"{split} has no item {index}")

    def iter_split(self, config: Any, split: str) -> Iterator[Example]:
        for group in range(self.groups(config, split)):
            yield from self.generate_group(config, split, group)


def item_seed(seed: int, split: str, *path: int) -> np.random.SeedSequence:
    """The SeedSequence of one item: ``(seed, split, *path)``, independent of worker count."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(_SPLIT_CODE[split], *path))
