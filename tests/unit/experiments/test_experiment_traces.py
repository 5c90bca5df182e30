"""An experiment's trace analysis (``traces: true``) on hand-made runs over a generated causal_qa
split: one arm answers with the gold traces (every error rate must be 0), the other with the
same traces whose final answer is changed (a copy error in every trace, and wrong). The table
per arm, its files, the ``trace:LABEL`` measure in a claim, the report's table, and refusals."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from reasonlab.analysis.trace_tables import LabelRate
from reasonlab.config import ConfigError, validate
from reasonlab.data.writer import generate_dataset, read_split
from reasonlab.experiments import load_experiment, study
from reasonlab.tasks.causal_qa import CausalQAConfig

DATA = {"seed": 3, "nodes": [4], "states": [2], "n_models": {"train": 1, "dev": 1, "test": 4},
        "n_questions_per_model": {"train": 1, "dev": 1, "test": 3}, "rungs": {2: 1.0},
        "unique_graphs": "off", "decimals": 2, "trace": True}


def _wrong(completion: str) -> str:
    """The trace with a final answer its own last numbers do not give."""
    head, answer = completion.rsplit("ANSWER\n", 1)
    p = json.loads(answer)
    return f"{head}ANSWER\n[{min(p[0] + 0.3, 1.0):.2f}, {max(p[1] - 0.3, 0.0):.2f}]"


def _run(folder: Path, examples, wrong: bool) -> None:
    (folder / "eval").mkdir(parents=True)
    (folder / "metrics.jsonl").write_text('{"step": 1, "train/loss": 1.0}\n', encoding="utf-8")
    rows = []
    for e in examples:
        out = _wrong(e.completion) if wrong else e.completion
        rows.append(json.dumps({"id": e.id, "prompt": e.prompt, "samples": [out], "correct": [not wrong],
                                "slices": [], "details": [{"tvd": 0.3 if wrong else 0.0}]}))
    (folder / "eval" / "cq-test.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("exp")
    out = root / "out"
    generate_dataset(validate(CausalQAConfig, DATA), out / "data" / "cq")
    examples = read_split(out / "data" / "cq", "test")
    for arm, wrong in (("gold", False), ("sloppy", True)):
        for seed in (0, 1):
            _run(out / "runs" / f"{arm}-s{seed}", examples, wrong)
    spec = {
        "name": "t", "seeds": [0, 1], "traces": True,
        "data": {"cq": {"config": "unused.yaml"}},
        "evaluate": {"data": "cq", "split": "test"},
        "arms": {a: {"train": "sft", "config": "unused.yaml", "data": "cq"} for a in ("gold", "sloppy")},
        "claims": [{"id": "copies", "statement": "the sloppy arm makes more copy errors", "test": "greater",
                    "measure": "trace:error=copy", "a": "sloppy", "b": "gold"}],
    }
    path = root / "t.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path, out


def test_gold_traces_are_clean_and_changed_answers_are_copy_errors(made):
    path, out = made
    exp, _ = load_experiment(path)
    results, files = study(exp, out)
    rates = {(r.system, r.label): r for r in _rates(out)}
    n = 2 * 12  # two seeds of 12 questions each, pooled per arm
    assert rates[("gold", "modeling_error")].k == 0 and rates[("gold", "modeling_error")].n == n
    assert rates[("gold", "error=copy")].k == 0
    assert rates[("gold", "surgery=cut")].k == n  # every question is rung 2 and the gold trace cuts
    assert rates[("sloppy", "error=copy")].k == n == rates[("sloppy", "error=copy")].n
    v = results[0]
    assert v.values == {"sloppy [trace:error=copy]": {0: 1.0, 1: 1.0},
                        "gold [trace:error=copy]": {0: 0.0, 1: 0.0}}
    assert v.label == "held"
    names = {f.relative_to(out).as_posix() for f in files}
    assert {"figures/traces/rules.csv", "figures/traces/rules.png", "figures/traces/rules.svg",
            "figures/traces/rules_traces.jsonl"} <= names
    per_trace = (out / "figures/traces/rules_traces.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(per_trace) == 4 * 12 and {json.loads(x)["system"] for x in per_trace} == {
        "gold-s0", "gold-s1", "sloppy-s0", "sloppy-s1"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Trace analysis" in page and "error=copy" in page and "12/12" not in page and f"{n}/{n}" in page


def _rates(out: Path):
    with (out / "figures/traces/rules.csv").open(encoding="utf-8") as f:
        return [LabelRate(r["system"], r["label"], int(r["k"]), int(r["n"]), 0.0, 0.0, 0.0)
                for r in csv.DictReader(f)]


def test_an_unknown_trace_label_names_the_known_ones(made, tmp_path):
    path, _ = made
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["claims"][0]["measure"] = "trace:errors=copy"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown trace label; choose from .*error=copy"):
        load_experiment(bad)


def test_traces_need_causal_data(made, tmp_path):
    path, out = made
    exp, _ = load_experiment(path)
    moved = tmp_path / "out"
    shutil.copytree(out, moved)
    shutil.rmtree(moved / "data" / "cq" / "models")
    with pytest.raises(ConfigError, match="no models/ folder; trace analysis needs causal_qa data"):
        study(exp, moved)
