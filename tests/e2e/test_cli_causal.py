"""The ``reasonlab`` CLI: causal sample-model / query / show, demo, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reasonlab.causal import load_model, query
from reasonlab.cli import main

DATA = Path(__file__).parents[1] / "data"


def test_sample_model_then_query_json(tmp_path, capsys):
    out = tmp_path / "model.json"
    assert main(["causal", "sample-model", "--nodes", "10", "--states", "3", "--seed", "7",
                 "-o", str(out)]) == 0
    model = load_model(out)
    assert model.n == 10 and set(model.cards) == {3}
    capsys.readouterr()
    assert main(["causal", "query", str(out), "P(v2 | do(v3=1), v0=0)", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    expected = query(model, "P(v2 | do(v3=1), v0=0)")
    assert got["query"] == "P(v2 | do(v3=1), v0=0)"
    assert got["values"] == ["0", "1", "2"]
    assert np.array_equal(got["probabilities"], expected.probabilities)


def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for p in (a, b):
        argv = ["causal", "sample-model", "-n", "8", "--states", "2-3", "--seed", "3", "-o", str(p)]
        assert main(argv) == 0
    assert a.read_bytes() == b.read_bytes()


def test_query_bif_and_gaussian(tmp_path, capsys):
    assert main(["causal", "query", str(DATA / "asia.bif"), "P(lung | smoke=yes)", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["probabilities"] == [0.1, 0.9]
    g = tmp_path / "g.json"
    assert main(["causal", "sample-model", "--family", "gaussian", "-n", "5", "-o", str(g)]) == 0
    capsys.readouterr()
    assert main(["causal", "query", str(g), "P(v1 | do(v0=1))", "P(v1 > 0 | v0=1)", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out[0]) == {"query", "mean", "variance"} and "probability" in out[1]


def test_human_output_and_show(capsys):
    assert main(["causal", "query", str(DATA / "asia.bif"), "P(dysp_{smoke=no} | smoke=yes)"]) == 0
    text = capsys.readouterr().out
    assert "dysp" in text and "rung 3" in text
    assert main(["causal", "show", str(DATA / "asia.bif")]) == 0
    assert "P(either | lung, tub)" in capsys.readouterr().out


@pytest.mark.parametrize("argv,fragment", [
    (["causal", "query", "{asia}", "P(dysp | do(smoke=no)"], "expected ',' or ')'"),
    (["causal", "query", "{asia}", "P(smok)"], "did you mean smoke"),
    (["causal", "query", "{asia}", "P(dysp | tub=yes, either=no)"], "probability zero"),
    (["causal", "query", "missing.json", "P(a)"], "no such model file"),
    (["causal", "sample-model", "--states", "1"], "field states"),
    (["causal", "sample-model", "--parents", "x"], "--parents"),
    (["causal", "sample-model", "--family", "poisson"], "choose one of"),
])
def test_bad_input_is_one_clear_message(argv, fragment, capsys, tmp_path):
    argv = [a.replace("{asia}", str(DATA / "asia.bif")) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err.replace("\n", " ") and "Traceback" not in err


def test_failed_write_leaves_no_file(tmp_path):
    out = tmp_path / "bad.bif"
    assert main(["causal", "sample-model", "--family", "gaussian", "-o", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_help_on_every_command(capsys):
    for argv in (["--help"], ["causal", "--help"], ["causal", "sample-model", "--help"],
                 ["causal", "query", "--help"], ["causal", "show", "--help"], ["demo", "--help"]):
        assert main(argv) == 0
        assert "Usage" in capsys.readouterr().out


def test_demo_runs_and_checks_every_rung(capsys):
    assert main(["demo", "--samples", "20000", "--no-study"]) == 0  # the experiment: test_cli_experiment
    out = capsys.readouterr().out
    for rung in ("rung 1", "rung 2", "rung 3"):
        assert rung in out
    assert "linear-Gaussian" in out
