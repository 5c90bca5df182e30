"""Numbers as the prompts, answers and traces print them: rounded to ``d`` decimals, shortest
repr; distributions rounded so they sum to exactly one."""

from __future__ import annotations

import numpy as np

from ...causal.discrete import round_distribution


def number_text(x: float, d: int) -> str:
    return repr(float(round(float(x), d)))


def row_text(row: list[float]) -> str:
    return "[" + ", ".join(map(repr, row)) + "]"


def distribution_text(p: np.ndarray, d: int) -> str:
    return row_text(round_distribution(np.asarray(p), d)[0].tolist())
