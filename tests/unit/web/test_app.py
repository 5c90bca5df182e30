"""The web lab's routes through Starlette's TestClient: full pages and htmx fragments, the
playground's answer against the rules and against the library (generation, ablation), and bad
input as one message in the page (400 for a page, 200 for an htmx fragment), never a 500."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from reasonlab.interp import ablate, edited_generate
from reasonlab.models import load_pretrained
from reasonlab.models.encoding import text_ids
from reasonlab.tasks.boolean_world import BooleanWorldConfig, resolve_world
from reasonlab.tasks.boolean_world.task import rule_answer
from reasonlab.web.app import build_app
from reasonlab.web.catalog import Catalog

HX = {"HX-Request": "true", "HX-Target": "answer"}


@pytest.fixture(scope="module")
def lab(warm_policy):
    catalog = Catalog([warm_policy.parent])
    run = next(r for r in catalog.runs() if r.path == warm_policy.resolve())
    return TestClient(build_app(catalog), raise_server_exceptions=False), run, warm_policy


def _model_text(run_path, bits: str, heads=()) -> str:
    model, tok = load_pretrained(run_path / "final")
    with ablate(model, heads=heads):
        return edited_generate(model, tok, text_ids(tok, bits), [], 32)[0]


def test_pages_and_fragments(lab):
    client, run, _ = lab
    index = client.get("/")
    assert index.status_code == 200 and "<html" in index.text and "/static/htmx.min.js" in index.text
    assert f'href="/play/{run.id}"' in index.text and run.name in index.text
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000] and "javascript" in js.headers["content-type"]
    page = client.get(f"/runs/{run.id}")
    assert page.status_code == 200 and "<svg" in page.text and "eval/dev/exact" in page.text
    play = client.get(f"/play/{run.id}")
    assert play.status_code == 200 and 'hx-post="/play/' in play.text and 'id="answer"' in play.text
    frag = client.post(f"/play/{run.id}/answer", data={"b0": "on", "b2": "on", "b4": "on"}, headers=HX)
    assert frag.status_code == 200 and "<html" not in frag.text and 'id="answer"' in frag.text
    assert "<svg" not in frag.text  # no attention drawn unless asked
    drawn = client.post(f"/play/{run.id}/answer", data={"inputs": "1,0,1,0,1", "attention": "on"},
                        headers=HX)
    assert drawn.text.count("<svg") == 1
    full = client.post(f"/play/{run.id}/answer", data={"inputs": "1,0,1,0,1"})
    assert full.status_code == 200 and "<html" in full.text


@pytest.mark.parametrize("bits", ["1,0,1,0,1", "0,0,0,0,0", "1,1,0,0,1"])
def test_the_answer_is_the_rules_and_the_model_side_by_side(lab, bits):
    client, run, path = lab
    form = {f"b{i}": "on" for i, b in enumerate(bits.split(",")) if b == "1"}
    text = client.post(f"/play/{run.id}/answer", data=form, headers=HX).text
    assert f'<span id="shown-input">{bits}</span>' in text
    world = resolve_world(BooleanWorldConfig(**run.task()))
    rules = rule_answer(world, bits)
    model = _model_text(path, bits)
    assert f'<span id="model-text">{model!r}</span>' in text
    cells = re.findall(r"<td>([^<]+)</td>\s*<td>([\d-]+|None)</td>\s*<td>([\d-]+)</td>", text)
    assert [c[0] for c in cells] == [*world.outputs, *world.summary]
    assert [int(c[1]) for c in cells[: len(world.outputs)]] == [int(x) for x in rules.split()[0].split(",")]
    assert ("exact</span>" in text and "not exact" not in text) == (model.strip() == rules.strip())


def test_ablating_a_head_is_the_library_ablation(lab):
    client, run, path = lab
    changed = False
    for head in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        form = {"inputs": "1,0,1,0,1", f"h{head[0]}_{head[1]}": "on"}
        text = client.post(f"/play/{run.id}/answer", data=form, headers=HX).text
        want = _model_text(path, "1,0,1,0,1", [head])
        assert f'<span id="model-text">{want!r}</span>' in text
        changed |= want != _model_text(path, "1,0,1,0,1")
    assert changed  # some head matters to this answer


@pytest.mark.parametrize("method, url, data, status, message", [
    ("get", "/play/nope", None, 400, "run 'nope': no such run"),
    ("get", "/runs/nope", None, 400, "no such run"),
    ("post", "/play/{id}/answer", {"inputs": "1,2"}, 200, "give 5 comma-separated bits"),
    ("post", "/play/{id}/answer", {"inputs": "a,b,c,d,e"}, 200, "give 5 comma-separated bits"),
])
def test_bad_input_is_a_message_not_a_500(lab, method, url, data, status, message):
    client, run, _ = lab
    headers = HX if method == "post" else {}
    r = getattr(client, method)(url.format(id=run.id), **({"data": data} if data else {}), headers=headers)
    assert r.status_code == status and message in r.text and 'class="error"' in r.text
    if method == "post":
        assert 'id="answer"' in r.text  # the next swap still finds its target


def test_a_run_that_is_not_a_boolean_world_is_refused(tmp_path):
    run = tmp_path / "runs" / "causal"
    run.mkdir(parents=True)
    (run / "metrics.jsonl").write_text('{"step": 1, "train/loss": 1.0}\n')
    (run / "config.yaml").write_text("data: {task: {task: causal_qa}}\n")
    catalog = Catalog([tmp_path / "runs"])
    client = TestClient(build_app(catalog), raise_server_exceptions=False)
    rid = catalog.runs()[0].id
    r = client.get(f"/play/{rid}")
    assert r.status_code == 400 and "not trained on a boolean world" in r.text
    assert client.get(f"/runs/{rid}").status_code == 200
    assert "playground" not in client.get("/").text
