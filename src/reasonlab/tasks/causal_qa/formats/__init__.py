"""The answer formats of ``causal_qa`` by name (see :mod:`.base`). A new format is one module
here and one line in :data:`FORMATS`."""

from __future__ import annotations

from .base import AnswerFormat
from .comparison import Comparison
from .distribution import Distribution
from .gaussian import Gaussian
from .probability import Probability

FORMATS: dict[str, AnswerFormat] = {f.name: f for f in (
    Distribution(),
    Probability(),
    Comparison(),
    Gaussian(),
)}

__all__ = ["FORMATS", "AnswerFormat"]


def check_format(name: str) -> str:
    """``name`` when it is a registered answer format, else a ValueError listing them."""
    if name not in FORMATS:
        raise ValueError(f"unknown answer format {name!r}; choose one of {', '.join(FORMATS)}")
    return name
