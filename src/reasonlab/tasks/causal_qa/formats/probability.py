"""``probability``: one probability, of a target value (discrete) or of a tail ``P(Y > t)``
(Gaussian, ``t`` a forward-sample value); scored by absolute error."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ....causal import GaussianSCM
from ....rewards import Score, score_number
from ..questions import Draw, Question
from ..rounding import number_text
from .base import AnswerFormat


class Probability(AnswerFormat):
    name: ClassVar[str] = "probability"
    families: ClassVar[tuple[str, ...]] = ("discrete", "gaussian")
    instruction: ClassVar[str] = "a single probability, rounded to {d} decimals"

    def question(self, model, draw: Draw, rng: np.random.Generator, decimals: int) -> Question | None:
        if isinstance(model, GaussianSCM):
            t = f"{draw.world[draw.target]:.{decimals}f}"
            return Question(draw.rung, draw.query(model, comparison=">", threshold=float(t)))
        return Question(draw.rung, draw.query(model, target_value=draw.target_value(model, rng)))

    def value(self, r, r2):
        return r.probability

    def answer(self, value, d: int) -> str:
        return number_text(value, d)

    def trace_answer(self, model, question: Question, r, r2, d: int) -> list[str]:
        return [f"So {question.query} = {number_text(r.probability, d)}."]

    def score(self, text: str, answer: str, reward: str, tol: float) -> Score:
        return score_number(text, float(answer), tol)
