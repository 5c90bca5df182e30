"""Claim measures read from a run folder: every metric summary on hand-written metrics rows
(gaps where a step did not log the metric, nulls skipped), eval accuracy over
distinct prompts (81 copies of one input are one observation), slices, TVD tolerance, and the
messages for measures that do not parse or name nothing the run logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlab.analysis.measures import parse_measure, read_measure
from reasonlab.config import ConfigError

ROWS = [
    {"step": 0, "eval/dev/exact": 0.2},
    {"step": 1, "actor/entropy": 0.5},
    {"step": 2, "actor/entropy": 0.7},
    {"step": 3, "note": "skipped: no entropy"},
    {"step": 4, "actor/entropy": 0.9, "eval/dev/exact": 0.6},
    {"step": 5, "actor/entropy": None},  # how a non-finite value is written
    {"step": 6, "actor/entropy": 0.3, "eval/dev/exact": 0.4},
]


def run(tmp_path: Path, rows=ROWS, evals=None) -> Path:
    folder = tmp_path / "r"
    (folder / "eval").mkdir(parents=True)
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    (folder / "metrics.jsonl").write_text(text, encoding="utf-8")
    for i, (prompt, ok, slices, tvd) in enumerate(evals or []):
        with (folder / "eval" / "t.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps({"id": f"e{i}", "prompt": prompt, "samples": ["x"], "correct": [ok],
                                "slices": slices, "details": [{"tvd": tvd}]}) + "\n")
    return folder


@pytest.mark.parametrize(("measure", "want"), [
    ("first:actor/entropy", 0.5),
    ("final:actor/entropy", 0.3),
    ("max:actor/entropy", 0.9),
    ("min:actor/entropy", 0.3),
    ("mean:actor/entropy", (0.5 + 0.7 + 0.9 + 0.3) / 4),
    ("last2:actor/entropy", (0.9 + 0.3) / 2),
    ("last9:actor/entropy", (0.5 + 0.7 + 0.9 + 0.3) / 4),  # fewer than K: all of them
    ("step3:actor/entropy", 0.7),  # step 3 did not log it: the last value before
    ("step4:eval/dev/exact", 0.6),
    ("step0:eval/dev/exact", 0.2),
    ("first:eval/dev/exact", 0.2),
    ("step99:eval/dev/exact", 0.4),
])
def test_metric_summaries(tmp_path, measure, want):
    assert read_measure(run(tmp_path), parse_measure(measure)) == pytest.approx(want)


def test_eval_accuracy_counts_distinct_prompts(tmp_path):
    evals = [("a", True, ["held_out"], 0.0)] * 81 + [
        ("b", False, [], 0.3), ("c", True, [], 0.02), ("c", False, [], 0.2)]
    folder = run(tmp_path, evals=evals)
    read = lambda m: read_measure(folder, parse_measure(m), "t")  # noqa: E731
    assert read("eval:all") == pytest.approx((1.0 + 0.0 + 0.5) / 3)  # not (81 + 1) / 84
    assert read("eval:held_out") == 1.0
    assert read("eval@0.25:all") == pytest.approx((1.0 + 0.0 + 1.0) / 3)  # tvd 0.3 fails, 0.2 passes
    with pytest.raises(ConfigError, match=r"slice 'rung=3'.*all, held_out"):
        read("eval:rung=3")
    with pytest.raises(ConfigError, match="none is named"):
        read_measure(folder, parse_measure("eval:all"))


@pytest.mark.parametrize("text", ["best:x", "final", "eval", "last0:x", "step:x", "final: x", ""])
def test_bad_measures_name_the_field_and_the_forms(text):
    with pytest.raises(ConfigError) as e:
        parse_measure(text, "claims[c].measure")
    assert "claims[c].measure" in str(e.value) and "stepN:METRIC" in str(e.value)


def test_a_metric_the_run_never_logged_lists_what_it_did(tmp_path):
    folder = run(tmp_path)
    with pytest.raises(ConfigError, match=r"logged no 'actor/kl'; its metrics: actor/entropy"):
        read_measure(folder, parse_measure("final:actor/kl"))
    with pytest.raises(ConfigError, match="by step 0"):
        read_measure(folder, parse_measure("step0:actor/entropy"))
