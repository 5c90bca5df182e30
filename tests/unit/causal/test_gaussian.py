"""Gaussian rungs 1-3 against an independent exact route: the noise loadings built recursively in
topological order, and rung 3 as conditioning the joint Gaussian of (Y*, X_E) rather than the
engine's noise posterior."""

from __future__ import annotations

import numpy as np
import pytest

from reasonlab.causal import (
    DagConfig,
    GaussianModelConfig,
    Query,
    QueryError,
    ZeroProbabilityEvidence,
    query,
    sample_model,
)


def _loadings(model, do):
    n = model.n
    m, rows = np.zeros(n), np.zeros((n, n))
    for i in model.dag.order:
        if i in do:
            m[i] = do[i]
            continue
        m[i] = model.intercepts[i]
        rows[i, i] = model.sigmas[i]
        for w, p in zip(model.weights[i], model.parents[i], strict=True):
            m[i] += w * m[p]
            rows[i] += w * rows[p]
    return m, rows


def _oracle(model, q: Query):
    idx = model.dag.index
    y = idx(q.target)
    iv = {idx(k): float(v) for k, v in q.interventions}
    ev = {idx(k): float(v) for k, v in q.evidence}
    m_f, l_f = _loadings(model, {} if q.rung == 3 else iv)
    m_t, l_t = _loadings(model, iv)  # the world the target lives in
    if q.rung < 3:
        ev = {k: v for k, v in ev.items() if k not in iv}
    e = list(ev)
    mean_y, row_y = m_t[y], l_t[y]
    if not e:
        return mean_y, row_y @ row_y
    l_e = l_f[e]
    s_ee = l_e @ l_e.T
    s_ye = l_e @ row_y
    k = np.linalg.solve(s_ee, s_ye)
    return mean_y + k @ (np.array([ev[v] for v in e]) - m_f[e]), row_y @ row_y - s_ye @ k


@pytest.mark.parametrize("seed", range(8))
def test_gaussian_matches_independent_closed_form(seed):
    model = sample_model(GaussianModelConfig(dag=DagConfig(nodes=8, parents=(1, 3)), decimals=None), seed)
    rng = np.random.default_rng(seed)
    names = model.names
    for rung in (1, 2, 3):
        for _ in range(5):
            picks = rng.permutation(model.n)
            iv = {names[picks[0]]: float(rng.normal())} if rung > 1 else {}
            ev = {names[i]: float(rng.normal()) for i in picks[1:1 + int(rng.integers(0, 3))]}
            q = Query(target=names[picks[int(rng.integers(0, 4))]], evidence=ev,
                      do=iv if rung == 2 else {}, counterfactual=iv if rung == 3 else {})
            r = query(model, q)
            mean, var = _oracle(model, q)
            assert r.mean == pytest.approx(mean, abs=1e-9), str(q)
            assert r.variance == pytest.approx(max(var, 0.0), abs=1e-9), str(q)


def test_gaussian_edge_cases():
    model = sample_model(GaussianModelConfig(dag=DagConfig(nodes=4)), 1)
    a, b = model.names[0], model.names[1]
    assert query(model, f"P({a} | {a}=0.5)").mean == 0.5
    assert query(model, f"P({a} | {a}=0.5)").variance == 0.0
    r = query(model, f"P({a} | do({a}=2))")
    assert (r.mean, r.variance) == (2.0, 0.0)
    assert query(model, f"P({a} > 1 | do({a}=2))").probability == 1.0
    with pytest.raises(ZeroProbabilityEvidence):
        query(model, f"P({b} | do({a}=2), {a}=1)")
    with pytest.raises(QueryError, match="numbers"):
        query(model, f"P({b} | {a}=high)")
    with pytest.raises(QueryError, match="density"):
        query(model, f"P({b}=1 | {a}=0)")
