"""The data layer's own pieces: one-step publishing, reading splits back, export selection."""

from __future__ import annotations

import json

import pytest

from reasonlab.data.exports import ExportOptions, select
from reasonlab.data.writer import read_split
from reasonlab.files import publish_dir
from reasonlab.tasks import Example
from reasonlab.validation import InputError


def test_publish_dir_replaces_a_folder_in_one_step(tmp_path):
    old, new = tmp_path / "ds", tmp_path / ".ds.staging"
    old.mkdir()
    (old / "a").write_text("old")
    new.mkdir()
    (new / "b").write_text("new")
    publish_dir(new, old)
    assert sorted(p.name for p in old.iterdir()) == ["b"] and not new.exists()
    fresh = tmp_path / ".x.staging"
    fresh.mkdir()
    publish_dir(fresh, tmp_path / "x")  # a new target: a plain rename
    assert (tmp_path / "x").is_dir() and not fresh.exists()


def test_publish_dir_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "ds").write_text("mine")
    (tmp_path / "s").mkdir()
    with pytest.raises(NotADirectoryError):
        publish_dir(tmp_path / "s", tmp_path / "ds")
    assert (tmp_path / "ds").read_text() == "mine"


def _row(**kw) -> dict:
    return {"id": "a", "task": "gsm8k", "split": "dev", "prompt": "p", "answer": "x",
            "completion": "x", "answer_key": {"reward": "exact"}, **kw}


def test_read_split_round_trips_and_names_bad_lines(tmp_path):
    (tmp_path / "dev.jsonl").write_text(json.dumps(_row()) + "\n\n" + json.dumps(_row(id="b")) + "\n")
    assert [e.id for e in read_split(tmp_path, "dev")] == ["a", "b"]
    (tmp_path / "dev.jsonl").write_text(json.dumps(_row()) + "\n" + json.dumps(_row(prompt=3)) + "\n")
    with pytest.raises(InputError, match=r"dev\.jsonl:2: field prompt"):
        read_split(tmp_path, "dev")
    with pytest.raises(InputError, match=r"no test\.jsonl"):
        read_split(tmp_path, "test")


def test_select_filters_bins_then_takes_a_seeded_first_n():
    examples = [Example(id=str(i), task="t", split="train", prompt="", answer="", completion="",
                        meta={"bin": "easy" if i % 2 else "hard"}) for i in range(20)]
    easy = select(examples, "train", ExportOptions(bins=("easy",)))
    assert [e.id for e in easy] == [str(i) for i in range(1, 20, 2)]
    a = select(examples, "train", ExportOptions(first=5, seed=3))
    b = select(examples, "train", ExportOptions(first=5, seed=3))
    c = select(examples, "train", ExportOptions(first=5, seed=4))
    assert [e.id for e in a] == [e.id for e in b] != [e.id for e in c] and len(a) == 5


def test_rows_with_an_empty_meta_still_write_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from reasonlab.data.writer import _parquet_safe

    table = pa.Table.from_pylist([{"id": "a", "meta": {}}, {"id": "b", "meta": {}}])
    pq.write_table(_parquet_safe(table), tmp_path / "x.parquet")
    assert pq.read_table(tmp_path / "x.parquet").column("id").to_pylist() == ["a", "b"]
