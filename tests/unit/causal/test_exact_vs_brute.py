"""Every rung agrees with brute-force enumeration to 1e-12 on many random small models."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from helpers.causal_oracles import (
    brute_counterfactual,
    brute_interventional,
    n_noise_combos,
    random_query,
    random_small_model,
)
from reasonlab.causal import ZeroProbabilityEvidence, query, query_many


def _check(model, q, expected):
    if expected is None:
        with pytest.raises(ZeroProbabilityEvidence):
            query(model, q)
        return 0
    got = query(model, q).probabilities
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=str(q))
    return 1


@pytest.mark.parametrize("decimals", [None, 1, 2])
@pytest.mark.parametrize("rung", [1, 2])
def test_rungs_1_2_match_enumeration(rung, decimals):
    checked = 0
    for seed in range(60):
        model = random_small_model(1000 * rung + seed, max_nodes=7, decimals=decimals)
        rng = np.random.default_rng(seed)
        for _ in range(6):
            q = random_query(model, rng, rung)
            checked += _check(model, q, brute_interventional(model, q))
    assert checked > 250


@pytest.mark.parametrize("decimals", [None, 1])
def test_rung_3_matches_enumeration_of_noise_intervals(decimals):
    checked = 0
    for seed in range(80):
        model = random_small_model(5000 + seed, max_nodes=5, decimals=decimals)
        if n_noise_combos(model) > 4000:
            continue
        rng = np.random.default_rng(seed)
        for _ in range(4):
            q = random_query(model, rng, 3)
            checked += _check(model, q, brute_counterfactual(model, q))
    assert checked > 150


def test_query_many_equals_query_one_by_one():
    model = random_small_model(77, max_nodes=7)
    rng = np.random.default_rng(0)
    qs = [random_query(model, rng, rung) for rung in (1, 2, 3) for _ in range(40)]
    # repeat shapes with other values so groups share a contraction
    qs += [q for q in qs]
    ok = []
    for q in qs:
        with contextlib.suppress(ZeroProbabilityEvidence):
            ok.append((q, query(model, q).probabilities))
    many = query_many(model, [q for q, _ in ok])
    for (q, single), r in zip(ok, many, strict=True):
        assert r.query == q
        np.testing.assert_allclose(r.probabilities, single, rtol=0, atol=1e-13)


def test_counterfactual_without_evidence_equals_intervention():
    for seed in range(20):
        model = random_small_model(900 + seed, max_nodes=6)
        rng = np.random.default_rng(seed)
        q3 = random_query(model, rng, 3)
        q3 = type(q3)(target=q3.target, counterfactual=q3.counterfactual)
        r3 = query(model, q3).probabilities
        q2 = type(q3)(target=q3.target, do=q3.counterfactual)
        r2 = query(model, q2)
        np.testing.assert_allclose(r3, r2.probabilities, atol=1e-12)


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_both_engines_match_enumeration(engine):
    """query_many and query on the compiled kernel and on the numpy plans (rungs 1-2)."""
    from reasonlab.causal.discrete_inference import solve, solve_many

    for seed in range(40):
        model = random_small_model(700 + seed, max_nodes=6, decimals=1)
        rng = np.random.default_rng(seed)
        qs = [random_query(model, rng, rung) for rung in (1, 2) for _ in range(8)]
        expected = [brute_interventional(model, q) for q in qs]
        qs = [q for q, e in zip(qs, expected, strict=True) if e is not None]
        expected = [e for e in expected if e is not None]
        many = solve_many(model, qs + qs[:3], engine=engine)[: len(qs)]
        for q, e, r in zip(qs, expected, many, strict=True):
            np.testing.assert_allclose(r.probabilities, e, rtol=0, atol=1e-12, err_msg=str(q))
            np.testing.assert_allclose(solve(model, q, engine=engine).probabilities, e, rtol=0,
                                       atol=1e-12, err_msg=str(q))
            assert r.ops == query(model, q).ops


def test_compiled_engine_on_large_relevant_sets():
    """More than 64 free variables in one query takes the kernel's matrix ordering path; a
    ladder DAG (parents i-1 and i-2, treewidth 2) keeps the numpy reference cheap."""
    from reasonlab.causal import DAG, DiscreteSCM
    from reasonlab.causal.discrete_inference import solve, solve_many

    n = 90
    rng = np.random.default_rng(3)
    parents = tuple(tuple(range(max(0, i - 2), i)) for i in range(n))
    cpts = tuple(rng.dirichlet([1.0, 1.0], size=(2,) * len(pa) or None) for pa in parents)
    model = DiscreteSCM(dag=DAG(names=tuple(f"v{i}" for i in range(n)), parents=parents),
                        states=(("0", "1"),) * n, cpts=cpts)
    qs = ["P(v89 | v0=1)", "P(v88 | do(v3=0), v10=1)", "P(v70)", "P(v89 | v45=0, v2=1)"]
    for q, r in zip(qs, solve_many(model, qs), strict=True):
        expected = solve(model, q, engine="numpy").probabilities
        np.testing.assert_allclose(r.probabilities, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(solve(model, q).probabilities, expected, rtol=0, atol=1e-12)
