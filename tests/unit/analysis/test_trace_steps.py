"""Graph surgery, marginalisation and strategy annotators on hand-written traces with known
verdicts, and the required-variable sets against exact inference."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.toy_scm import TOY
from reasonlab.analysis.traces import check_marginals, check_surgery, query_graph, split_trace, strategy
from reasonlab.causal import solve
from reasonlab.tasks.causal_qa import CausalQAConfig
from reasonlab.tasks.causal_qa.task import generate_group, model_of

DO = query_graph(TOY, "P(v5 | do(v2=1))")


def _surgery(text: str, graph=DO):
    s = check_surgery(split_trace(text), graph)
    return s.verdict, s.evidence, s.line


def test_surgery_cut_from_words_or_a_do_sum():
    assert _surgery("THOUGHT PROCESS\nGraph surgery: remove the incoming edges of v2.\n"
                    "P(v5 | do(v2=1)) = sum_{v3, v4} P(v5 | v3, v4) P(v3 | v2=1) P(v4)") == (
        "cut", "Graph surgery: remove the incoming edges of v2.", 2)
    # a child's CPT given the intervened value is what a correct trace multiplies
    assert _surgery("P(v5 | do(v2=1)) = sum_v3 P(v3 | v2=1) * ...")[0] == "cut"
    assert _surgery("In the mutilated graph v2 has no parents.")[0] == "cut"


def test_surgery_conditioned_is_the_classic_error():
    bayes = ("THOUGHT PROCESS\nP(v5 | v2=1) needs P(v1 | v2=1).\n"
             "By Bayes, P(v1=1 | v2=1) = P(v2=1 | v1=1) P(v1=1) / P(v2=1)")
    assert _surgery(bayes) == ("conditioned", "P(v1 | v2=1)", 2)
    # X's own CPT as a factor, even after surgery words
    own = "We remove the edges into v2.\nP(v5) = sum_v1 P(v5 | v2=1, v1) * P(v2=1 | v1) * P(v1)"
    assert _surgery(own) == ("conditioned", "P(v2=1 | v1)", 2)


def test_surgery_unclear_without_evidence_and_none_off_rung_2():
    assert _surgery("P(v5 | v2=1) = 0.61") == ("unclear", "", 0)  # notation alone decides nothing
    assert _surgery("P(v2=1) = 1 since we set it; so P(v5 | do(v2=1)) = 0.61")[0] == "unclear"
    assert check_surgery(split_trace("surgery"), query_graph(TOY, "P(v5 | v2=1)")) is None
    assert check_surgery(split_trace("surgery"), query_graph(TOY, "P(v5_{v2=1})")) is None


def _marginals(text: str, graph=DO):
    m = check_marginals(split_trace(text), graph)
    return m.marginalised, m.required, m.missing, m.extra


def test_marginals_missing_and_extra():
    # P(v5 | do(v2=1)): v5 <- v3 <- v2 (fixed), v5 <- v4 <- v1: v1, v3, v4 must be summed
    assert DO.label(DO.required) == ("v1", "v3", "v4")
    full = "P(v4) = sum over v1 P(v4 | v1) P(v1). Then P(v5) = \\sum_{v3=0}^{1} Σ_{v4} ..."
    assert _marginals(full) == (("v1", "v3", "v4"), ("v1", "v3", "v4"), (), ())
    short = "Marginalising v3 and v0: ... we don't need to sum over v4."
    assert _marginals(short) == (("v0", "v3"), ("v1", "v3", "v4"), ("v1", "v4"), ("v0",))
    assert _marginals("summing out v2")[3] == ("v2",)  # the intervened variable is a constant


def test_marginals_rung3_names_the_copies():
    g = query_graph(TOY, "P(v5_{v2=1} | v3=0)")
    assert g.label(g.required) == ("v0", "v1", "v2", "v3*", "v4")
    text = "Eliminate v3*: f1 = sum_v3* T(v3, v3* | v2, v2*=1)\nsum over v0, v1 and v2; sum_v4 ..."
    m = check_marginals(split_trace(text), g)
    assert (m.marginalised, m.missing, m.extra) == (("v0", "v1", "v2", "v3*", "v4"), (), ())


def _required_by_inference(model, target: str, evidence: dict, do: dict, candidates) -> set[str]:
    """Ancestors whose value, added to the evidence, changes P(target | ...): the ones a
    derivation cannot skip (random CPTs: the structural answer, generically)."""
    base = solve(model, _query(target, evidence, do)).probabilities
    need = set()
    for a in candidates:
        for state in model.states[model.dag.index(a)]:
            try:
                p = solve(model, _query(target, {**evidence, a: state}, do)).probabilities
            except Exception:  # zero-probability evidence
                continue
            if not np.allclose(p, base, atol=1e-9):
                need.add(a)
    return need


def _query(target, evidence, do):
    conds = ([f"do({', '.join(f'{k}={v}' for k, v in do.items())})"] if do else []) + \
        [f"{k}={v}" for k, v in evidence.items()]
    return f"P({target} | {', '.join(conds)})" if conds else f"P({target})"


@pytest.mark.parametrize("split_seed", [0, 1, 2])
def test_required_sets_match_exact_inference(split_seed):
    config = CausalQAConfig(seed=split_seed, nodes=(7,), states=(2,), rungs={1: 1.0, 2: 1.0},
                            n_evidence=(0, 2), n_models={"train": 1, "dev": 0, "test": 0},
                            n_questions_per_model={"train": 12, "dev": 0, "test": 0})
    model = model_of(config, "train", 0)
    for e in generate_group(config, "train", 0):
        g = query_graph(model, e.meta["query"])
        q = g.query
        ancestral = {g.names[v] for v in g.ancestral} - {q.target} - {k for k, _ in q.evidence} - \
            {k for k, _ in q.do}
        need = _required_by_inference(model, q.target, dict(q.evidence), dict(q.do), sorted(ancestral))
        assert set(g.label(g.required)) == need, e.meta["query"]


def _strategy(text: str, graph=DO) -> str:
    trace = split_trace(text)
    return strategy(trace, check_marginals(trace, graph))


def test_strategy_labels():
    assert _strategy("P(v4) = sum_v1 P(v4 | v1) P(v1)\nP(v3) = sum_v2 ...\nP(v5) = sum_{v3, v4} ...") \
        == "recursion"
    joint = "We sum the full joint: P(v5) = sum_{v1, v3, v4} P(v1) P(v4|v1) P(v3|v2=1) P(v5|v3,v4)"
    assert _strategy(joint) == "brute force summation"
    assert _strategy("P(v5=1) = sum_{v1, v3, v4} P(v1) P(v4 | v1) P(v3 | v2=1) P(v5=1 | v3, v4)") \
        == "brute force summation"
    assert _strategy("We compute it recursively from the roots.") == "recursion"
    assert _strategy("P(v5 | do(v2=1)) = 0.61 from the CPT.") == "other"
