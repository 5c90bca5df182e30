"""Rungs 1-2 agree with pgmpy (``do()`` + VariableElimination) on random models up to 30 nodes
and on the classic BIF networks. (pgmpy's ``CausalInference.query`` with evidence is wrong, see
docs/origins.md section 5, so it is not used.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reasonlab.causal import (
    DagConfig,
    DiscreteModelConfig,
    Query,
    ZeroProbabilityEvidence,
    load_model,
    query,
    sample_model,
)
from reasonlab.causal.interop import to_pgmpy

pytest.importorskip("pgmpy")
from pgmpy.inference import VariableElimination

DATA = Path(__file__).parents[2] / "data"


def _pgmpy_answer(net, q: Query) -> np.ndarray:
    mutilated = net.do([k for k, _ in q.do]) if q.do else net
    evidence = dict(q.evidence) | dict(q.do)
    res = VariableElimination(mutilated).query([q.target], evidence=evidence, show_progress=False)
    order = [res.state_names[q.target].index(s) for s in res.state_names[q.target]]
    return np.asarray(res.values)[order]


def _random_queries(model, rng, k):
    names = model.names
    for _ in range(k):
        picks = rng.permutation(model.n)
        y, x = picks[0], picks[1]
        n_ev = int(rng.integers(0, 3))
        ev = {names[i]: model.states[i][int(rng.integers(model.cards[i]))] for i in picks[2:2 + n_ev]}
        do = {names[x]: model.states[x][int(rng.integers(model.cards[x]))]} if rng.random() < 0.7 else {}
        yield Query(target=names[y], do=do, evidence=ev)


@pytest.mark.parametrize("n,states", [(5, 2), (10, 3), (15, 2), (20, 3), (30, 2), (30, 3)])
def test_random_models_match_pgmpy(n, states):
    cfg = DiscreteModelConfig(dag=DagConfig(nodes=n, roots=(1, max(1, n // 4)), parents=(1, 3)),
                              states=states, decimals=None)
    compared = 0
    for seed in range(3):
        model = sample_model(cfg, seed)
        net = to_pgmpy(model)
        rng = np.random.default_rng(seed)
        for q in _random_queries(model, rng, 8):
            ours = query(model, q).probabilities
            np.testing.assert_allclose(ours, _pgmpy_answer(net, q), rtol=0, atol=1e-12, err_msg=str(q))
            compared += 1
    assert compared == 24


@pytest.mark.parametrize("name", ["asia", "cancer", "earthquake", "sachs", "child", "insurance", "alarm"])
def test_classic_networks_match_pgmpy(name):
    model = load_model(DATA / f"{name}.bif")
    net = to_pgmpy(model)
    rng = np.random.default_rng(len(name))
    compared = 0
    for q in _random_queries(model, rng, 12):
        try:
            ours = query(model, q).probabilities
        except ZeroProbabilityEvidence:
            continue
        np.testing.assert_allclose(ours, _pgmpy_answer(net, q), rtol=0, atol=1e-12, err_msg=str(q))
        compared += 1
    assert compared >= 8


def test_bif_reader_matches_pgmpy_reader():
    from pgmpy.readwrite import BIFReader

    for name in ["asia", "alarm", "insurance", "child"]:
        ours = load_model(DATA / f"{name}.bif")
        theirs = BIFReader(str(DATA / f"{name}.bif")).get_model()
        for i, v in enumerate(ours.names):
            cpd = theirs.get_cpds(v)
            assert list(cpd.state_names[v]) == list(ours.states[i])
            assert [ours.names[p] for p in ours.parents[i]] == list(cpd.variables[1:])
            np.testing.assert_array_equal(cpd.get_values().T.reshape(ours.cpts[i].shape), ours.cpts[i])
