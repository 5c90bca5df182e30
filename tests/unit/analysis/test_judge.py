"""The LLM judge against a real local HTTP server (127.0.0.1, port 0) serving canned OpenAI-style
replies: request shape, parsing into each schema, the cache, retries, backoff, per-item errors,
the concurrency bound, unreachable endpoints -- and that the API key never leaks."""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from reasonlab.analysis.judge import JudgeConfig, JudgeItem, judge_traces
from reasonlab.analysis.judge_schemas import (
    SCHEMAS,
    ErrorStep,
    ModelingErrorReply,
    Step,
    StepErrorsReply,
    StepsReply,
)
from reasonlab.config import ConfigError, validate

KEY_ENV = "REASONLAB_TEST_JUDGE_KEY"
SECRET = "sk-test-9f3a7c51e2d84b06"
MODELING = {"modeling_error": True, "explanation": "uses P(Y) where P(Y | X) is needed"}


def completion(content: str) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    return json.dumps({"id": "c1", "object": "chat.completion", "choices": [choice]}).encode()


def ok(content: object = MODELING) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, completion(json.dumps(content))


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict
    at: float


@dataclass
class FakeJudge:
    """What the server saw; ``respond(body, n)`` answers the n-th request (1-based) of a trace."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    respond: object = None

    def count(self, marker: str) -> int:
        return sum(marker in s.body["messages"][1]["content"] for s in self.seen)


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(KEY_ENV, SECRET)
    fake = FakeJudge(respond=lambda body, n: ok())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with fake.lock:
                fake.seen.append(Seen(self.path, dict(self.headers), body, time.monotonic()))
                n = sum(s.body["messages"][1]["content"] == body["messages"][1]["content"] for s in fake.seen)
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            time.sleep(fake.delay)
            status, headers, data = fake.respond(body, n)
            with fake.lock:
                fake.in_flight -= 1
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def config(url: str, **kw) -> JudgeConfig:
    defaults = {"url": url, "model": "judge-1", "key_env": KEY_ENV, "backoff": 0.0, "retries": 3}
    return JudgeConfig(**{**defaults, **kw})


def items(n: int, tag: str = "t") -> list[JudgeItem]:
    return [JudgeItem(f"{tag}{i}", f"What is P(Y) in model {i}?", f"trace {tag}{i}\nANSWER: [0.5]")
            for i in range(n)]


def test_request_shape_and_modeling_error_reply(server):
    [r] = judge_traces(config(server.url + "/"), items(1))
    assert r.id == "t0" and r.error is None and r.cached is False
    assert r.parsed == ModelingErrorReply(modeling_error=True, explanation=MODELING["explanation"])
    [seen] = server.seen
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == f"Bearer {SECRET}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body["model"] == "judge-1" and seen.body["temperature"] == 0.0
    assert seen.body["response_format"] == {"type": "json_object"}
    system, user = seen.body["messages"]
    assert system == {"role": "system", "content": SCHEMAS["modeling_error"].system}
    assert user["role"] == "user"
    assert "What is P(Y) in model 0?" in user["content"] and "trace t0\nANSWER: [0.5]" in user["content"]


def test_no_key_no_auth_header_and_temperature_can_be_left_out(server, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    [r] = judge_traces(config(server.url, temperature=None), items(1))
    assert r.error is None
    assert "Authorization" not in server.seen[0].headers and "temperature" not in server.seen[0].body


@pytest.mark.parametrize(("schema", "content", "expected"), [
    ("steps", {"steps": [{"text": "P(X=1) = 0.3"}, {"text": "P(Y=1) = 0.42"}], "strategy": "recursion"},
     StepsReply(steps=[Step(text="P(X=1) = 0.3"), Step(text="P(Y=1) = 0.42")], strategy="recursion")),
    ("step_errors", {"steps": [{"text": "a", "errors": ["copy", "calculation", "copy"]},
                               {"text": "b", "errors": []}], "strategy": "brute force summation"},
     StepErrorsReply(steps=[ErrorStep(text="a", errors=["copy", "calculation"]),
                            ErrorStep(text="b", errors=[])], strategy="brute force summation")),
    ("modeling_error", {"modeling_error": False, "explanation": "none", "extra": 1},
     ModelingErrorReply(modeling_error=False, explanation="none")),
])
def test_each_schema_parses(server, schema, content, expected):
    server.respond = lambda body, n: ok(content)
    [r] = judge_traces(config(server.url, schema=schema), items(1))
    assert r.error is None and r.parsed == expected
    assert server.seen[0].body["messages"][0]["content"] == SCHEMAS[schema].system


def test_schema_violation_is_retried_then_reported(server):
    server.respond = lambda body, n: ok({"steps": [{"text": "a"}], "strategy": "guessing"})
    [r] = judge_traces(config(server.url, schema="steps"), items(1))
    assert r.parsed is None and r.error.startswith("gave up after 3 tries")
    assert "strategy" in r.error and "'guessing'" in r.error
    assert len(server.seen) == 3
    server.seen.clear()
    server.respond = lambda body, n: ok({"modeling_error": "yes", "explanation": "x"})  # not a JSON bool
    [r] = judge_traces(config(server.url), items(1))
    assert r.parsed is None and "modeling_error" in r.error and len(server.seen) == 3


def test_cache_makes_a_rerun_free(server, tmp_path):
    cfg = config(server.url, cache_dir=tmp_path / "cache")
    first = judge_traces(cfg, items(4))
    assert len(server.seen) == 4 and not any(r.cached for r in first)
    files = sorted((tmp_path / "cache").iterdir())
    assert len(files) == 4 and all(len(f.stem) == 64 and f.suffix == ".json" for f in files)
    assert not any(SECRET in f.read_text() for f in files)
    second = judge_traces(cfg, items(4))
    assert len(server.seen) == 4  # zero new requests
    assert all(r.cached for r in second) and [r.parsed for r in second] == [r.parsed for r in first]
    server.respond = lambda body, n: ok({"steps": [], "strategy": "other"})
    judge_traces(config(server.url, cache_dir=tmp_path / "cache", schema="steps"), items(1))
    assert len(server.seen) == 5  # another schema (another prompt) is another entry


def test_failures_are_not_cached(server, tmp_path):
    server.respond = lambda body, n: (200, {}, completion("not json"))
    cfg = config(server.url, cache_dir=tmp_path / "c", retries=1)
    assert judge_traces(cfg, items(1))[0].error is not None
    server.respond = lambda body, n: ok()
    [r] = judge_traces(cfg, items(1))
    assert r.error is None and r.cached is False and len(server.seen) == 2


def test_a_500_is_retried_then_succeeds(server):
    server.respond = lambda body, n: (500, {}, b'{"error": "overloaded"}') if n == 1 else ok()
    [r] = judge_traces(config(server.url), items(1))
    assert r.error is None and r.parsed.modeling_error is True
    assert len(server.seen) == 2


def test_a_500_every_time_is_an_item_error(server):
    server.respond = lambda body, n: (503, {}, b"busy")
    [r] = judge_traces(config(server.url), items(1))
    assert r.parsed is None and r.error.startswith("gave up after 3 tries: HTTP 503") and "busy" in r.error
    assert len(server.seen) == 3


def test_a_429_backs_off_before_the_retry(server):
    server.respond = lambda body, n: (429, {"Retry-After": "0"}, b"slow down") if n == 1 else ok()
    [r] = judge_traces(config(server.url, backoff=0.3), items(1))
    assert r.error is None and len(server.seen) == 2
    assert server.seen[1].at - server.seen[0].at >= 0.3  # backoff * 2**0
    server.seen.clear()
    server.respond = lambda body, n: (429, {"Retry-After": "0.4"}, b"") if n == 1 else ok()
    judge_traces(config(server.url, backoff=0.0), items(1, "u"))
    assert server.seen[1].at - server.seen[0].at >= 0.4  # the server's Retry-After wins


def test_invalid_json_is_a_per_item_error_and_the_batch_goes_on(server):
    def respond(body, n):
        if "BROKEN" in body["messages"][1]["content"]:
            return 200, {}, completion("I think the answer is yes")
        return ok()

    batch = [*items(2), JudgeItem("bad", "q?", "BROKEN trace"), *items(2, "v")]
    server.respond = respond
    results = judge_traces(config(server.url), batch)
    assert [r.id for r in results] == ["t0", "t1", "bad", "v0", "v1"]
    assert [r.error is None for r in results] == [True, True, False, True, True]
    assert "not valid JSON" in results[2].error and results[2].parsed is None
    assert server.count("BROKEN") == 3


def test_a_400_is_not_retried_and_the_echoed_key_is_scrubbed(server):
    server.respond = lambda body, n: (400, {}, f'{{"error": "bad request for key {SECRET}"}}'.encode())
    [r] = judge_traces(config(server.url), items(1))
    assert len(server.seen) == 1 and "HTTP 400" in r.error
    assert SECRET not in r.error and "[redacted]" in r.error


def test_concurrency_bound_is_respected(server):
    server.delay = 0.2
    results = judge_traces(config(server.url, concurrency=3), items(9))
    assert all(r.error is None for r in results) and len(server.seen) == 9
    assert server.max_in_flight == 3


def test_a_refused_key_is_one_config_error_naming_the_variable(server):
    server.respond = lambda body, n: (401, {}, f"Incorrect API key provided: {SECRET}".encode())
    with pytest.raises(ConfigError) as info:
        judge_traces(config(server.url, concurrency=1), items(6))
    text = "".join(traceback.format_exception(info.value))
    assert KEY_ENV in str(info.value) and "HTTP 401" in str(info.value) and SECRET not in text
    assert len(server.seen) == 1  # the batch stopped at the first refusal


def test_unreachable_endpoint_is_one_config_error_without_the_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    with socket.socket() as sock:  # bound but not listening: connecting is refused
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        start = time.monotonic()
        with pytest.raises(ConfigError) as info:
            judge_traces(config(url, retries=4, backoff=5.0), items(5))
    message = str(info.value)
    assert f"{url}/chat/completions" in message and "is the server running? check --judge-url" in message
    assert SECRET not in "".join(traceback.format_exception(info.value))
    assert time.monotonic() - start < 4.0  # no backoff: refused is not worth retrying


def test_unknown_host_is_a_config_error(monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(ConfigError, match=r"cannot reach the judge at http://judge\.invalid/v1/chat/completions"):
        judge_traces(config("http://judge.invalid/v1"), items(2))


def test_config_validation():
    cfg = JudgeConfig(url="https://api.example.com/v1/chat/completions/", model="m", schema="steps")
    assert cfg.url == "https://api.example.com/v1" and cfg.schema_name == "steps"
    assert cfg.key_env == "OPENAI_API_KEY" and cfg.model_dump()["schema"] == "steps"
    with pytest.raises(ConfigError, match=r"field schema = 'steps2': unknown judge schema; choose one of"):
        validate(JudgeConfig, {"url": "http://x/v1", "model": "m", "schema": "steps2"})
    with pytest.raises(ConfigError, match=r"field url = 'localhost:8000': give the http\(s\) base URL"):
        validate(JudgeConfig, {"url": "localhost:8000", "model": "m"})
    with pytest.raises(ConfigError, match="not the key itself") as info:
        validate(JudgeConfig, {"url": "http://x/v1", "model": "m", "key_env": SECRET})
    assert SECRET not in str(info.value)
    with pytest.raises(ValidationError) as raw:
        JudgeConfig(url="http://x/v1", model="m", key_env=SECRET)
    assert SECRET not in str(raw.value)
    with pytest.raises(ConfigError, match="item id 't0' appears twice"):
        judge_traces(cfg, [*items(1), *items(1)])
