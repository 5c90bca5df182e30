"""``reasonlab export``: VeRL parquet, TRL (standard and conversational), RL2-style chat, HF
datasets; bin subsets; --first takes a seeded shuffle, not file order; the VeRL reward entry
point scores with the task verifier."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from reasonlab.bridges.verl import compute_score
from reasonlab.cli import main

CONFIG = """\
task: causal_qa
seed: 2
nodes: [5]
states: [2]
n_models: {train: 6, dev: 2, test: 2}
n_questions_per_model: {train: 6, dev: 3, test: 3}
rungs: {1: 1, 2: 1, 3: 1}
n_evidence: [0, 1]
prompt: {variant: generic}
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    (root / "c.yaml").write_text(CONFIG)
    assert main(["generate", str(root / "c.yaml"), "-o", str(root / "ds")]) == 0
    return root / "ds"


def _jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_verl_parquet_and_reward(dataset):
    assert main(["export", str(dataset), "--to", "verl"]) == 0
    rows = pq.read_table(dataset / "exports/verl/train.parquet").to_pylist()
    source = _jsonl(dataset / "train.jsonl")
    assert len(rows) == len(source) == 36
    row, src = rows[0], source[0]
    assert row["data_source"] == "causal_qa/n5v2" and row["ability"] == "causal_reasoning"
    assert row["prompt"][0]["role"] == "system" and row["prompt"][1]["content"] == src["prompt"]
    assert row["reward_model"] == {"style": "rule", "ground_truth": src["answer"]}
    assert row["extra_info"]["id"] == src["id"] and row["extra_info"]["query"] == src["meta"]["query"]
    for r, s in zip(rows, source, strict=True):
        assert compute_score(r["data_source"], s["completion"], r["reward_model"]["ground_truth"],
                             r["extra_info"])["score"] == 1.0
        assert compute_score(r["data_source"], "ANSWER: [0.5, 0.4]", r["reward_model"]["ground_truth"],
                             r["extra_info"])["score"] == 0.0


def test_verl_rows_carry_the_answer_key_and_old_exports_still_score(dataset):
    """``extra_info.answer_key`` is what the verifier needs; an export written before it had its
    own field (its values flattened among the meta fields) scores the same."""
    assert main(["export", str(dataset), "--to", "verl", "-o", str(dataset / "exports/v2")]) == 0
    rows = pq.read_table(dataset / "exports/v2/dev.parquet").to_pylist()
    assert rows[0]["extra_info"]["answer_key"] == {"reward": "exact", "format": "distribution",
                                                   "tolerance": 0.01}
    for r in rows:
        key = r["extra_info"]["answer_key"]
        old = {k: v for k, v in r["extra_info"].items() if k != "answer_key"}
        old |= {"answer_format": key["format"], "reward": "soft", "tolerance": key["tolerance"]}
        truth = r["reward_model"]["ground_truth"]
        assert compute_score(r["data_source"], f"ANSWER {truth}", truth, old)["score"] == 1.0
        assert compute_score(r["data_source"], "ANSWER [0.5, 0.4]", truth, old)["score"] == pytest.approx(0.1)
        assert compute_score(r["data_source"], "ANSWER [0.5, 0.4]", truth, r["extra_info"])["score"] == 0.0


def test_first_is_a_seeded_shuffle_and_bins_filter(dataset, tmp_path):
    out = tmp_path / "a"
    assert main(["export", str(dataset), "--to", "chat", "--first", "10", "-o", str(out)]) == 0
    again = tmp_path / "b"
    assert main(["export", str(dataset), "--to", "chat", "--first", "10", "-o", str(again)]) == 0
    ids = [r["extra_info"]["id"] for r in _jsonl(out / "train.jsonl")]
    in_order = [r["id"] for r in _jsonl(dataset / "train.jsonl")][:10]
    assert len(ids) == 10 and ids != in_order  # not the first 10 rows (= 2 models)
    assert len({i.rsplit("-", 1)[0] for i in ids}) > 2
    assert (out / "train.jsonl").read_bytes() == (again / "train.jsonl").read_bytes()
    easy = tmp_path / "easy"
    assert main(["export", str(dataset), "--to", "chat", "--bins", "easy", "-o", str(easy)]) == 0
    rows = _jsonl(easy / "train.jsonl")
    assert rows and all(r["extra_info"]["bin"] == "easy" for r in rows)
    assert rows[0]["messages"][-1]["role"] == "user" and "answer" in rows[0]["extra_info"]


def test_trl_formats_and_hf(dataset, tmp_path):
    assert main(["export", str(dataset), "--to", "trl", "-o", str(tmp_path / "std")]) == 0
    std = _jsonl(tmp_path / "std" / "dev.jsonl")[0]
    assert set(std) == {"prompt", "completion"} and std["completion"].startswith("ANSWER")
    conv_dir = tmp_path / "conv"
    assert main(["export", str(dataset), "--to", "trl", "--conversational", "-o", str(conv_dir)]) == 0
    conv = _jsonl(tmp_path / "conv" / "dev.jsonl")[0]
    assert conv["prompt"][0]["role"] == "system" and conv["completion"][0]["role"] == "assistant"
    assert main(["export", str(dataset), "--to", "hf", "-o", str(tmp_path / "hf")]) == 0
    from datasets import load_from_disk

    ds = load_from_disk(str(tmp_path / "hf"))
    assert ds["train"].num_rows == 36 and "query" in json.loads(ds["test"][0]["meta"])
    assert ds["test"][0]["id"] == _jsonl(dataset / "test.jsonl")[0]["id"]


def test_bad_export_arguments(dataset, tmp_path, capsys):
    assert main(["export", str(dataset), "--to", "nope"]) == 2
    assert "unknown export format" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--to", "verl"]) == 2
    assert "reasonlab generate" in capsys.readouterr().err
    assert main(["export", str(dataset), "--to", "verl", "--bins", "impossible"]) == 2
