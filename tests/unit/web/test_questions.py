"""The causal question browser over a real dataset and a real ``reasonlab eval`` of a run: the
dataset list, filters (rung, bin, run, correctness) against a direct count, a question page with
the graph, the exact answer, the gold trace and the run's output with its trace annotation as
the study layer computes it; bad filters are a message, never a 500."""

from __future__ import annotations

import json

import pytest
import torch
from starlette.testclient import TestClient

from reasonlab.analysis.traces import annotate, load_models
from reasonlab.cli import main
from reasonlab.data.writer import read_split
from reasonlab.models.factory import ModelConfig, build_model
from reasonlab.models.tokenizer import data_tokenizer
from reasonlab.web.app import build_app
from reasonlab.web.catalog import Catalog
from reasonlab.web.questions import find_datasets

HX = {"HX-Request": "true", "HX-Target": "qlist"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("questions")
    data = root / "data" / "n5"
    assert main(["generate", "configs/causal_qa/n5_rlvr_tiny.yaml", "-o", str(data),
                 "n_models={train: 4, dev: 2, test: 3}",
                 "n_questions_per_model={train: 2, dev: 2, test: 3}"]) == 0
    splits = {s: read_split(data, s) for s in ("train", "dev", "test")}
    tok = data_tokenizer(splits)
    for i, name in enumerate(("rand", "rand2")):
        torch.manual_seed(i)
        model = build_model(ModelConfig(n_embd=16, n_layer=1, n_head=2, n_positions=1024), tok)
        model.save_pretrained(root / "runs" / name / "final")
        tok.save_pretrained(root / "runs" / name / "final")
        (root / "runs" / name / "metrics.jsonl").write_text(
            f'{{"step": 1, "train/loss": {3.0 + i}}}\n{{"step": 2, "train/loss": {2.0 + i}}}\n')
        config = f"name: {name}\nseed: 0\nmodel: {{n_layer: {1 + i}}}\n"  # two systems, not two seeds
        (root / "runs" / name / "config.yaml").write_text(config)
        assert main(["eval", str(root / "runs" / name), "--data", str(data / "test"),
                     "--max-new-tokens", "24"]) == 0
    run = root / "runs" / "rand"
    catalog = Catalog([root])
    ds = find_datasets(catalog.roots)[0]
    return TestClient(build_app(catalog), raise_server_exceptions=False), ds, splits["test"], run


def test_datasets_and_filters(lab):
    client, ds, test, run = lab
    listing = client.get("/questions")
    assert listing.status_code == 200 and f'href="/questions/{ds.id}"' in listing.text
    page = client.get(f"/questions/{ds.id}?split=test")
    assert page.status_code == 200 and "<html" in page.text and f"{len(test)} questions" in page.text
    for b in ("easy", "medium", "hard"):
        want = sum(1 for e in test if e.meta["bins"]["ve_ops"] == b)
        frag = client.get(f"/questions/{ds.id}?split=test&bin={b}", headers=HX).text
        assert f"<p>{want} questions</p>" in frag and "<html" not in frag
    rows = [json.loads(line) for line in (run / "eval" / "n5-test.jsonl").read_text().splitlines()]
    right = sum(1 for r in rows if r["correct"][0])
    for flag, want in (("yes", right), ("no", len(rows) - right)):
        frag = client.get(f"/questions/{ds.id}?split=test&run=rand&correct={flag}", headers=HX).text
        assert f"<p>{want} questions</p>" in frag
    assert "<p>0 questions</p>" in client.get(f"/questions/{ds.id}?split=test&rung=3", headers=HX).text


def test_a_question_shows_graph_answer_traces_and_annotation(lab):
    client, ds, test, run = lab
    text = client.get(f"/questions/{ds.id}/test/1").text
    e = test[1]
    assert "<svg" in text and f'<span id="gold">{e.answer}</span>' in text
    assert e.completion.splitlines()[1] in text  # the gold trace's Query line
    row = [json.loads(line) for line in (run / "eval" / "n5-test.jsonl").read_text().splitlines()][1]
    assert row["id"] == e.id
    a = annotate(e, row["samples"][0], load_models(ds.path)[e.meta["model_id"]])
    assert f"<td>{a.modeling_error}</td>" in text and f"<td>{a.surgery.verdict}</td>" in text


@pytest.mark.parametrize("query, message", [
    ("rung=two", "rung = 'two': give a whole number"),
    ("bin=huge", "bin = 'huge': choose easy, medium or hard"),
    ("run=nope", "run = 'nope' has no outputs"),
    ("correct=maybe", "correct = 'maybe': choose yes or no"),
    ("split=valid", "split = 'valid'"),
])
def test_bad_filters_are_a_message(lab, query, message):
    client, ds, _, _ = lab
    r = client.get(f"/questions/{ds.id}?{query}", headers=HX)
    assert r.status_code == 200 and message in r.text and 'id="qlist"' in r.text


def test_unknown_datasets_and_questions_are_a_400(lab):
    client, ds, test, _ = lab
    assert client.get("/questions/nope").status_code == 400
    r = client.get(f"/questions/{ds.id}/test/{len(test)}")
    assert r.status_code == 400 and f"questions 0..{len(test) - 1}" in r.text
    assert client.get(f"/questions/{ds.id}/test/x").status_code == 400


def test_compare_ticked_runs(lab):
    client, _, _, run = lab
    from reasonlab.web.catalog import Catalog as _C

    ids = [r.id for r in _C([run.parent]).runs()]
    page = client.get("/compare", params=[("ids", i) for i in ids])
    assert page.status_code == 200 and "comparison on n5-test.jsonl" in page.text
    assert page.text.count("<svg") == 1  # the two loss curves on one figure
    for name in ("rand", "rand2"):
        summary = json.loads((run.parent / name / "eval" / "n5-test.summary.json").read_text())
        assert f"<td>{name}</td><td>{100 * summary['exact_match']:.1f}" in page.text.replace("<b>", "")
    one = client.get("/compare", params=[("ids", ids[0])])
    assert one.status_code == 400 and "tick at least two runs" in one.text
