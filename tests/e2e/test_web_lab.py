"""``reasonlab serve`` as a person uses it: a real uvicorn server on 127.0.0.1, 20 parallel
playground requests that answer exactly as sequential ones (the model's lock holds, no hook
leaks between requests), and headless Chromium toggling an input and a head and seeing the
model's answer change, with no console error and no request off the machine."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import uvicorn

from helpers.browser import CHROMIUM, FLAGS
from reasonlab.interp import ablate, edited_generate
from reasonlab.models import load_pretrained
from reasonlab.models.encoding import text_ids
from reasonlab.web.app import build_app
from reasonlab.web.catalog import Catalog


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(catalog: Catalog):
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(catalog), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the lab did not start within 30 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(warm_policy):
    catalog = Catalog([warm_policy.parent])
    run = next(r for r in catalog.runs() if r.path == warm_policy.resolve())
    with _serving(catalog) as base:
        yield base, run, warm_policy


def _browser(p):
    browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
    page = browser.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    return browser, page, errors, requests


def _answer(base: str, rid: str, form: dict) -> str:
    req = urllib.request.Request(
        f"{base}/play/{rid}/answer",
        data=urllib.parse.urlencode(form).encode(),
        headers={"HX-Request": "true", "HX-Target": "answer"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
    return text.split('<span id="model-text">')[1].split("</span>")[0]


def test_parallel_requests_answer_as_sequential_ones(served):
    base, run, _ = served
    forms = [
        {
            "inputs": f"{i & 1},{i >> 1 & 1},{i >> 2 & 1},{i >> 3 & 1},{i >> 4 & 1}",
            **({f"h{i % 2}_{i // 2 % 2}": "on"} if i % 3 == 0 else {}),
        }
        for i in range(20)
    ]
    sequential = [_answer(base, run.id, f) for f in forms]
    with ThreadPoolExecutor(max_workers=20) as pool:
        parallel = list(pool.map(lambda f: _answer(base, run.id, f), forms))
    assert parallel == sequential
    assert len(set(sequential)) > 1


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_toggling_an_input_and_a_head_changes_the_answer_in_chromium(served, tmp_path):
    from playwright.sync_api import sync_playwright

    base, run, path = served
    model, tok = load_pretrained(path / "final")

    def library(bits: str, heads=()) -> str:
        with ablate(model, heads=heads):
            return repr(edited_generate(model, tok, text_ids(tok, bits), [], 32)[0])

    # a head whose ablation changes the answer to 1,0,0,0,0 (the warm policy has one)
    heads = [(0, 0), (0, 1), (1, 0), (1, 1)]
    head = next(h for h in heads if library("1,0,0,0,0", [h]) != library("1,0,0,0,0"))
    shots = os.environ.get("REASONLAB_SCREENSHOTS")
    with sync_playwright() as p:
        browser, page, errors, requests = _browser(p)
        page.goto(f"{base}/play/{run.id}")
        assert page.text_content("#shown-input") == "0,0,0,0,0"
        assert page.text_content("#model-text") == library("0,0,0,0,0")
        page.click("#b0")
        page.wait_for_function("document.querySelector('#shown-input').textContent == '1,0,0,0,0'")
        assert page.text_content("#model-text") == library("1,0,0,0,0")
        page.click("#attention")  # draw every head's pattern for this answer
        page.wait_for_selector("#answer .attention svg", timeout=30000)
        if shots:
            page.screenshot(path=f"{shots}/playground.png", full_page=True)
        page.click("#attention")
        page.click(f"#h{head[0]}_{head[1]}")
        want = json.dumps(library("1,0,0,0,0", [head]))
        page.wait_for_function(f"document.querySelector('#model-text').textContent == {want}")
        assert page.is_checked("#b0")
        page.goto(f"{base}/")
        assert page.locator("#runs tr").count() >= 2
        if shots:
            page.screenshot(path=f"{shots}/runs.png", full_page=True)
            page.goto(f"{base}/runs/{run.id}")
            page.screenshot(path=f"{shots}/run.png", full_page=True)
        browser.close()
    assert errors == []
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_a_broken_rule_then_a_dataset_then_a_run_that_learns_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("REASONLAB_SCREENSHOTS")
    with _serving(Catalog([tmp_path])) as base, sync_playwright() as p:
        browser, page, errors, requests = _browser(p)
        page.goto(f"{base}/rules")
        assert page.locator("#truth tr").count() == 33
        page.fill("#world", page.input_value("#world").replace("A XOR C", "A XOR (C"))
        page.press("#world", "End")
        page.wait_for_selector("#check pre.error")
        assert "at column 9" in page.text_content("#check")
        page.fill("#world", page.input_value("#world").replace("A XOR (C", "A XOR C"))
        page.press("#world", "End")
        page.wait_for_selector("#truth")
        page.fill("#size-train", "600")
        page.click("#generate")
        page.wait_for_selector("#train")
        page.fill("#steps", "150")
        page.click("#train")
        page.wait_for_selector("#training progress")
        page.wait_for_function(
            "Number(document.querySelector('#training progress').value) > 0", timeout=60000
        )
        seen = int(page.get_attribute("#training progress", "value"))
        page.wait_for_function(
            f"Number(document.querySelector('#training progress').value) > {seen}", timeout=60000
        )  # the bar moves while it trains
        page.wait_for_function(
            "document.querySelector('#train-state').textContent.includes('done')", timeout=120000
        )
        assert page.locator("#training svg").count() == 1  # the loss curve
        if shots:
            page.screenshot(path=f"{shots}/rules.png", full_page=True)
        browser.close()
    assert errors == []
    assert all(u.startswith(base) for u in requests)
    assert (tmp_path / "runs" / "my_world_sft" / "final" / "config.json").is_file()
