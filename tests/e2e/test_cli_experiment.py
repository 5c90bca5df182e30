"""``reasonlab experiment`` end to end on a tiny real grid: one data stage, a shared SFT warm-up,
two RL arms from it over two seeds, evaluations, verdicts, figures and report.html; a rerun
that skips everything, a killed run that resumes from its checkpoint, ``--dry-run``, the report
in headless Chromium, refusals of bad input; and every shipped experiment file planned and
checked (its two-step smoke profile run in full under ``-m slow``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from helpers.browser import CHROMIUM, render
from reasonlab.analysis.measures import parse_measure, read_measure
from reasonlab.cli import main
from reasonlab.cli.experiment import PACKAGED
from reasonlab.experiments import check_jobs, load_experiment, plan

CONFIGS = Path(__file__).parents[2] / "configs"
RL = [
    "steps=2",
    "eval_every=2",
    "save_every=1",
    "rollout.prompts_per_step=2",
    "rollout.n=2",
    "rollout.max_new_tokens=8",
]
TINY = {
    "name": "tiny",
    "description": "a two-step check of the experiment machinery",
    "seeds": [0, 1],
    "data": {
        "bw": {
            "config": str(CONFIGS / "boolean_world.yaml"),
            "overrides": ["sizes={train: 60, dev: 8, test: 24}"],
        }
    },
    "arms": {
        "warm": {
            "train": "sft",
            "config": str(CONFIGS / "rl/boolean_warmup.yaml"),
            "data": "bw",
            "seeds": [0],
            "evaluate": False,
            "overrides": ["max_steps=3", "eval_every=3", "save_every=3", "batch_size=4"],
        },
        "grpo": {
            "train": "rl",
            "config": str(CONFIGS / "rl/grpo_boolean.yaml"),
            "data": "bw",
            "init": "warm",
            "overrides": RL,
        },
        "frozen": {
            "train": "rl",
            "config": str(CONFIGS / "rl/grpo_boolean.yaml"),
            "data": "bw",
            "init": "warm",
            "overrides": [*RL, "optim.lr=0.0"],
        },
    },
    "evaluate": {"data": "bw", "split": "test"},
    "claims": [
        {
            "id": "rl_beats_frozen",
            "statement": "GRPO scores above its frozen copy",
            "test": "greater",
            "measure": "eval:all",
            "a": "grpo",
            "b": "frozen",
        },
        {
            "id": "loss_bounded.1",  # a dot in the id: its figure keeps it
            "statement": "the warm-up's final loss stays below 100",
            "test": "at_most",
            "measure": "final:train/loss",
            "a": "warm",
            "value": 100.0,
            "min_seeds": 1,
        },
        {
            "id": "held_out_seen",
            "statement": "the held-out input scores at most 1",
            "test": "at_most",
            "measure": "eval:held_out",
            "a": "grpo",
            "value": 1.0,
        },
    ],
    "plots": ["train/loss"],
}
VERDICTS = {"held", "not held", "inconclusive"}


def write(folder: Path, raw: dict, name: str = "tiny.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / name
    f.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("exp")
    f = write(root, TINY)
    out = root / "out"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["experiment", "run", str(f), "--jobs", "2", "--out", str(out), "--no-progress"]) == 0
    return f, out, buf.getvalue()


def test_run_trains_every_arm_and_seed_and_decides_every_claim(ran, capsys):
    _, out, text = ran
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert runs == ["frozen-s0", "frozen-s1", "grpo-s0", "grpo-s1", "warm-s0"]
    for run in runs:
        assert (out / "runs" / run / "final" / "model.safetensors").is_file()
    assert not (out / "runs" / "warm-s0" / "eval").exists()  # evaluate: false
    record = json.loads((out / "verdict.json").read_text())
    assert [c["id"] for c in record["claims"]] == ["rl_beats_frozen", "loss_bounded.1", "held_out_seen"]
    for c in record["claims"]:
        assert c["verdict"] in VERDICTS
        assert (out / c["figure"]).is_file() and (out / c["figure"]).with_suffix(".png").is_file()
    # every value is what the measure reads from that run folder
    rl = record["claims"][0]["values"]
    for arm in ("grpo", "frozen"):
        for seed in (0, 1):
            want = read_measure(out / "runs" / f"{arm}-s{seed}", parse_measure("eval:all"), "bw-test")
            assert rl[f"{arm} [eval:all]"][str(seed)] == pytest.approx(want)
    loss = [
        json.loads(line) for line in (out / "runs" / "warm-s0" / "metrics.jsonl").read_text().splitlines()
    ]
    final = [r["train/loss"] for r in loss if "train/loss" in r][-1]
    assert record["claims"][1]["values"]["warm [final:train/loss]"]["0"] == pytest.approx(final)
    assert record["claims"][1]["verdict"] == "held"  # a real cross-entropy is far below 100
    assert record["claims"][2]["verdict"] == "inconclusive"  # 2 seeds, 3 needed for "every seed"
    assert "experiment tiny: verdicts" in text and "rl_beats_frozen" in text
    assert f"report: {(out / 'report.html').resolve()}" in text.replace("\n", "")
    assert (out / "figures" / "curves" / "train_loss.svg").is_file()
    page = (out / "report.html").read_text()
    assert page.index("Verdicts") < page.index("rl_beats_frozen") and "a two-step check" in page


def test_a_rerun_skips_every_finished_job(ran, capsys):
    f, out, _ = ran
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.safetensors")}
    assert main(["experiment", "run", str(f), "--out", str(out), "--no-progress"]) == 0
    assert "10 jobs, 0 to run" in capsys.readouterr().err
    assert before == {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.safetensors")}


def test_dry_run_prints_every_command_and_runs_nothing(ran, tmp_path, capsys):
    f, out, _ = ran
    assert main(["experiment", "run", str(f), "--dry-run", "--out", str(tmp_path / "new")]) == 0
    text = capsys.readouterr().out
    assert not (tmp_path / "new").exists()
    commands = [line for line in text.splitlines() if line.startswith("reasonlab ")]
    assert len(commands) == 10 and text.count("(to run;") == 10
    assert any(
        c.startswith("reasonlab train rl ") and "name=frozen-s1" in c and "optim.lr=0.0" in c
        for c in commands
    )
    assert main(["experiment", "run", str(f), "--dry-run", "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("(done;") == 10


def test_report_rebuilds_from_what_exists(ran, tmp_path, capsys):
    f, out, _ = ran
    (out / "report.html").unlink()
    assert main(["experiment", "report", str(f), "--out", str(out)]) == 0
    assert (out / "report.html").is_file() and "rl_beats_frozen" in capsys.readouterr().out
    # a copy with one run gone: its claims are "missing", the rest still decided
    import shutil

    part = tmp_path / "part"
    shutil.copytree(out, part)
    shutil.rmtree(part / "runs" / "grpo-s1")
    assert main(["experiment", "report", str(f), "--out", str(part)]) == 0
    claims = {c["id"]: c for c in json.loads((part / "verdict.json").read_text())["claims"]}
    assert (
        claims["rl_beats_frozen"]["verdict"] == "missing" and "grpo-s1" in claims["rl_beats_frozen"]["note"]
    )
    assert claims["loss_bounded.1"]["verdict"] == "held"


def test_a_killed_run_resumes_from_its_checkpoint(tmp_path):
    raw = {
        **TINY,
        "seeds": [0],
        "claims": [],
        "plots": [],
        "arms": {
            "warm": {
                **TINY["arms"]["warm"],
                "overrides": ["max_steps=100", "eval_every=100", "save_every=5", "batch_size=4"],
            }
        },
    }
    f = write(tmp_path, raw)
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "reasonlab.cli",
        "experiment",
        "run",
        str(f),
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    ckpts = out / "runs" / "warm-s0" / "checkpoints"
    deadline = time.monotonic() + 120
    while not (ckpts.is_dir() and len(list(ckpts.glob("step-*"))) >= 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "state" / "train__warm-s0.json").exists(), "the run finished before it was killed"
    assert main(["experiment", "run", str(f), "--out", str(out), "--no-progress"]) == 0
    log = (out / "logs" / "train__warm-s0.log").read_text()
    assert "--resume" in log.splitlines()[0] and "resumed from" in log
    steps = [
        json.loads(line)["step"]
        for line in (out / "runs" / "warm-s0" / "metrics.jsonl").read_text().splitlines()
        if "train/loss" in json.loads(line)
    ]
    assert steps == sorted(set(steps)) and steps[-1] == 100  # each step logged once, to the end


def test_an_edited_arm_reruns_alone_and_a_moved_folder_stays_done(ran, tmp_path, capsys):
    import shutil

    f, out, _ = ran
    copy = tmp_path / "moved"
    shutil.copytree(out, copy)
    assert main(["experiment", "run", str(f), "--out", str(copy), "--no-progress"]) == 0
    assert "10 jobs, 0 to run" in capsys.readouterr().err
    raw = json.loads(json.dumps(TINY))
    raw["arms"]["frozen"]["overrides"] = [*RL, "optim.lr=1e-9"]
    g = write(tmp_path, raw)
    assert main(["experiment", "run", str(g), "--out", str(copy), "--no-progress"]) == 0
    assert "10 jobs, 4 to run" in capsys.readouterr().err  # train and eval of frozen-s0, frozen-s1
    assert "--overwrite" in (copy / "logs" / "train__frozen-s0.log").read_text().splitlines()[0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {
                "claims": [
                    {
                        "id": "x",
                        "statement": "s",
                        "test": "greater",
                        "measure": "eval:all",
                        "a": "grpo",
                        "b": "nobody",
                    }
                ]
            },
            ["claim x", "'nobody'"],
        ),
        (
            {"arms": {**TINY["arms"], "grpo": {**TINY["arms"]["grpo"], "overrides": [*RL, "rollout.nn=3"]}}},
            ["train/grpo-s0", "rollout.nn"],
        ),
    ],
)
def test_bad_files_are_refused_before_anything_runs(tmp_path, capsys, change, words):
    f = write(tmp_path, {**TINY, **change})
    assert main(["experiment", "run", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


def test_bad_arguments_are_refused(tmp_path, capsys):
    assert main(["experiment", "run", "no_such_experiment"]) == 2
    assert "heldout" in capsys.readouterr().err  # the shipped names are listed
    f = write(tmp_path, TINY)
    assert main(["experiment", "run", str(f), "--profile", "huge", "--dry-run"]) == 2
    assert "--profile 'huge'" in capsys.readouterr().err
    assert main(["experiment", "run", str(f), "--jobs", "0"]) == 2
    assert main(["experiment", "report", str(f), "--out", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err


SHIPPED = sorted(PACKAGED.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
@pytest.mark.parametrize("profile", [None, "smoke"])
def test_every_shipped_experiment_plans_and_checks(path, profile, tmp_path):
    exp, home = load_experiment(path)
    assert "smoke" in exp.profiles and exp.mirrors and exp.claims
    jobs = plan(exp.with_profile(profile), home.resolve(), tmp_path)
    check_jobs(jobs)
    assert {j.kind for j in jobs} >= {"train", "eval"}


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_experiment_runs_its_smoke_profile(path, tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "experiment",
                "run",
                str(path),
                "--profile",
                "smoke",
                "--jobs",
                "2",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    record = json.loads((out / "verdict.json").read_text())
    labels = [c["verdict"] for c in record["claims"]]
    # two steps decide little (an SPO run with no correct sample logs no entropy: "missing"), but
    # every claim gets a label and some are decided
    assert labels and set(labels) <= VERDICTS | {"missing"} and set(labels) & VERDICTS
    assert (out / "report.html").is_file()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_the_report_renders_in_headless_chromium(ran):
    _, out, _ = ran
    cells = ("h2 + table tr td:nth-child(3)", "els => els.map(e => e.textContent)")  # the verdict column
    page = render(out / "report.html", verdicts=cells)
    assert len(page.figure_widths) >= 4 and all(w > 100 for w in page.figure_widths)  # 3 claims + a curve
    assert len(page.queries["verdicts"]) == 3 and set(page.queries["verdicts"]) <= VERDICTS
    assert page.errors == [] and page.requests == [(out / "report.html").as_uri()]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_demo_runs_the_reduced_experiment_and_its_report_opens(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--samples", "20000", "--out", str(out)]) == 0  # what `make demo` runs
    text = capsys.readouterr().out
    assert "rung 3" in text and "experiment spo_vs_drgrpo: verdicts" in text
    assert f"report: {(out / 'report.html').resolve()}" in text.replace("\n", "")
    claims = json.loads((out / "verdict.json").read_text())["claims"]
    assert {c["id"] for c in claims} >= {"entropy_rises_3.2", "improves_dr_grpo"}
    page = render(out / "report.html")
    assert len(page.figure_widths) >= len(claims) and page.errors == []
