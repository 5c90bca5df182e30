"""Prompts: the model (names, values, DOT graph, CPTs or Gaussian equations) and the question,
rendered into the templates of a variant with the original causal-reasoning study's placeholders
(docs/origins.md).

Placeholders: ``{var_names} {values} {graph} {cpts} {question} {size} {answer_format}``; the
last is the answer format's own instruction (:mod:`.formats`). Two more serve short prompts for
character-level models trained from scratch (not in the original study): ``{edges}`` (the graph
as ``v1->v0 v1->v2``) and ``{query}`` (the question in the query grammar,
``P(v0=1 | do(v4=1), v2=0) > P(v0=1 | do(v4=0), v2=0)?``) -- the latter hands the model the
formalisation the original prompts ask it to find.
Variants ``specific`` (exam-style, asks for a formalisation), ``generic`` (short expert system
prompt) and ``hint`` (generic plus the algorithm) share everything but the wording, so datasets
that differ only in the variant hold the same graphs, questions and answers. CPTs are listed in a
random order by default (the study's topological listing leaked a topological sort).
"""

from __future__ import annotations

import re

import numpy as np

from ...causal import DiscreteSCM, GaussianSCM, Query
from ...causal.discrete import round_distribution
from ..templates import fill
from .questions import Question
from .rounding import number_text, row_text

VARIANTS: dict[str, dict[str, str]] = {
    "specific": {
        "system": "",
        "user": (
            "You are a graduate student taking a qualifying exam on probabilistic graphical "
            "models and causal inference. Answer the question about the causal model below.\n\n"
            "The model has {size} variables: {var_names}.\n{values}\n\n"
            "The causal graph, in DOT format:\n{graph}\n\n"
            "The parameters:\n{cpts}\n\n"
            "Here's your question: {question}\n\n"
            "First formalise the question (which distribution is asked for, what is observed, "
            "what is intervened on), then analyse the graph and compute the answer step by step. "
            "Write your work under a line THOUGHT PROCESS and your final answer under a line "
            "ANSWER, as {answer_format}."),
    },
    "generic": {
        "system": "You are an expert on graphical models and causal inference. Solve the problem "
                  "exactly. Write your reasoning under THOUGHT PROCESS and the final answer under "
                  "ANSWER.",
        "user": ("Variables: {var_names}.\n{values}\n\nGraph:\n{graph}\n\nParameters:\n{cpts}\n\n"
                 "Question: {question}\nGive the answer as {answer_format}."),
    },
}
VARIANTS["hint"] = {
    "system": VARIANTS["generic"]["system"],
    "user": VARIANTS["generic"]["user"] + (
        "\nHint: first perform graph surgery (remove the edges into every intervened variable and "
        "fix its value; for a counterfactual, build the twin network whose copies share the "
        "noise of the factual world), keep only the target, the evidence and their ancestors, "
        "then eliminate the other variables one at a time (variable elimination, min-fill "
        "order), multiply in the evidence and normalise."),
}


def _natural_key(name: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def _edges(model) -> list[tuple[str, str]]:
    names = model.names
    return sorted(((names[p], names[c]) for c, pa in enumerate(model.parents) for p in pa),
                  key=lambda e: (_natural_key(e[0]), _natural_key(e[1])))


def graph_dot(model) -> str:
    nodes = sorted(model.names, key=_natural_key)
    return ("strict digraph {\n" + "".join(f"  {v};\n" for v in nodes)
            + "".join(f"  {a} -> {b};\n" for a, b in _edges(model)) + "}")


def graph_edges(model) -> str:
    """The graph in one short line: ``v1->v0 v1->v2`` (``no edges`` for none)."""
    return " ".join(f"{a}->{b}" for a, b in _edges(model)) or "no edges"


def _cpt_lines(model: DiscreteSCM, v: int, d: int) -> list[str]:
    name, pa = model.names[v], model.parents[v]
    lines = [f"CPTs for {name}:"]
    table = round_distribution(model.cpts[v].reshape(-1, model.cards[v]), d)[0].tolist()
    for row, combo in enumerate(np.ndindex(*(model.cards[p] for p in pa))):
        cond = ",".join(f"{model.names[p]}={model.states[p][k]}" for p, k in zip(pa, combo, strict=True))
        lines.append(f"P({name}{' | ' + cond if cond else ''}) = {row_text(table[row])}")
    return lines


def _equation(model: GaussianSCM, v: int, d: int) -> str:
    terms = [number_text(model.intercepts[v], d)]
    for p, w in zip(model.parents[v], model.weights[v], strict=True):
        terms.append(f"{'-' if w < 0 else '+'} {number_text(abs(w), d)}*{model.names[p]}")
    return (f"{model.names[v]} = {' '.join(terms)} + {number_text(model.sigmas[v], d)}*e_{model.names[v]},"
            f"  e_{model.names[v]} ~ N(0, 1)")


def describe_model(model, order: list[int], d: int) -> dict[str, str]:
    """The model-dependent placeholders; ``order`` is the listing order of the parameters."""
    names = sorted(model.names, key=_natural_key)
    if isinstance(model, GaussianSCM):
        values = "Every variable is real-valued; the noise terms e_* are independent."
        cpts = "\n".join(_equation(model, v, d) for v in order)
    else:
        values = "\n".join(f"{n} can take values in [{', '.join(model.states[model.dag.index(n)])}]"
                           for n in names)
        cpts = "\n".join(line for v in order for line in _cpt_lines(model, v, d))
    return {"var_names": ", ".join(names), "values": values, "graph": graph_dot(model),
            "edges": graph_edges(model), "cpts": cpts, "size": str(model.n)}


def _assign(pairs, sep: str = " and ") -> str:
    return sep.join(f"{k}={v}" for k, v in pairs)


def _target(q: Query) -> str:
    if q.target_value is not None:
        return f"the probability that {q.target}={q.target_value}"
    if q.comparison is not None:
        return f"the probability that {q.target} {q.comparison} {q.threshold!r}"
    return f"the distribution of {q.target}"


def question_text(q: Query, other: Query | None = None) -> str:
    """The question in words (the formal query is what the solver must reconstruct)."""
    if other is not None:
        return f"Is {_phrase(q)} greater than {_phrase(other)}?"
    return f"What is {_phrase(q)}?"


def _phrase(q: Query) -> str:
    if q.counterfactual:
        seen = f", given that we actually observed {_assign(q.evidence)}" if q.evidence else ""
        return f"{_target(q)} had we intervened to set {_assign(q.counterfactual)}{seen}"
    if q.do:
        after = f" and then observed {_assign(q.evidence)}" if q.evidence else ""
        return f"{_target(q)} given we intervened to set {_assign(q.do)}{after}"
    verb = "are" if len(q.evidence) > 1 else "is"
    seen = f" given that {_assign(q.evidence)} {verb} observed" if q.evidence else ""
    return _target(q) + seen


def render(template: dict[str, str], model_fields: dict[str, str], question: Question,
           instruction: str) -> tuple[str, str]:
    """``(system, user)`` text of one example (``model_fields`` from :func:`describe_model`,
    ``instruction`` the answer format's)."""
    fields = dict(model_fields)
    fields["question"] = question_text(question.query, question.other)
    q, other = question.query, question.other
    fields["query"] = f"{q} > {other}?" if other is not None else f"{q}?"
    fields["answer_format"] = instruction
    return fill(template["system"], fields), fill(template["user"], fields)
