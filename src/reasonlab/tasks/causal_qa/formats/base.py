"""What an answer format of ``causal_qa`` does, in one object: the question it asks (a target
value, a tail, a second query to compare with), the exact value from the engine's results, the
canonical answer text, the prompt's instruction, the trace's answer lines and the verifier.

A format is registered by name in :data:`reasonlab.tasks.causal_qa.formats.FORMATS`; the config,
the generator and the verifier look it up there and never branch on its name.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ....causal import GaussianSCM
from ....rewards import Score
from ...templates import fill
from ..questions import Draw, Question
from ..trace import discrete_trace, gaussian_result_trace


class AnswerFormat:
    """Base of the answer formats; subclasses set the class attributes and the abstract methods."""

    name: ClassVar[str]
    families: ClassVar[tuple[str, ...]] = ("discrete",)  # model families it can ask about
    instruction: ClassVar[str]  # the prompt's {answer_format}; placeholders {target} and {d}

    def check(self, config: Any) -> str | None:
        """Why ``config`` cannot ask this format's questions (None: it can); the family is
        checked by the config itself."""
        return None

    def question(self, model, draw: Draw, rng: np.random.Generator, decimals: int) -> Question | None:
        """The question of a draw in this format (None: the draw cannot be asked this way)."""
        return Question(draw.rung, draw.query(model))

    def value(self, r, r2) -> Any:
        """The exact answer from the engine's results of the question's query (and ``other``)."""
        raise NotImplementedError

    def answer(self, value: Any, d: int) -> str:
        """The canonical answer text of ``value`` at ``d`` decimals."""
        raise NotImplementedError

    def meta_value(self, value: Any) -> float | list[float] | bool:
        """``value`` as plain data for ``meta["gold"]``."""
        return np.asarray(value, dtype=float).tolist()

    def prompt(self, target: str, d: int) -> str:
        return fill(self.instruction, {"target": target, "d": str(d)})

    def trace(self, model, question: Question, r, r2, d: int) -> str:
        """The gold reasoning trace (the caller adds the ANSWER line)."""
        if isinstance(model, GaussianSCM):
            return "\n".join(gaussian_result_trace(model, question.query, r, d))
        lines, _ = discrete_trace(model, question.query, d)
        return "\n".join([*lines, *self.trace_answer(model, question, r, r2, d)])

    def trace_answer(self, model, question: Question, r, r2, d: int) -> list[str]:
        """Lines that end a discrete trace with this format's answer (none: the trace's own
        normalised distribution is the answer)."""
        return []

    def score(self, text: str, answer: str, reward: str, tol: float) -> Score:
        """Score ``text`` against the canonical ``answer`` under reward mode ``reward``."""
        raise NotImplementedError


def number_list(answer: str) -> list[float]:
    """The numbers of a canonical list answer ``[a, b, ...]``."""
    return [float(x) for x in answer.strip("[]").split(",")]
