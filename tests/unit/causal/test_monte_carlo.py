"""Exact answers agree with Monte Carlo: rung 3 by replaying the sampled noise under the
intervention, Gaussian rungs by regression on samples. Tolerances are 5 standard errors of the
estimate at the sample size used, so a correct engine fails with probability < 1e-5 per check."""

from __future__ import annotations

import numpy as np

from helpers.causal_oracles import random_query, random_small_model
from reasonlab.causal import (
    DagConfig,
    GaussianModelConfig,
    Query,
    ZeroProbabilityEvidence,
    query,
    sample,
    sample_model,
)

N = 200_000


def _mc_counterfactual(model, q: Query, seed: int):
    fact = sample(model, N, seed=seed)
    cf = sample(model, N, do=dict(q.counterfactual), noise=fact.noise)
    keep = np.ones(N, dtype=bool)
    for k, v in q.evidence:
        keep &= fact.column(k) == model.state_index(model.dag.index(k), v)
    y = cf.column(q.target)[keep]
    return np.bincount(y, minlength=model.cards[model.dag.index(q.target)]) / max(len(y), 1), len(y)


def test_discrete_counterfactuals_match_replayed_noise():
    checked = 0
    for seed in range(12):
        model = random_small_model(300 + seed, max_nodes=6)
        rng = np.random.default_rng(seed)
        q = random_query(model, rng, 3)
        try:
            exact = query(model, q).probabilities
        except ZeroProbabilityEvidence:
            continue
        est, kept = _mc_counterfactual(model, q, seed)
        if kept < 2000:
            continue
        se = np.sqrt(exact * (1 - exact) / kept)
        assert np.all(np.abs(est - exact) <= 5 * se + 1e-9), (str(q), est, exact)
        checked += 1
    assert checked >= 6


def test_discrete_interventional_matches_sampling_under_do():
    model = random_small_model(4242, max_nodes=6)
    x, y = model.names[0], model.names[-1]
    exact = query(model, Query(target=y, do={x: 1})).probabilities
    s = sample(model, N, seed=1, do={x: 1})
    est = np.bincount(s.column(y), minlength=len(exact)) / N
    assert np.all(np.abs(est - exact) <= 5 * np.sqrt(exact * (1 - exact) / N) + 1e-9)


def _gaussian(seed: int, n: int = 6):
    return sample_model(GaussianModelConfig(dag=DagConfig(nodes=n, roots=(1, 2)), decimals=None), seed)


def _regress(y: np.ndarray, xs: np.ndarray, at: np.ndarray) -> tuple[float, float, float]:
    """Least-squares E[y | xs = at] and residual variance (exact for jointly Gaussian data)."""
    design = np.column_stack([np.ones(len(y)), xs])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    pred_design = np.concatenate([[1.0], at])
    return float(pred_design @ coef), float(resid.var()), len(y)


def test_gaussian_rungs_match_monte_carlo():
    for seed in range(6):
        model = _gaussian(seed)
        names = model.names
        y, x, e = names[-1], names[0], names[1]
        e_val = 0.7
        cases = [
            (Query(target=y, do={x: 1.5}), None),
            (Query(target=y, evidence={e: e_val}), {}),
            (Query(target=y, do={x: 1.5}, evidence={e: e_val}), {x: 1.5}),
            (Query(target=y, counterfactual={x: 1.5}, evidence={e: e_val, y: 0.2}), "cf"),
        ]
        for q, mode in cases:
            exact = query(model, q)
            if mode is None:  # no evidence: moments of samples under do
                s = sample(model, N, seed=seed, do=dict(q.do)).column(y)
                mean, var, n = float(s.mean()), float(s.var()), N
            elif mode == "cf":  # regress Y* on the factual evidence variables
                fact = sample(model, N, seed=seed)
                cf = sample(model, N, do=dict(q.counterfactual), noise=fact.noise)
                xs = np.column_stack([fact.column(k) for k, _ in q.evidence])
                at = np.array([float(v) for _, v in q.evidence])
                mean, var, n = _regress(cf.column(y), xs, at)
            else:
                s = sample(model, N, seed=seed, do=mode)
                mean, var, n = _regress(s.column(y), s.column(e)[:, None], np.array([e_val]))
            sd = np.sqrt(max(exact.variance, 1e-12))
            assert abs(mean - exact.mean) <= 5 * sd / np.sqrt(n) * 3 + 1e-9, (str(q), mean, exact.mean)
            assert abs(var - exact.variance) <= 5 * exact.variance * np.sqrt(2 / n) + 1e-9, (
                str(q), var, exact.variance)


def test_gaussian_tail_probability_matches_sampling():
    model = _gaussian(11)
    y, x = model.names[-1], model.names[0]
    r = query(model, f"P({y} > 0.25 | do({x}=-1))")
    s = sample(model, N, seed=3, do={x: -1}).column(y)
    p = r.probability
    assert abs((s > 0.25).mean() - p) <= 5 * np.sqrt(p * (1 - p) / N)
