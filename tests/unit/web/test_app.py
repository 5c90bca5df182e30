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
    drawn = client.post(f"/play/{run.id}/answer", data={"inputs": "1,0,1,0,1", "attention": "on"}, headers=HX)
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


@pytest.mark.parametrize(
    "method, url, data, status, message",
    [
        ("get", "/play/nope", None, 400, "run 'nope': no such run"),
        ("get", "/runs/nope", None, 400, "no such run"),
        ("post", "/play/{id}/answer", {"inputs": "1,2"}, 200, "type 5 bits"),
        ("post", "/play/{id}/answer", {"inputs": "1,0,1"}, 200, "give 5 comma-separated bits"),
    ],
)
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


def test_prompts_up_the_ladder(tmp_path):
    """Typed rung-2 and rung-3 prompts: the rules' answer by abduction and intervention, the
    model's answer from the library; a model whose vocabulary lacks do(...) says so."""
    import torch
    import yaml

    from reasonlab.models.factory import ModelConfig, build_model
    from reasonlab.models.tokenizer import char_tokenizer
    from reasonlab.tasks import task_config
    from reasonlab.tasks.boolean_world.prompts import prompt_answer

    spec = {
        "task": "boolean_world",
        "seed": 7,
        "sizes": {"train": 60, "dev": 4, "test": 4},
        "random_world": {"inputs": 5, "outputs": 4, "noise": 2},
        "rungs": {1: 1.0, 2: 1.0, 3: 1.0},
    }
    task, cfg = task_config(spec)
    world = resolve_world(cfg)
    prompts = {
        task.generate(cfg, "train", i).meta["rung"]: task.generate(cfg, "train", i).prompt for i in range(60)
    }
    run = tmp_path / "runs" / "ladder"
    tok = char_tokenizer(
        sorted(
            {c for i in range(60) for e in [task.generate(cfg, "train", i)] for c in e.prompt + e.completion}
        )
    )
    torch.manual_seed(0)
    model = build_model(ModelConfig(n_embd=16, n_layer=1, n_head=2, n_positions=128), tok)
    model.save_pretrained(run / "final")
    tok.save_pretrained(run / "final")
    (run / "metrics.jsonl").write_text('{"step": 1, "train/loss": 2.0}\n')
    (run / "config.yaml").write_text(yaml.safe_dump({"data": {"task": spec}}))
    catalog = Catalog([tmp_path / "runs"])
    client = TestClient(build_app(catalog), raise_server_exceptions=False)
    rid = catalog.runs()[0].id
    for rung in (2, 3):
        text = client.post(f"/play/{rid}/answer", data={"prompt": prompts[rung]}, headers=HX).text
        want = prompt_answer(world, prompts[rung])
        got = [int(c) for c in re.findall(r"<td>[^<]+</td>\s*<td>(\d+)</td>", text)]
        assert got == [int(x) for x in want.split()[0].split(",")] + [int(x) for x in want.split()[1::2]]
        model_text = edited_generate(model.eval(), tok, text_ids(tok, prompts[rung]), [], 32)[0]
        assert f'<span id="model-text">{model_text!r}</span>' in text


def test_a_prompt_outside_the_models_vocabulary_is_a_message(lab):
    client, run, _ = lab
    r = client.post(f"/play/{run.id}/answer", data={"prompt": "1,0,1,0,1 do(newA=1)"}, headers=HX)
    assert r.status_code == 200 and "not in the model's vocabulary" in r.text


def test_neurons_edits_lens_and_head_effects(lab):
    from reasonlab.interp import WeightEdit

    client, run, path = lab
    model, tok = load_pretrained(path / "final")
    ids = text_ids(tok, "1,0,1,0,1")
    form = {"inputs": "1,0,1,0,1", "neurons": "0:3, 1:17, 1:40"}
    text = client.post(f"/play/{run.id}/answer", data=form, headers=HX).text
    with ablate(model, neurons=[(0, 3), (1, 17), (1, 40)]):
        want = edited_generate(model, tok, ids, [], 32)[0]
    assert f'<span id="model-text">{want!r}</span>' in text
    edit = {
        "inputs": "1,0,1,0,1",
        "edit_target": "transformer.h.0.attn.c_attn.weight[:, 0:64]",
        "edit_op": "zero",
        "edit_step": "2",
    }
    text = client.post(f"/play/{run.id}/answer", data=edit, headers=HX).text
    edited = edited_generate(model, tok, ids, [WeightEdit(edit["edit_target"], "zero", 1.0, 2)], 32)[1]
    assert f'<span id="model-text">{edited!r}</span>' in text
    shown = client.post(
        f"/play/{run.id}/answer", data={"inputs": "1,0,1,0,1", "lens": "on", "effects": "on"}, headers=HX
    ).text
    assert 'class="lens"' in shown and shown.count("<svg") == 1
    table = {(int(a), int(b)): t for a, b, t in re.findall(r"<td>L(\d)H(\d)</td>\s*<td>(.*?)</td>", shown)}
    assert sorted(table) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for head, got in table.items():
        with ablate(model, heads=[head]):
            assert got == repr(edited_generate(model, tok, ids, [], 32)[0])


@pytest.mark.parametrize(
    "form, message",
    [
        ({"neurons": "0-3"}, "layer:neuron pairs"),
        ({"neurons": "0:999"}, "the MLPs have neurons"),
        ({"edit_target": "nope.weight"}, "not a parameter"),
        ({"edit_target": "lm_head.weight", "edit_op": "melt"}, "choose from flip"),
        ({"edit_target": "lm_head.weight", "edit_value": "big"}, "give a number"),
    ],
)
def test_bad_manipulations_are_a_message(lab, form, message):
    client, run, _ = lab
    r = client.post(f"/play/{run.id}/answer", data={"inputs": "1,0,1,0,1", **form}, headers=HX)
    assert r.status_code == 200 and message in r.text and 'id="answer"' in r.text
