"""Discrete/Gaussian model construction, display rounding, random models, JSON and BIF I/O."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reasonlab.causal import (
    DagConfig,
    DiscreteModelConfig,
    GaussianModelConfig,
    ModelError,
    QueryError,
    ZeroProbabilityEvidence,
    load_model,
    model_to_dict,
    query,
    round_distribution,
    sample_model,
    save_model,
)

DATA = Path(__file__).parents[2] / "data"


def test_round_distribution_hand_vectors():
    v, u = round_distribution(np.array([1 / 3, 1 / 3, 1 / 3]), 2)
    assert u.tolist() == [34, 33, 33] and v.tolist() == [0.34, 0.33, 0.33]
    v, u = round_distribution(np.array([0.996, 0.004]), 2)
    assert u.tolist() == [100, 0]
    v, u = round_distribution(np.array([0.29, 0.71]), 2)  # 0.29*100 = 28.999999999999996
    assert u.tolist() == [29, 71]
    v, u = round_distribution(np.array([0.125, 0.125, 0.75]), 2)  # tie goes to the lower index
    assert u.tolist() == [13, 12, 75]


@settings(max_examples=300, deadline=None)
@given(raw=arrays(np.float64, st.integers(2, 6), elements=st.floats(0.0, 1.0)),
       decimals=st.integers(0, 6))
def test_round_distribution_properties(raw, decimals):
    if raw.sum() <= 1e-9:
        raw = raw + 1.0
    p = raw / raw.sum()
    v, u = round_distribution(p, decimals)
    assert u.sum() == 10**decimals and (u >= 0).all()
    assert np.all(np.abs(v - p) < 10.0**-decimals + 1e-12)
    _v2, u2 = round_distribution(v, decimals)
    assert (u2 == u).all()  # idempotent: displayed tables display as themselves


def test_displayed_answers_are_computed_from_the_displayed_tables():
    cfg = DiscreteModelConfig(dag=DagConfig(nodes=6), states=3, decimals=2)
    shown = sample_model(cfg, 5)
    exact = sample_model(cfg.model_copy(update={"answers_from": "exact"}), 5)
    for a, b in zip(shown.cpts, exact.cpts, strict=True):
        assert np.all(np.abs(a - b) <= 0.01 + 1e-12)
        np.testing.assert_array_equal(round_distribution(b, 2)[0], a)


def test_random_models_are_seeded():
    cfg = DiscreteModelConfig(dag=DagConfig(nodes=8), states=(2, 4), alpha=0.5)
    a, b, c = sample_model(cfg, 1), sample_model(cfg, 1), sample_model(cfg, 2)
    assert model_to_dict(a) == model_to_dict(b) != model_to_dict(c)
    assert set(a.cards) <= {2, 3, 4}
    ss = np.random.SeedSequence(9).spawn(2)
    assert model_to_dict(sample_model(cfg, ss[0])) != model_to_dict(sample_model(cfg, ss[1]))


@pytest.mark.parametrize("family", ["discrete", "gaussian"])
def test_json_round_trip_is_exact(tmp_path, family):
    cfg = (DiscreteModelConfig(dag=DagConfig(nodes=7), states=(2, 3), decimals=None)
           if family == "discrete" else GaussianModelConfig(dag=DagConfig(nodes=7), decimals=None))
    m = sample_model(cfg, 3)
    path = save_model(m, tmp_path / "m.json", meta={"seed": 3})
    back = load_model(path)
    assert model_to_dict(back) == model_to_dict(m)
    assert json.loads(path.read_text())["meta"] == {"seed": 3}
    q = f"P({m.names[0]} | do({m.names[1]}=1))"
    a, b = query(m, q), query(back, q)
    assert a.to_dict() == b.to_dict()


def test_bif_round_trip_is_exact(tmp_path):
    for name in ["asia", "insurance"]:
        m = load_model(DATA / f"{name}.bif")
        back = load_model(save_model(m, tmp_path / f"{name}.bif"))
        assert model_to_dict(back) == model_to_dict(m)
    r = sample_model(DiscreteModelConfig(dag=DagConfig(nodes=9), states=3, decimals=None), 4)
    assert model_to_dict(load_model(save_model(r, tmp_path / "r.bif"))) == model_to_dict(r)


def test_asia_hand_values():
    asia = load_model(DATA / "asia.bif")
    # P(lung=yes) = 0.5*0.1 + 0.5*0.01
    assert query(asia, "P(lung)").probabilities[0] == pytest.approx(0.055, abs=1e-15)
    # do(smoke=yes): lung ~ P(lung | smoke=yes)
    assert query(asia, "P(lung=yes | do(smoke=yes))").probability == pytest.approx(0.1, abs=1e-15)
    # observing lung changes smoke, intervening on lung does not
    assert query(asia, "P(smoke=yes | lung=yes)").probability == pytest.approx(0.05 / 0.055, abs=1e-15)
    assert query(asia, "P(smoke=yes | do(lung=yes))").probability == pytest.approx(0.5, abs=1e-15)
    # a factual query whose target is in the evidence is one-hot
    assert query(asia, "P(tub | tub=no)").probabilities.tolist() == [0.0, 1.0]


def test_zero_probability_and_binding_errors():
    m = load_model(DATA / "asia.bif")
    # either = tub OR lung is deterministic: either=no with tub=yes is impossible
    with pytest.raises(ZeroProbabilityEvidence):
        query(m, "P(dysp | tub=yes, either=no)")
    with pytest.raises(ZeroProbabilityEvidence):
        query(m, "P(dysp | do(tub=yes), either=no)")
    with pytest.raises(ZeroProbabilityEvidence):
        query(m, "P(dysp | do(tub=yes), tub=no)")
    with pytest.raises(QueryError, match="did you mean smoke"):
        query(m, "P(smok)")
    with pytest.raises(QueryError, match=r"takes values \['yes', 'no'\]"):
        query(m, "P(dysp | smoke=maybe)")
    with pytest.raises(QueryError, match="Gaussian"):
        query(m, "P(dysp > 0.5)")


def test_bad_model_files_give_one_clear_error(tmp_path):
    cases = {
        "a.json": ("{not json", "not valid JSON"),
        "b.json": ('{"family": "weird"}', "'family' is 'weird'"),
        "c.json": ('{"format": "reasonlab-scm", "version": 1, "family": "discrete", "variables": '
                   '[{"name": "a", "states": ["0", "1"], "cpt": [[0.5, 0.6]]}]}', "sums to"),
        "d.json": ('{"format": "reasonlab-scm", "version": 1, "family": "discrete", "variables": '
                   '[{"name": "a", "states": ["0"], "parents": ["zz"], "cpt": [[1]]}]}', "unknown parents"),
        "e.json": ('{"format": "reasonlab-scm", "version": 1, "family": "gaussian", "variables": '
                   '[{"name": "a", "sigma": "x"}]}', "variables.0.sigma"),
        "f.bif": ("variable a { type discrete [ 2 ] { x, y }; }\nprobability ( a ) { table 0.5; }",
                  "line 2"),
        "g.txt": ("", "unknown model format"),
    }
    for name, (text, fragment) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ModelError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
            load_model(tmp_path / name)
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "missing.json")
