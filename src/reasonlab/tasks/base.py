"""The task contract: what every task family gives the rest of reasonlab.

A task is a pydantic ``Config`` plus two functions (docs/README.md, "Contracts"):

* ``generate(config, split, index) -> Example``: one problem with its exact answer, drawn from
  its own RNG derived from ``(seed, split, index)`` by ``numpy.random.SeedSequence``;
* ``verify(example, text, reward=None) -> Score``: the reward of a model's output for that
  problem under the reward mode ``reward`` (one of the task's declared modes; None: the mode the
  dataset was generated with).

What ``verify`` needs beyond the canonical ``answer`` is the example's :class:`AnswerKey`, a
typed model each task declares (``Task.answer_key``) and stores in its own field of every row;
only the task reads its fields. ``meta`` is descriptive only (rung, sizes, difficulty, held-out).
Tasks whose items share work (many questions on one causal model) also implement
``generate_group(config, split, group) -> list[Example]``; ``generate`` is then one item of a group.
Training and evaluation only see :class:`Example` and :class:`Score`, never task internals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

import numpy as np
from pydantic import BaseModel, Field, field_validator

from ..config import ConfigError
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


class AnswerKey(StrictConfig):
    """What a task's verifier needs beyond ``Example.answer``; each task subclasses it with its
    own fields and declares its reward modes in ``MODES`` (the first is the default).

    ``reward`` is the mode ``verify`` uses when it is given none: the one the dataset config
    named. ``LEGACY_META`` names the ``meta`` keys that rows written before answer keys had
    their own field kept these values in (meta key -> field), so such datasets still load.
    """

    MODES: ClassVar[tuple[str, ...]] = ("exact",)
    LEGACY_META: ClassVar[dict[str, str]] = {"reward": "reward"}
    LEGACY_DROPPED: ClassVar[tuple[str, ...]] = ()  # meta keys of old rows that are derived now

    reward: str = "exact"

    @field_validator("reward")
    @classmethod
    def _known_mode(cls, v: str) -> str:
        if v not in cls.MODES:
            raise ValueError(f"unknown reward mode {v!r}; choose one of {', '.join(cls.MODES)}")
        return v

    def mode(self, reward: str | None) -> str:
        """``reward`` checked against the declared modes, or the key's own when None."""
        if reward is None:
            return self.reward
        if reward not in self.MODES:
            raise ConfigError(f"reward mode {reward!r} is not one of {', '.join(self.MODES)}")
        return reward

    def with_reward(self, reward: str) -> AnswerKey:
        return self.model_copy(update={"reward": self.mode(reward)})

    @classmethod
    def of(cls, example: Example) -> Self:
        """``example``'s answer key, which must be one of this class (its task's)."""
        key = example.answer_key
        if not isinstance(key, cls):
            raise TypeError(f"example {example.id!r} of task {example.task!r} has no {cls.__name__} "
                            f"answer key (it has {type(key).__name__})")
        return key

    @classmethod
    def from_legacy_meta(cls, meta: dict[str, Any]) -> tuple[AnswerKey, dict[str, Any]]:
        """``(key, descriptive meta)`` of a row whose key fields were still in ``meta``."""
        moved = set(cls.LEGACY_META) | set(cls.LEGACY_DROPPED)
        key = cls.model_validate({f: meta[k] for k, f in cls.LEGACY_META.items() if k in meta})
        return key, {k: v for k, v in meta.items() if k not in moved}


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
    answer_key: AnswerKey | None = None  # the task's; only the task reads its fields
    meta: dict[str, Any] = field(default_factory=dict)

    def messages(self) -> list[dict[str, str]]:
        sys_msg = [{"role": "system", "content": self.system}] if self.system else []
        return [*sys_msg, {"role": "user", "content": self.prompt}]

    def text(self) -> str:
        """System and user prompt as one string (models without a chat template)."""
        return f"{self.system}\n\n{self.prompt}" if self.system else self.prompt

    def to_dict(self) -> dict[str, Any]:
        """Fields as plain data (``meta`` shared, not copied: this is the hot path of writing)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if self.answer_key is not None:
            out["answer_key"] = self.answer_key.model_dump(mode="json")
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Example:
        """The inverse of :meth:`to_dict` once ``d["answer_key"]`` is an :class:`AnswerKey`
        again (:meth:`Task.read_key`)."""
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def with_reward(self, reward: str) -> Example:
        """This example scored under reward mode ``reward`` by default (checked against its
        task's modes)."""
        if self.answer_key is None:
            raise ConfigError(f"example {self.id!r} has no answer key to set reward = {reward!r} on")
        return replace(self, answer_key=self.answer_key.with_reward(reward))


class Verifier(Protocol):
    def __call__(self, example: Example, text: str, reward: str | None = None) -> Score: ...


@dataclass(frozen=True)
class Task:
    """A registered task family."""

    name: str
    config: type[BaseModel]
    generate_group: Callable[[Any, str, int], list[Example]]
    groups: Callable[[Any, str], int]  # number of groups in a split
    verify: Verifier
    answer_key: type[AnswerKey] = AnswerKey
    describe: str = ""
    # files written beside a generated dataset for one group (e.g. the causal model it used)
    group_files: Callable[[Any, str, int], dict[str, str]] | None = None
    # items a split was asked for (a group may give fewer, e.g. a small graph's few questions)
    planned: Callable[[Any, str], int] | None = None
    # readers of other tools' dataset files, by format name: folder -> examples per split
    readers: Mapping[str, Callable[[Path], dict[str, list[Example]]]] = field(default_factory=dict)
    # ``reasonlab test``: the example for one typed input, and the field-by-field comparison
    # (field, gold, model) of a model's text with its answer
    probe: Callable[[Any, str], Example] | None = None
    compare: Callable[[Example, str], list[tuple[str, str, str]]] | None = None

    @property
    def rewards(self) -> tuple[str, ...]:
        """The reward modes ``verify`` takes (the first is the default)."""
        return self.answer_key.MODES

    def reward_problem(self, reward: str | None) -> str | None:
        """Why ``reward`` is not a mode of this task (None when it is, or is unset), for the
        caller to prefix with the field or option that gave it."""
        if reward is None or reward in self.rewards:
            return None
        return (f"task {self.name} offers {', '.join(self.rewards)}; choose one of them, or leave it "
                "unset for the dataset's own")

    def read_key(self, stored: Any, meta: dict[str, Any]) -> tuple[AnswerKey, dict[str, Any]]:
        """``(answer key, meta)`` of a stored row: ``stored`` is its ``answer_key`` field, or
        None for a row written before that field existed (its key was in ``meta``). Raises
        pydantic's ``ValidationError`` when the key does not fit the task."""
        if stored is None:
            return self.answer_key.from_legacy_meta(meta)
        return self.answer_key.model_validate(stored), meta

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
