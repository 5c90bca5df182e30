"""The answer key of a ``causal_qa`` example: its answer format, reward mode and tolerance
(the canonical answer itself is ``Example.answer``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from ...rewards import DISTRIBUTION_REWARDS
from ..base import AnswerKey
from .formats import check_format


class CausalQAKey(AnswerKey):
    """``format`` names an entry of :data:`.formats.FORMATS`; ``reward`` is a distribution
    reward (other formats score exactly, whatever the mode)."""

    MODES: ClassVar[tuple[str, ...]] = tuple(DISTRIBUTION_REWARDS)
    LEGACY_META: ClassVar[dict[str, str]] = {"answer_format": "format", "reward": "reward",
                                             "tolerance": "tolerance"}

    format: str
    tolerance: float = Field(0.01, gt=0.0)

    _format_known = field_validator("format")(check_format)
