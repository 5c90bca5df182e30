"""The study commands end to end on real runs: two SFT seeds of one config and a third config,
``reasonlab compare`` evaluating them on a test split (seeds grouped into one system),
``reasonlab plot`` overlaying their curves, and their refusals of bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers.browser import CHROMIUM, render
from helpers.judge_server import serve_judge
from reasonlab.cli import main

CONFIGS = Path(__file__).parents[2] / "configs"


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lab")
    for name, seed, layers in (("sft-s0", 0, 1), ("sft-s1", 1, 1), ("deep", 0, 2)):
        argv = [
            "train",
            "sft",
            str(CONFIGS / "boolean_sft.yaml"),
            f"run_dir={root}/runs",
            f"name={name}",
            f"seed={seed}",
            "max_steps=20",
            "eval_every=10",
            f"model.n_layer={layers}",
            "data.task.sizes.train=400",
            "--no-progress",
        ]
        assert main(argv) == 0
    assert (
        main(
            [
                "generate",
                str(CONFIGS / "boolean_world.yaml"),
                "-o",
                str(root / "bw"),
                "sizes.train=10",
                "sizes.dev=10",
                "sizes.test=40",
            ]
        )
        == 0
    )
    return root


def test_compare_evaluates_groups_seeds_and_writes_every_output(lab, capsys):
    runs = lab / "runs"
    out = lab / "cmp"
    argv = [
        "compare",
        str(runs / "sft-s0"),
        str(runs / "sft-s1"),
        str(runs / "deep"),
        "--data",
        str(lab / "bw" / "test"),
        "--out",
        str(out),
        "--format",
        "markdown",
        "--resamples",
        "999",
        "--sample-per-bin",
        "2",
        "--bin-metric",
        "held_out",
        "--only",
        "all",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "| sft |" in text and "| deep |" in text  # the two seeds are one system
    assert (runs / "sft-s0" / "eval" / "bw-test.jsonl").is_file()  # evaluated first
    cells = json.loads((out / "comparison.json").read_text())["cells"]
    sft = next(c for c in cells if c["system"] == "sft" and c["slice"] == "all")
    assert sft["seeds"] == 2 and sft["n"] == 40 and sft["prompts"] < 40 and sft["tolerance"] is None
    rows = list(csv.DictReader((out / "samples.csv").open()))
    assert rows and set(rows[0]) >= {"prompt", "output", "modeling_error_human"}
    assert not list(out.glob("thresholds*"))  # boolean worlds report no TVD: exact only
    assert main(argv) == 0  # a second time reuses the results already there
    assert "evaluating" not in capsys.readouterr().err


def test_plot_overlays_runs_with_a_seed_band(lab, capsys):
    runs = lab / "runs"
    out = lab / "plots"
    assert (
        main(
            [
                "plot",
                str(runs / "sft-s0"),
                str(runs / "sft-s1"),
                f"wide={runs / 'deep'}",
                "--metric",
                "train/loss",
                "--metric",
                "eval/dev/exact",
                "--x",
                "samples",
                "--smooth",
                "0.5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader((out / "curves.csv").open()))
    loss = [r for r in rows if r["metric"] == "train/loss"]
    assert {r["run"] for r in loss} == {"sft", "wide"} and {r["seeds"] for r in loss} == {"2", "1"}
    steps = [int(r["step"]) for r in rows if r["metric"] == "eval/dev/exact" and r["run"] == "wide"]
    assert steps == [10, 20]
    assert float(loss[0]["samples"]) == 16.0  # step 1 x batch 16
    assert (out / "train_loss.svg").read_text().startswith("<?xml")
    assert (out / "eval_dev_exact.png").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "{runs}/sft-s0", "--metric", "no/such"], "--metric 'no/such': no run logged it"),
        (["plot", "{root}/bw"], "has no metrics.jsonl"),
        (["plot", "{runs}/sft-s0", "--x", "epochs"], "--x 'epochs'"),
        (["compare", "{root}/bw"], "is a folder; give --data DIR/split"),
        (["compare", "{runs}/sft-s0", "--data", "{root}/bw/nope"], "no "),
        (["compare", "--system", "broken"], "--system 'broken': write name=PATH"),
        (["compare", "{root}/bw/test.jsonl"], "not a result row"),
        (["compare", "--tolerance", "2", "x.jsonl"], "--tolerance '2'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(lab, capsys, tmp_path, argv, message):
    argv = [a.format(runs=lab / "runs", root=lab) for a in argv]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_report_is_one_offline_page(lab, tmp_path, capsys):
    runs = lab / "runs"
    assert (
        main(
            [
                "compare",
                str(runs / "sft-s0"),
                str(runs / "deep"),
                "--data",
                str(lab / "bw" / "test"),
                "--out",
                str(tmp_path / "c"),
                "--resamples",
                "99",
            ]
        )
        == 0
    )
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                str(runs / "sft-s0"),
                str(runs / "sft-s1"),
                str(runs / "deep"),
                "-o",
                str(out),
                "--figures",
                str(tmp_path / "c"),
                "--resamples",
                "99",
            ]
        )
        == 0
    )
    page = out.read_text()
    assert page.count("<svg") >= 3 and "Comparison on bw-test.jsonl" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert main(["report", str(lab / "bw"), "-o", str(tmp_path / "x.html")]) == 2
    assert "give a run folder" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_report_renders_in_headless_chromium(lab, tmp_path):
    runs = lab / "runs"
    out = tmp_path / "report.html"
    assert (
        main(["report", str(runs / "sft-s0"), str(runs / "deep"), "-o", str(out), "--resamples", "99"]) == 0
    )
    page = render(out, tables=("table", "els => els.length"))
    assert len(page.figure_widths) >= 3 and all(w > 100 for w in page.figure_widths)  # every figure drawn
    assert page.queries["tables"] >= 2 and page.errors == []
    assert page.requests == [out.as_uri()]  # nothing fetched beyond the page itself


def flagged(trace: str) -> bool:
    return "2 - 3" in trace


@pytest.fixture
def judge_server():
    """An OpenAI-compatible judge on 127.0.0.1: a trace is a modeling error when it says "2 - 3"."""
    with serve_judge(flagged) as server:
        yield server


def test_traces_labels_with_a_local_judge_and_agrees_with_humans(lab, tmp_path, capsys, judge_server):
    url, seen = judge_server
    results = lab / "runs" / "deep" / "eval" / "bw-test.jsonl"
    rows = [json.loads(x) for x in results.read_text().splitlines()]
    assert rows  # written by the compare test above
    # human labels for every row of the samples CSV: agree with the judge except on one row
    samples = tmp_path / "samples.csv"
    with samples.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "system", "modeling_error_human"])
        for i, r in enumerate(rows[:10]):
            flag = flagged(r["samples"][0])
            w.writerow([r["id"], "deep", "yes" if flag != (i == 0) else "no"])
    argv = [
        "traces",
        "--system",
        f"deep={results}",
        "--judge-url",
        url,
        "--judge-model",
        "m",
        "--human",
        str(samples),
        "--out",
        str(tmp_path / "t"),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert len(seen) == len(rows) and "judge vs" in text
    rates = list(csv.DictReader((tmp_path / "t" / "judge_modeling_error.csv").open()))
    k = sum(flagged(r["samples"][0]) for r in rows)
    assert 0 < k < len(rows) and rates[0]["k"] == str(k) and rates[0]["n"] == str(len(rows))
    agree = {r["metric"]: r for r in csv.DictReader((tmp_path / "t" / "agreement.csv").open())}
    assert {(r["reference"], r["source"]) for r in agree.values()} == {("human", "judge")}
    assert float(agree["accuracy"]["value"]) == pytest.approx(0.9) and agree["accuracy"]["n"] == "10"
    assert (tmp_path / "t" / "judge_modeling_error.png").is_file()
    assert main(argv) == 0 and len(seen) == len(rows)  # the second run is served from the cache


def test_traces_refuses_an_unreachable_judge(lab, tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        results = lab / "runs" / "deep" / "eval" / "bw-test.jsonl"
        argv = [
            "traces",
            str(results),
            "--judge-url",
            f"http://127.0.0.1:{port}/v1",
            "--judge-model",
            "m",
            "--out",
            str(tmp_path / "t"),
        ]
        assert main(argv) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert f"127.0.0.1:{port}" in last and "is the server running" in last and err.count("error:") == 1
    assert not (tmp_path / "t" / "judge_modeling_error.csv").exists()
