"""What the LLM judge is asked, and the shape its JSON reply must have.

Three schemas, after the original study's trace-annotation prompts (``extraction_0_1``,
``extraction_0_2``, ``modeling_error_0_1``):

* ``steps``: the trace split into steps, plus the overall strategy (recursion along the
  topological order, brute-force summation over the joint, or other);
* ``step_errors``: the same, with each step's errors (calculation, copy, formula, no numeric
  computation, other);
* ``modeling_error``: one binary verdict -- is the probabilistic model of the problem wrong
  (independence assumed where the graph does not give it, incomplete marginalisation, a
  mishandled intervention)? -- with a short explanation.

Departures from the original: the prompts are rewritten; the independence error is described
the right way round (the original swapped v_i and v_j: the error is treating v_i as independent
of v_j although the graph connects them, e.g. using P(v_i) where P(v_i | v_j) is needed when v_j
is an ancestor of v_i); and every reply is validated by a pydantic model, so a malformed reply
is retried and then reported instead of being silently used.

:data:`SCHEMAS` maps each name to its :class:`JudgeSchema` (prompt builder + reply model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

Strategy = Literal["recursion", "brute force summation", "other"]
StepErrorKind = Literal["calculation", "copy", "formula", "no numeric computation", "other"]


class Reply(BaseModel):
    """Base of the judge's replies: keys the schema does not name are ignored, values are frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Step(Reply):
    text: str


class StepsReply(Reply):
    steps: list[Step]
    strategy: Strategy


class ErrorStep(Step):
    errors: list[StepErrorKind] = Field(description="a subset: each kind at most once, [] when correct")

    @field_validator("errors")
    @classmethod
    def _unique(cls, errors: list[str]) -> list[str]:
        return list(dict.fromkeys(errors))  # a subset: a repeated kind counts once


class StepErrorsReply(Reply):
    steps: list[ErrorStep]
    strategy: Strategy


class ModelingErrorReply(Reply):
    modeling_error: StrictBool
    explanation: str


@dataclass(frozen=True)
class ChatMessage:
    """One chat message of a request (``role`` is "system" or "user")."""

    role: str
    content: str


@dataclass(frozen=True)
class JudgeSchema:
    """A judge task: its system prompt, its user-prompt template and the model of its reply."""

    name: str
    system: str
    reply_model: type[Reply]

    def messages(self, question: str, trace: str) -> tuple[ChatMessage, ...]:
        """The chat messages that ask the judge about ``trace``, written to answer ``question``."""
        return (ChatMessage("system", self.system),
                ChatMessage("user", USER_TEMPLATE.format(question=question, trace=trace)))


USER_TEMPLATE = """\
The question the model was given:
<question>
{question}
</question>

The model's reasoning trace:
<trace>
{trace}
</trace>

Reply with the JSON object only."""

_CONTEXT = """\
You are checking reasoning traces written by language models. Each question describes a causal \
Bayesian network over discrete variables: a directed acyclic graph and a conditional probability \
table P(v | parents(v)) for every variable. It asks for a probability distribution, either \
observational (e.g. P(Y)) or interventional (e.g. P(Y | do(X = x)), where the intervention \
cuts every edge into X and fixes X to x). The trace ends with an ANSWER line; you judge the \
reasoning that leads to it, not only the answer."""

_STEPS = """\
Split the trace into its reasoning steps, in order. A step is one piece of reasoning: one \
formula written down, one quantity computed, or one assumption made. Copy each step's text \
from the trace (you may shorten a long step with "...", but keep its formulas and numbers).

Then name the strategy of the whole trace:
- "recursion": it computes distributions variable by variable in topological order, each from \
the CPT and the already computed distributions of its parents, e.g. \
P(v) = sum over parent values u of P(v | u) P(u).
- "brute force summation": it writes the target as a sum over the full joint distribution \
(the product of all CPTs) and sums over every assignment of the other variables.
- "other": anything else (a mix with neither dominant, guessing, no computation)."""

_ERRORS = """\
For every step, also list its errors (an empty list when the step is correct):
- "calculation": the arithmetic is wrong for the numbers the step uses.
- "copy": a number or table entry is taken wrongly from the question or from an earlier step.
- "formula": the step applies a wrong formula (wrong factorisation, wrong conditioning, a \
missing or extra term).
- "no numeric computation": the step states a value without computing it from the given \
numbers (a guess, an estimate, an assumed value).
- "other": any other error.
Each kind appears at most once per step."""

_MODELING = """\
Decide whether the trace makes a modeling error: a mistake in the probabilistic model of the \
problem, regardless of arithmetic. It is a modeling error when the trace
- assumes an independence the graph does not give: it treats a variable v_i as independent of \
another variable v_j (e.g. uses P(v_i) where P(v_i | v_j) is needed, or writes \
P(v_i, v_j) = P(v_i) P(v_j)) although v_j is an ancestor of v_i, or v_i and v_j share a \
common ancestor, or they are otherwise dependent in the graph;
- marginalises incompletely: it drops a parent or a value of a variable from a sum over that \
variable, or leaves out terms of the sum;
- mishandles an intervention do(X = x): it conditions on X = x instead of cutting the edges \
into X (so confounding paths through X's ancestors stay open), changes the distribution of \
variables that are not descendants of X, or does not fix X to x.
Arithmetic slips, copying mistakes and rounding are NOT modeling errors."""

_STEPS_FORMAT = """\
Reply with one JSON object of exactly this form:
{"steps": [{"text": "..."}, ...], "strategy": "recursion" | "brute force summation" | "other"}"""

_ERRORS_FORMAT = """\
Reply with one JSON object of exactly this form:
{"steps": [{"text": "...", "errors": ["calculation", ...]}, ...],
 "strategy": "recursion" | "brute force summation" | "other"}"""

_MODELING_FORMAT = """\
Reply with one JSON object of exactly this form:
{"modeling_error": true | false, "explanation": "one or two sentences: the error, or why there is none"}"""

SCHEMAS: dict[str, JudgeSchema] = {
    "steps": JudgeSchema("steps", "\n\n".join([_CONTEXT, _STEPS, _STEPS_FORMAT]), StepsReply),
    "step_errors": JudgeSchema("step_errors", "\n\n".join([_CONTEXT, _STEPS, _ERRORS, _ERRORS_FORMAT]),
                               StepErrorsReply),
    "modeling_error": JudgeSchema("modeling_error", "\n\n".join([_CONTEXT, _MODELING, _MODELING_FORMAT]),
                                  ModelingErrorReply),
}
