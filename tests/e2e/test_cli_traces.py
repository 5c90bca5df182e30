"""``reasonlab traces`` with the rule-based annotators on a generated causal_qa split: results
files whose traces are the gold completions (must come out clean) and the same traces with
known errors written in (a false independence claim, a wrong final answer), the gold system,
agreement of rules vs a local judge vs human labels, and the refusals of bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers.judge_server import serve_judge
from reasonlab.analysis.traces import load_models
from reasonlab.cli import main
from reasonlab.data.writer import read_split

CLAIM = "Note: {y} is independent of {x}."


def judged(trace: str) -> bool:
    """The local judge's rule: independence claims, and (wrongly) every graph surgery."""
    return "independent" in trace or "Surgery:" in trace


def _target(query: str) -> str:
    return query.removeprefix("P(").split("|")[0].split(")")[0].split("_")[0].strip()


def _parent(example, models) -> str | None:
    """A parent of a rung-1 query's target: "target is independent of it" is false (adjacent)."""
    if example.meta["rung"] != 1:
        return None
    m = models[example.meta["model_id"]]
    t = m.names.index(_target(example.meta["query"]))
    return m.names[m.parents[t][0]] if m.parents[t] else None


def _sloppy(example, models) -> tuple[str, bool, bool]:
    """The gold trace with errors written in: (trace, has a false claim, has a copy error)."""
    lines = example.completion.splitlines()
    parent = _parent(example, models)
    if parent is not None:
        lines.insert(2, CLAIM.format(y=_target(example.meta["query"]), x=parent))
    gold = [round(p, 2) for p in example.meta["gold"]]
    wrong = [gold[0] + 0.1, *gold[1:-1], gold[-1] - 0.1]  # ten times what the rounding allows
    copy = (int(example.id.rsplit("-", 1)[1]) % 2 == 0 and gold[-1] >= 0.1
            and sorted(round(w, 2) for w in wrong) != sorted(gold))  # (the check ignores order)
    if copy:
        lines[-1] = "[" + ", ".join(f"{w:.2f}" for w in wrong) + "]"
    return "\n".join(lines), parent is not None, copy


def _row(example, output: str) -> dict:
    return {"id": example.id, "prompt": example.prompt, "answer": example.answer, "samples": [output],
            "correct": [output == example.completion], "details": [{}], "slices": [],
            "meta": example.meta}


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("traces")
    data = root / "ds"
    argv = ["generate", str(Path(__file__).parents[2] / "configs/causal_qa/n5_ladder_sft.yaml"),
            "-o", str(data), "n_models.train=1", "n_models.dev=0", "n_models.test=3",
            "n_questions_per_model.train=2", "n_questions_per_model.test=8", "states=[2]"]
    assert main(argv) == 0
    examples = read_split(data, "test")
    models = load_models(data)
    sloppy = [_sloppy(e, models) for e in examples]
    files = {}
    for name, outputs in (("faithful", [e.completion for e in examples]), ("sloppy", [s[0] for s in sloppy])):
        files[name] = root / f"{name}.jsonl"
        rows = [_row(e, o) for e, o in zip(examples, outputs, strict=True)]
        files[name].write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {"root": root, "data": data, "examples": examples, "sloppy": sloppy, "files": files}


def _rates(path: Path) -> dict[tuple[str, str], dict]:
    return {(r["system"], r["label"]): r for r in csv.DictReader(path.open())}


def test_rules_flag_exactly_the_errors_written_in(lab, tmp_path, capsys):
    n = len(lab["examples"])
    claims = sum(s[1] for s in lab["sloppy"])
    copies = sum(s[2] for s in lab["sloppy"])
    assert 0 < claims < n and 0 < copies < n
    out = tmp_path / "t"
    argv = ["traces", "--system", f"faithful={lab['files']['faithful']}", "--system",
            f"sloppy={lab['files']['sloppy']}", "--data", f"{lab['data']}/test", "--gold", "--out", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "rule-based trace labels" in captured.out and "rules vs" not in captured.out
    rates = _rates(out / "rules.csv")
    for system in ("faithful", "gold"):
        for label in ("modeling_error", "error=false_independence", "error=arithmetic", "error=copy",
                      "error=conditioned", "error=missing_marginalisation"):
            assert rates[(system, label)]["k"] == "0", (system, label)
    assert rates[("sloppy", "error=false_independence")]["k"] == str(claims)
    assert rates[("sloppy", "modeling_error")]["k"] == str(claims)
    assert rates[("sloppy", "error=copy")]["k"] == str(copies)
    assert rates[("sloppy", "error=arithmetic")]["k"] == "0"
    assert rates[("sloppy", "modeling_error")]["n"] == str(n)
    records = [json.loads(x) for x in (out / "rules_traces.jsonl").read_text().splitlines()]
    assert [r["system"] for r in records] == ["faithful"] * n + ["sloppy"] * n + ["gold"] * n
    flagged = [r for r in records if r["modeling_error"]]
    assert len(flagged) == claims
    for r in flagged:  # the evidence: the claim, its line and the open path (an edge)
        (c,) = r["claims"]
        assert not c["holds"] and c["line"] == 3 and c["open_path"].count(" ") == 2
    for suffix in ("png", "svg"):
        assert (out / f"rules.{suffix}").stat().st_size > 1000
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(argv) == 0  # same inputs, same bytes
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert "wrote" in captured.err and not (out / "agreement.csv").exists()


def test_rules_judge_and_humans_agree_in_one_table(lab, tmp_path, capsys):
    examples, sloppy = lab["examples"], lab["sloppy"]
    human = tmp_path / "samples.csv"
    with human.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "system", "modeling_error_human"])
        for i, (e, s) in enumerate(zip(examples, sloppy, strict=True)):
            w.writerow([e.id, "sloppy", "yes" if s[1] != (i == 0) else "no"])  # one disagreement
    out = tmp_path / "t"
    with serve_judge(judged) as (url, seen):
        argv = ["traces", "--system", f"sloppy={lab['files']['sloppy']}", "--data", f"{lab['data']}/test",
                "--judge-url", url, "--judge-model", "m", "--human", str(human), "--out", str(out)]
        assert main(argv) == 0
    assert len(seen) == len(examples)
    text = capsys.readouterr().out
    assert "rules vs" in text and "judge vs" in text
    rows = list(csv.DictReader((out / "agreement.csv").open()))
    got = {(r["source"], r["metric"]): float(r["value"]) for r in rows}
    n = len(examples)
    assert {r["reference"] for r in rows} == {"human"} and {r["n"] for r in rows} == {str(n)}
    assert got[("rules", "accuracy")] == pytest.approx((n - 1) / n)
    judge_right = sum(judged(s[0]) == (s[1] != (i == 0)) for i, s in enumerate(sloppy))
    assert judge_right < n - 1
    assert got[("judge", "accuracy")] == pytest.approx(judge_right / n)
    assert (out / "judge_modeling_error.csv").is_file() and (out / "rules.csv").is_file()


def test_rules_without_human_compare_the_judge_with_the_rules(lab, tmp_path, capsys):
    out = tmp_path / "t"
    with serve_judge(lambda trace: "independent" in trace) as (url, _):
        argv = ["traces", str(lab["files"]["sloppy"]), "--data", f"{lab['data']}/test",
                "--judge-url", url, "--judge-model", "m", "--out", str(out)]
        assert main(argv) == 0
    rows = list(csv.DictReader((out / "agreement.csv").open()))
    assert {(r["reference"], r["source"]) for r in rows} == {("rules", "judge")}
    assert {r["metric"]: float(r["value"]) for r in rows}["kappa"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "nothing labels the traces: give --data"),
        (["--data", "{data}/nope"], "--data '{data}/nope': no"),
        (["--data", "{data}/train"], "example ids are not in --data"),
        (["--gold"], "--gold annotates the dataset's gold traces"),
        (["--judge-url", "http://127.0.0.1:9/v1"], "give both --judge-url and --judge-model"),
        (["--data", "{data}/test", "--human", "{root}/none.csv"], "none.csv"),
    ],
)
def test_bad_input_is_one_message_and_writes_nothing(lab, tmp_path, capsys, extra, message):
    fill = {"data": str(lab["data"]), "root": str(lab["root"])}
    argv = ["traces", str(lab["files"]["sloppy"]), "--out", str(tmp_path / "t"),
            *[a.format(**fill) for a in extra]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message.format(**fill) in err and err.count("error:") == 1 and "Traceback" not in err
    assert not (tmp_path / "t").exists()


def test_a_gold_system_name_clash_and_other_tasks_are_refused(lab, tmp_path, capsys):
    argv = ["traces", "--system", f"gold={lab['files']['faithful']}", "--data", f"{lab['data']}/test",
            "--gold", "--out", str(tmp_path / "t")]
    assert main(argv) == 2
    assert "already has that name" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()
