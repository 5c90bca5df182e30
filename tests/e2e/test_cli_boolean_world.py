"""``causal-experiment`` (the original project's flags) and ``reasonlab generate configs/boolean_world.yaml``
from a clean folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlab.cli import main as reasonlab
from reasonlab.cli.causal_experiment import main as causal_experiment

CONFIGS = Path(__file__).parents[2] / "configs"


def test_causal_experiment_generate(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert causal_experiment(["--generate", "-o", "1,1,1,1,1;0,0,0,0,0"]) == 0
    out = capsys.readouterr().out
    assert "dataset/train.jsonl (20000 train examples)" in out
    rows = {s: [json.loads(x) for x in (tmp_path / "dataset" / f"{s}.jsonl").read_text().splitlines()]
            for s in ("train", "valid", "test")}
    assert [len(rows[s]) for s in ("train", "valid", "test")] == [20000, 2000, 2000]
    assert set(rows["train"][0]) == {"prompt", "completion"}  # the original's exact format
    for s in ("train", "valid"):
        assert not {r["prompt"] for r in rows[s]} & {"1,1,1,1,1", "0,0,0,0,0"}
    assert [r["prompt"] for r in rows["test"][:2]] == ["0,0,0,0,0", "1,1,1,1,1"]
    assert rows["test"][1]["completion"] == "\n0,0,1,1\n5 - 2\n"
    assert list((tmp_path / "logs").glob("causal_experiment_*.log"))


def test_causal_experiment_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert causal_experiment(["--test", "1,0,1,0,1"]) == 2
    assert "no trained model in out/tiny-gpt2-causal/final/" in capsys.readouterr().err
    assert causal_experiment(["--train"]) == 2
    assert "causal-experiment --generate" in capsys.readouterr().err
    assert causal_experiment(["--test", "1,0,1"]) == 2
    assert "5 comma-separated bits" in capsys.readouterr().err


@pytest.mark.slow
def test_causal_experiment_generate_train_test(tmp_path, monkeypatch, capsys):
    """The original whole flow: generate with 1,0,1,0,1 held out, train, test it (~1 min)."""
    monkeypatch.chdir(tmp_path)
    assert causal_experiment(["--generate", "-o", "1,0,1,0,1"]) == 0
    assert causal_experiment(["--train"]) == 0
    assert (tmp_path / "out" / "tiny-gpt2-causal" / "final" / "model.safetensors").is_file()
    capsys.readouterr()
    assert causal_experiment(["--test", "1,0,1,0,1"]) == 0
    out = capsys.readouterr().out
    assert "model: '\\n0,1,0,1\\n3 - 2\\n'" in out and "wrong" not in out


def test_reasonlab_generate_boolean_world(tmp_path, capsys):
    out = tmp_path / "bw"
    assert reasonlab(["generate", str(CONFIGS / "boolean_world.yaml"), "-o", str(out),
                      "sizes.train=500", "sizes.dev=50", "sizes.test=50"]) == 0
    assert str(out) in capsys.readouterr().out
    rows = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert rows[0]["prompt"] == "1,0,1,0,1" and rows[0]["meta"]["held_out"] is True
    assert rows[0]["completion"] == "\n0,1,0,1\n3 - 2\n"
    assert (out / "world.yaml").read_text().startswith("name: causal-experiment")
    assert reasonlab(["generate", str(CONFIGS / "boolean_world_ladder.yaml"), "-o", str(tmp_path / "l"),
                      "sizes.train=300", "sizes.dev=30", "sizes.test=30"]) == 0
