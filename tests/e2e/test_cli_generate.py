"""``reasonlab generate``: files written, byte-identical for any worker count, no partial split
after an interruption, clean errors for bad configs and overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reasonlab.causal import load_model, query
from reasonlab.cli import main
from reasonlab.data import writer
from reasonlab.validation import InputError

CONFIG = """\
task: causal_qa
seed: 5
nodes: [5]
states: [2, 3]
n_models: {train: 6, dev: 2, test: 2}
n_questions_per_model: {train: 5, dev: 3, test: 3}
rungs: {1: 1, 2: 2, 3: 1}
n_evidence: [0, 1]
trace: true
"""


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(CONFIG)
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_writes_everything_and_is_worker_independent(config_file, tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["generate", str(config_file), "-o", str(one)]) == 0
    assert main(["generate", str(config_file), "-o", str(two), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and str(two) in out
    a, b = _files(one), _files(two)
    assert a == b
    for split, n in (("train", 60), ("dev", 12), ("test", 12)):
        rows = [json.loads(line) for line in (one / f"{split}.jsonl").read_text().splitlines()]
        assert len(rows) == n
        assert pq.read_table(one / f"{split}.parquet").num_rows == n
    assert {"config.yaml", "dataset_card.md", "difficulty.png"} <= set(a)
    # every example names its model; the saved model (JSON and BIF) re-derives the answer
    row = json.loads((one / "dev.jsonl").read_text().splitlines()[0])
    for suffix in (".json", ".bif"):
        model = load_model(one / "models" / f"{row['meta']['model_id']}{suffix}")
        r = query(model, row["meta"]["query"])
        assert [round(float(p), 12) for p in r.probabilities] == [round(g, 12) for g in row["meta"]["gold"]]


def test_overrides_and_rerun_replace_the_dataset(config_file, tmp_path):
    out = tmp_path / "ds"
    assert main(["generate", str(config_file), "-o", str(out), "n_models.train=1", "seed=9"]) == 0
    assert len((out / "train.jsonl").read_text().splitlines()) == 10
    assert "seed: 9" in (out / "config.yaml").read_text()
    assert main(["generate", str(config_file), "-o", str(out)]) == 0
    assert len((out / "train.jsonl").read_text().splitlines()) == 60
    assert len(list((out / "models").glob("*.json"))) == 2 * (6 + 2 + 2)


def test_interrupted_generation_leaves_no_partial_split(config_file, tmp_path, monkeypatch):
    out = tmp_path / "ds"
    original = writer._shard

    def failing(args):
        if args[2] == "dev":
            raise KeyboardInterrupt
        return original(args)

    monkeypatch.setattr(writer, "_shard", failing)
    assert main(["generate", str(config_file), "-o", str(out)]) == 130  # Ctrl-C: "aborted"
    assert not out.exists()  # train was complete, but nothing is published
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # staging removed


@pytest.mark.parametrize("text, override, needle", [
    (CONFIG, "n_models.train=-3", "n_models.train"),
    (CONFIG, "n_evidence=[9, 9]", "n_evidence"),
    (CONFIG, "rungs={5: 1}", "rungs"),
    (CONFIG, "nope", "override"),
    (CONFIG.replace("causal_qa", "no_such_task"), "seed=1", "unknown task"),
    ("- just\n- a list\n", "seed=1", "mapping"),
])
def test_bad_config_is_one_clear_message(tmp_path, capsys, text, override, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["generate", str(path), "-o", str(tmp_path / "out"), override]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_config_file(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def _rewrite_rows(folder: Path, split: str, edit) -> None:
    path = folder / f"{split}.jsonl"
    rows = [edit(json.loads(line)) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def test_rows_carry_the_answer_key_and_old_datasets_still_load(config_file, tmp_path):
    """The answer key has its own field (JSONL and parquet); a dataset written before, with the
    key's values among meta's (answer_format, reward, tolerance), reads back the same; a key that
    does not fit its task is one message saying to regenerate."""
    out = tmp_path / "ds"
    assert main(["generate", str(config_file), "-o", str(out), "reward=soft"]) == 0
    row = json.loads((out / "dev.jsonl").read_text().splitlines()[0])
    assert list(row) == ["id", "task", "split", "prompt", "answer", "completion", "system",
                         "answer_key", "meta"]
    assert row["answer_key"] == {"reward": "soft", "format": "distribution", "tolerance": 0.01}
    assert not {"answer_format", "reward", "tolerance"} & set(row["meta"])
    assert pq.read_table(out / "dev.parquet").column("answer_key").to_pylist()[0] == row["answer_key"]
    new = writer.read_split(out, "dev")

    def old_style(r):
        key = r.pop("answer_key")
        meta = dict(r.pop("meta"))
        return {**r, "meta": {**meta, "answer_format": key["format"], "reward": key["reward"],
                              "tolerance": key["tolerance"]}}

    _rewrite_rows(out, "dev", old_style)
    assert writer.read_split(out, "dev") == new
    _rewrite_rows(out, "dev", lambda r: {**r, "meta": {k: v for k, v in r["meta"].items()
                                                       if k != "answer_format"}})
    with pytest.raises(InputError, match=r"answer_key: field format: Field required.*regenerate"):
        writer.read_split(out, "dev")
    _rewrite_rows(out, "test", lambda r: {**r, "answer_key": {**r["answer_key"], "reward": "fuzzy"}})
    with pytest.raises(InputError, match=r"field reward = 'fuzzy': unknown reward mode.*regenerate"):
        writer.read_split(out, "test")


def test_rl_reward_mode_checked_against_the_datasets_task(config_file, tmp_path):
    """``reward`` of an RL config is checked when the config is read: for ``data.path`` against
    the task named by the dataset's config.yaml, for ``data.task`` against that task."""
    from reasonlab.config import ConfigError, validate
    from reasonlab.train.rl_config import RLConfig

    out = tmp_path / "ds"
    assert main(["generate", str(config_file), "-o", str(out)]) == 0
    assert validate(RLConfig, {"init": "x", "data": {"path": str(out)}, "reward": "tvd"}).reward == "tvd"
    for data in ({"path": str(out)}, {"task": {"task": "causal_qa"}}):
        with pytest.raises(ConfigError, match="field reward = 'partial': task causal_qa offers exact, "
                                              "strict, soft, tvd, seed_strict, seed_soft"):
            validate(RLConfig, {"init": "x", "data": data, "reward": "partial"})
    # a folder without config.yaml: nothing to check against yet (loading the data reports it)
    assert validate(RLConfig, {"init": "x", "data": {"path": str(tmp_path)}, "reward": "x"}).reward == "x"
