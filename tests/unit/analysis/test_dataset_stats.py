"""``reasonlab data-stats``: the histogram counts of every difficulty metric per split equal a
direct count over the rows, and a dataset without difficulty metrics is refused clearly."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from reasonlab.analysis.datasets import METRICS, write_dataset_stats
from reasonlab.cli import main
from reasonlab.config import ConfigError
from reasonlab.data.writer import read_split

CONFIGS = Path(__file__).parents[3] / "configs"


def test_counts_equal_a_direct_count(tmp_path):
    data = tmp_path / "n5"
    assert (
        main(
            [
                "generate",
                str(CONFIGS / "causal_qa" / "n5_interventional_generic.yaml"),
                "-o",
                str(data),
                "n_models.train=3",
                "n_models.dev=2",
                "n_models.test=2",
                "n_questions_per_model.train=10",
                "n_questions_per_model.dev=10",
                "n_questions_per_model.test=10",
            ]
        )
        == 0
    )
    files = write_dataset_stats(data, tmp_path / "stats")
    assert [f.name for f in files] == ["difficulty.csv", "difficulty.png", "difficulty.svg"]
    rows = list(csv.DictReader((tmp_path / "stats" / "difficulty.csv").open()))
    for split in ("train", "dev", "test"):
        metas = [e.meta for e in read_split(data, split)]
        for metric in METRICS:
            want = Counter(int(m[metric]) for m in metas)
            got = {
                int(r["value"]): int(r["count"])
                for r in rows
                if r["metric"] == metric and r["split"] == split
            }
            assert got == dict(want), (split, metric)


def test_refuses_data_without_difficulty(tmp_path, capsys):
    assert (
        main(
            [
                "generate",
                str(CONFIGS / "boolean_world.yaml"),
                "-o",
                str(tmp_path / "bw"),
                "sizes.train=5",
                "sizes.dev=5",
                "sizes.test=5",
            ]
        )
        == 0
    )
    with pytest.raises(ConfigError, match="carry no difficulty metrics"):
        write_dataset_stats(tmp_path / "bw", tmp_path / "s")
    assert main(["data-stats", str(tmp_path / "nothing")]) == 2
    assert "no train/dev/test .jsonl" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
