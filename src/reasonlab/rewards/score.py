"""The verdict a verifier returns for one model output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Score:
    """``reward`` in [0, 1], ``correct``, what was ``parsed`` and, when parsing failed or the
    answer was invalid, the ``reason``; ``details`` holds extra figures (tvd, acc@t, errors)."""

    reward: float
    correct: bool
    parsed: Any = None
    reason: str = ""
    details: dict[str, float] = field(default_factory=dict)
