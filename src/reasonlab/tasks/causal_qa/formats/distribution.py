"""``distribution``: the distribution of the target, a list in the order of its values; scored
by TVD under the distribution rewards (:mod:`reasonlab.rewards.distribution`)."""

from __future__ import annotations

from typing import ClassVar

from ....rewards import Score, score_distribution
from ..rounding import distribution_text
from .base import AnswerFormat, number_list


class Distribution(AnswerFormat):
    name: ClassVar[str] = "distribution"
    instruction: ClassVar[str] = (
        "the probability of each value of {target}, in the order the values are listed, as a list "
        "of numbers such as [0.25, 0.75], rounded to {d} decimals")

    def value(self, r, r2):
        return r.probabilities

    def answer(self, value, d: int) -> str:
        return distribution_text(value, d)

    def score(self, text: str, answer: str, reward: str, tol: float) -> Score:
        return score_distribution(text, number_list(answer), reward, tol)
