"""``comparison``: is the probability of a target value greater than under one changed value
(the first evidence value on rung 1, the first intervention value on rungs 2 and 3)? Yes or no."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from ....rewards import Score, score_yes_no
from ..questions import Draw, Question
from ..rounding import number_text
from ..trace import discrete_trace
from .base import AnswerFormat


class Comparison(AnswerFormat):
    name: ClassVar[str] = "comparison"
    instruction: ClassVar[str] = "yes or no"

    def check(self, config: Any) -> str | None:
        if config.rungs.keys() == {1} and config.n_evidence[1] < 1:
            return ("answer_format=comparison on rung 1 compares two evidence values, so it needs "
                    "n_evidence >= 1")
        return None

    def question(self, model, draw: Draw, rng: np.random.Generator, decimals: int) -> Question | None:
        value = draw.target_value(model, rng)
        changed = dict(draw.evidence) if draw.rung == 1 else dict(draw.interventions)
        if not changed:
            return None
        var = next(iter(changed))
        others = [s for s in model.states[model.dag.index(var)] if s != changed[var]]
        changed[var] = others[int(rng.integers(len(others)))]
        other = replace(draw, evidence=changed) if draw.rung == 1 else replace(draw, interventions=changed)
        return Question(draw.rung, draw.query(model, target_value=value),
                        other.query(model, target_value=value))

    def value(self, r, r2):
        return r.probability > r2.probability

    def answer(self, value, d: int) -> str:
        return "yes" if value else "no"

    def meta_value(self, value) -> bool:
        return bool(value)

    def trace_answer(self, model, question: Question, r, r2, d: int) -> list[str]:
        other, _ = discrete_trace(model, question.other, d)
        verdict = "greater" if r.probability > r2.probability else "not greater"
        return ["", *other, "",
                f"Compare {number_text(r.probability, 4)} with {number_text(r2.probability, 4)}: {verdict}."]

    def score(self, text: str, answer: str, reward: str, tol: float) -> Score:
        return score_yes_no(text, answer)
