"""``gaussian``: the mean and the variance of the target of a linear-Gaussian model, a list
``[mean, variance]``; each entry scored within ``max(tol, tol * |g|)``."""

from __future__ import annotations

from typing import ClassVar

from ....rewards import Score, score_numbers
from ..rounding import number_text
from .base import AnswerFormat, number_list


class Gaussian(AnswerFormat):
    name: ClassVar[str] = "gaussian"
    families: ClassVar[tuple[str, ...]] = ("gaussian",)
    instruction: ClassVar[str] = ("the mean and the variance of {target} as a list [mean, variance], "
                                  "rounded to {d} decimals")

    def value(self, r, r2):
        return [r.mean, r.variance]

    def answer(self, value, d: int) -> str:
        return "[" + ", ".join(number_text(x, d) for x in value) + "]"

    def score(self, text: str, answer: str, reward: str, tol: float) -> Score:
        return score_numbers(text, number_list(answer), rel_tol=tol, abs_tol=tol)
