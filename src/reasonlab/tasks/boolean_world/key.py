"""The answer key of a ``boolean_world`` example: the output bits and summary numbers a
completion must reproduce, how the summary is joined, and the reward mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from ..base import AnswerKey

# reward of a completion from (fraction of fields right, all right and well formed)
REWARDS: dict[str, Callable[[float, bool], float]] = {
    "exact": lambda fraction, correct: float(correct),
    "partial": lambda fraction, correct: fraction,
}


class BooleanWorldKey(AnswerKey):
    MODES: ClassVar[tuple[str, ...]] = tuple(REWARDS)
    LEGACY_META: ClassVar[dict[str, str]] = {"reward": "reward", "outputs": "outputs",
                                             "summary": "summary", "separator": "separator"}
    LEGACY_DROPPED: ClassVar[tuple[str, ...]] = ("n_outputs",)

    outputs: tuple[int, ...]
    summary: tuple[int, ...] = ()
    separator: str = " - "
