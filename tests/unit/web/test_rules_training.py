"""The rules editor and training from the lab: live validation that points at the column, the
truth table from the rules, a dataset written with the sizes and held-out inputs given, a run
trained from it in the background (watched through the trainer callbacks, stoppable), and bad
form fields as one message each."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from reasonlab.data.writer import read_split
from reasonlab.tasks.boolean_world import SEED_WORLD
from reasonlab.tasks.boolean_world.task import rule_answer
from reasonlab.web.app import build_app
from reasonlab.web.catalog import Catalog
from reasonlab.web.rules import world_text

TINY = """name: tiny
inputs: [a, b]
rules:
  x: a AND b
  y: a OR b
summary: ["sum(a+b)"]
"""


def hx(target: str) -> dict:
    return {"HX-Request": "true", "HX-Target": target}


def _dataset(client, name: str, train: int) -> None:
    data = {"world": TINY, "name": name, "train": str(train), "dev": "10", "test": "10", "omit": ""}
    assert "wrote" in client.post("/rules/generate", data=data, headers=hx("generated")).text


@pytest.fixture
def lab(tmp_path):
    catalog = Catalog([tmp_path])
    return TestClient(build_app(catalog), raise_server_exceptions=False), catalog, tmp_path


def _wait(client, job: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = client.get(f"/train/status/{job}", headers=hx("training")).text
        if "running" not in text:
            return text
        time.sleep(0.2)
    raise AssertionError("training did not finish")


def test_the_editor_checks_as_you_type(lab):
    client, _, _ = lab
    page = client.get("/rules").text
    assert "<textarea" in page and page.count("<tr>") >= 33  # the seed world's 32 inputs + header
    for bits in ("1,0,1,0,1", "0,0,0,0,0", "1,1,1,1,1"):  # the rules' completion in the table
        assert f"<pre>{rule_answer(SEED_WORLD, bits).strip()}</pre>" in page
    broken = client.post(
        "/rules/check", data={"world": world_text().replace("A XOR C", "A XOR (C")}, headers=hx("check")
    ).text
    assert "expected ')', found the end at column 9" in broken and "^" in broken and 'id="check"' in broken
    unknown = client.post(
        "/rules/check", data={"world": TINY.replace("a OR b", "a OR z")}, headers=hx("check")
    )
    assert "unknown" in unknown.text and "z" in unknown.text
    ok = client.post("/rules/check", data={"world": TINY}, headers=hx("check")).text
    assert "valid" in ok and ok.count("<tr>") == 1 + 4


def test_generate_then_train_then_play(lab):
    client, catalog, root = lab
    form = {"world": TINY, "name": "tiny", "train": "300", "dev": "20", "test": "20", "omit": "1,1"}
    made = client.post("/rules/generate", data=form, headers=hx("generated")).text
    assert "train 300, dev 20, test 20" in made and 'value="tiny"' in made
    train = read_split(root / "data" / "tiny", "train")
    assert len(train) == 300 and all(e.prompt != "1,1" for e in train)  # held out of training
    again = client.post("/rules/generate", data=form, headers=hx("generated")).text
    assert "already exists" in again
    started = client.post(
        "/train/start", data={"data": "tiny", "run": "tiny_sft", "steps": "40"}, headers=hx("training")
    ).text
    assert 'hx-trigger="every 1s"' in started and "of 40" in started
    done = _wait(client, "j0")
    assert "done, step 40 of 40" in done and "<svg" in done and "every 1s" not in done
    run = next(r for r in catalog.runs() if r.name == "tiny_sft")
    assert (run.path / "final" / "config.json").is_file()
    answer = client.post(f"/play/{run.id}/answer", data={"inputs": "1,0"}, headers=hx("answer")).text
    assert "<td>x</td>" in answer and "<td>sum(a+b)</td>" in answer


def test_a_run_can_be_stopped(lab):
    client, catalog, root = lab
    _dataset(client, "t2", 200)
    client.post("/train/start", data={"data": "t2", "run": "long", "steps": "100000"}, headers=hx("training"))
    deadline = time.monotonic() + 60
    while "step 0 of" in client.get("/train/status/j0", headers=hx("training")).text:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    busy = client.post(
        "/train/start", data={"data": "t2", "run": "other", "steps": "10"}, headers=hx("training")
    )
    assert "already training" in busy.text
    run = next(r for r in catalog.runs() if r.name == "long")
    live = client.get(f"/runs/{run.id}/curves", headers=hx("curves")).text
    assert 'hx-trigger="every 2s"' in live  # the run page follows a run that is training
    client.post("/train/stop/j0", headers=hx("training"))
    text = _wait(client, "j0")
    assert "stopped" in text and "of 100000" in text
    assert (root / "runs" / "long" / "final" / "config.json").is_file()
    assert "every 2s" not in client.get(f"/runs/{run.id}/curves", headers=hx("curves")).text


@pytest.mark.parametrize(
    "route, data, message",
    [
        (
            "/rules/generate",
            {"world": TINY, "name": "../up", "train": "10", "dev": "5", "test": "5"},
            "dataset name",
        ),
        (
            "/rules/generate",
            {"world": TINY, "name": "ok", "train": "abc", "dev": "5", "test": "5"},
            "sizes.train",
        ),
        (
            "/rules/generate",
            {"world": TINY, "name": "ok", "train": "10", "dev": "5", "test": "5", "omit": "1,2"},
            "omit",
        ),
        (
            "/rules/generate",
            {"world": "inputs: [", "name": "ok", "train": "10", "dev": "5", "test": "5"},
            "world",
        ),
        ("/train/start", {"data": "nope", "run": "r", "steps": "5"}, "no dataset of that name"),
        ("/train/start", {"data": "../x", "run": "r", "steps": "5"}, "no dataset of that name"),
    ],
)
def test_bad_fields_are_one_message(lab, route, data, message):
    client, _, root = lab
    r = client.post(route, data=data, headers=hx("generated"))
    assert r.status_code == 200 and message in r.text and 'class="error"' in r.text
    assert not (root / "data" / "ok").exists()


def test_bad_training_fields(lab):
    client, _, _ = lab
    _dataset(client, "t3", 50)
    for steps, message in (("x", "max_steps"), ("0", "max_steps")):
        r = client.post(
            "/train/start", data={"data": "t3", "run": "r", "steps": steps}, headers=hx("training")
        )
        assert message in r.text and 'class="error"' in r.text
    r = client.post(
        "/train/start", data={"data": "t3", "run": "bad/name", "steps": "5"}, headers=hx("training")
    )
    assert "name" in r.text and 'class="error"' in r.text
    assert client.get("/train/status/j9", headers=hx("training")).text.count("no such job") == 1


def test_an_eval_grows_its_steps_row_instead_of_adding_one(tmp_path):
    from reasonlab.train.callbacks import Control, StepInfo
    from reasonlab.web.training import Job, _Watch

    job = Job("j0", tmp_path, 2)
    watch = _Watch(job)
    watch.on_step(StepInfo(1, 2, None, None, {"train/loss": 1.5}), Control())
    watch.on_step(StepInfo(2, 2, None, None, {"train/loss": 1.0}), Control())
    watch.on_eval(StepInfo(2, 2, None, None, {"train/loss": 1.0, "eval/dev/exact": 0.5}), Control())
    assert job.rows == [{"step": 1, "train/loss": 1.5}, {"step": 2, "train/loss": 1.0, "eval/dev/exact": 0.5}]
