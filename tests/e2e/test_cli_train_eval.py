"""``reasonlab train sft``, ``reasonlab eval`` and ``reasonlab test`` through the CLI, on a
short run of configs/boolean_sft.yaml (the numbers are not the point here; test_sft is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlab.cli import main

CONFIGS = Path(__file__).parents[2] / "configs"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    argv = ["train", "sft", str(CONFIGS / "boolean_sft.yaml"), f"run_dir={root}", "max_steps=30",
            "eval_every=30", "model.n_layer=2", "data.task.sizes.train=2000", "--no-progress"]
    assert main(argv) == 0
    return root / "boolean_sft"


def test_train_writes_a_run(run, capsys):
    assert (run / "final" / "model.safetensors").is_file()
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 31))
    assert rows[-1]["train/loss"] < rows[0]["train/loss"]  # it learned something in 30 steps
    assert 0 <= rows[-1]["eval/dev/exact"] <= 1 and rows[-1]["test/score"] == rows[-1]["eval/held_out/reward"]
    assert "max_steps: 30" in (run / "config.yaml").read_text()
    assert {p.name for p in (run / "checkpoints" / "step-30").iterdir()} >= {
        "model.safetensors", "trainer_state.json", "trainer_state.safetensors", "tokenizer.json"}


def test_eval_writes_results_and_summary(run, tmp_path, capsys):
    data = tmp_path / "bw"
    assert main(["generate", str(CONFIGS / "boolean_world.yaml"), "-o", str(data), "sizes.train=10",
                 "sizes.dev=20", "sizes.test=20"]) == 0
    capsys.readouterr()
    assert main(["eval", str(run), "--data", str(data / "test"), "--samples", "4",
                 "--temperature", "1.0", "--name", "t"]) == 0
    assert "pass@4" in capsys.readouterr().out
    summary = json.loads((run / "eval" / "t.summary.json").read_text())
    assert set(summary) == {"n", "prompts", "exact_match", "reward", "pass@k", "slices"}
    assert summary["n"] == 20 and "held_out" in summary["slices"]
    assert set(summary["pass@k"]) == {"pass@1", "pass@2", "pass@4"}
    rows = [json.loads(x) for x in (run / "eval" / "t.jsonl").read_text().splitlines()]
    assert len(rows) == 20 and len(rows[0]["samples"]) == 4 and rows[0]["prompt"] == "1,0,1,0,1"
    p = summary["pass@k"]
    assert 0 <= p["pass@1"] <= p["pass@2"] <= p["pass@4"] <= 1


def test_a_second_run_of_the_same_name_needs_overwrite(run, capsys):
    argv = ["train", "sft", str(CONFIGS / "boolean_sft.yaml"), f"run_dir={run.parent}", "max_steps=2",
            "model.n_layer=1", "data.task.sizes.train=200", "--no-progress"]
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 30  # untouched


def test_test_command(run, capsys):
    assert main(["test", str(run), "1,0,1,0,1"]) == 0
    out = capsys.readouterr().out
    assert "newA" in out and "summary[1]" in out and "rules: '\\n0,1,0,1\\n3 - 2\\n'" in out
    assert main(["test", str(run), "1,0"]) == 2
    assert main(["eval", str(run / "nope"), "--data", "x/test"]) == 2
