"""An optional LLM judge for free-text reasoning traces, over any OpenAI-compatible endpoint.

``judge_traces(config, items)`` asks the judge one question per trace (the schema's prompt,
:mod:`.judge_schemas`), POSTing ``{url}/chat/completions`` with ``model``, ``messages``,
``temperature`` and ``response_format={"type": "json_object"}``, and validates
``choices[0].message.content`` as the schema's pydantic model. It works with OpenAI, vLLM,
llama.cpp, Ollama or any server speaking that API, over the standard library only
(``urllib.request``).

* The API key is read from the environment variable named by ``key_env`` and sent as
  ``Authorization: Bearer ...`` (no header when the variable is unset: local servers need
  none). It is never logged, printed or cached, and every error text is scrubbed of it.
* Replies are cached by prompt, model and schema (:mod:`.judge_cache`): a rerun makes no request.
* At most ``concurrency`` requests are in flight (a thread pool). A 429, a 5xx, a timeout or a
  dropped connection is retried with exponential backoff (``backoff * 2**k`` seconds, at least
  the server's ``Retry-After``, at most 60 s), ``retries`` tries in all; a reply that is not
  JSON or breaks the schema is retried at once. An item that still fails gets an ``error`` in
  its :class:`JudgeResult`; the batch goes on.
* What no retry can fix for any item -- the server unreachable (connection refused, unknown
  host), the key refused (401/403), the URL or model unknown (404) -- stops the batch with one
  :class:`~reasonlab.config.ConfigError` naming the URL and the fix.

Departures from the original study's annotator (32 threads over the OpenAI client): any
endpoint, not only OpenAI; the key never printed (the original printed it); replies validated
and failures reported per item instead of crashing or being kept malformed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import ConfigError
from ..validation import InputError, StrictConfig, describe, parse_json
from .judge_cache import JudgeCache, cache_key
from .judge_schemas import SCHEMAS, JudgeSchema, Reply

MAX_BACKOFF = 60.0  # seconds: the longest wait between two tries
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JudgeConfig(StrictConfig):
    """Where the judge is and how to ask it. ``schema`` (alias of ``schema_name``) is a key of
    :data:`SCHEMAS`; ``retries`` counts tries in all; ``backoff`` is the first wait in seconds."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True,
                              hide_input_in_errors=True)

    url: str = Field(description="base URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1")
    model: str = Field(min_length=1, description="the judge model's name on that server")
    schema_name: str = Field("modeling_error", alias="schema", description="one of SCHEMAS")
    key_env: str = Field("OPENAI_API_KEY", description="NAME of the environment variable holding the key")
    concurrency: int = Field(8, ge=1, le=256)
    timeout: float = Field(120.0, gt=0, description="seconds per request")
    retries: int = Field(4, ge=1, le=20, description="tries per item, the first included")
    backoff: float = Field(1.0, ge=0, le=MAX_BACKOFF, description="seconds before the second try")
    temperature: float | None = Field(0.0, ge=0, le=2, description="None: not sent (server default)")
    cache_dir: Path | None = None

    @field_validator("url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("give the http(s) base URL of the API, e.g. http://localhost:8000/v1")
        return url.strip().rstrip("/").removesuffix("/chat/completions")

    @field_validator("schema_name")
    @classmethod
    def _known_schema(cls, name: str) -> str:
        if name not in SCHEMAS:
            raise ValueError(f"unknown judge schema; choose one of {sorted(SCHEMAS)}")
        return name

    @model_validator(mode="before")
    @classmethod
    def _env_name(cls, data: Any) -> Any:
        # A model-level check, so that the message never shows the value: a user who puts the
        # key itself here must not see it echoed (``hide_input_in_errors`` covers pydantic's text).
        name = data.get("key_env", "OPENAI_API_KEY") if isinstance(data, dict) else "OPENAI_API_KEY"
        if not (isinstance(name, str) and _ENV_NAME.fullmatch(name)):
            raise ValueError("field key_env must be the NAME of an environment variable (letters, digits "
                             "and _, e.g. OPENAI_API_KEY), not the key itself")
        return data


@dataclass(frozen=True)
class JudgeItem:
    """One trace to judge: ``id`` (unique in a batch), the question (prompt) and the trace text."""

    id: str
    question: str
    trace: str


@dataclass(frozen=True)
class JudgeResult:
    """The judge's verdict on one item: ``parsed`` (the schema's reply model) or an ``error``;
    ``cached`` when it came from the cache without a request."""

    id: str
    parsed: Reply | None
    error: str | None
    cached: bool


class _Retry(Exception):
    """A failure another try may fix; ``wait`` says whether to back off first."""

    def __init__(self, message: str, wait: bool = True, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.wait, self.retry_after = wait, retry_after


class _Fail(Exception):
    """A failure of this item that another try would not fix (e.g. HTTP 400: prompt too long)."""


@dataclass
class _Client:
    config: JudgeConfig
    key: str
    opener: urllib.request.OpenerDirector
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def endpoint(self) -> str:
        return f"{self.config.url}/chat/completions"

    def headers(self) -> dict[str, str]:
        out = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": "reasonlab-judge"}
        if self.key:
            out["Authorization"] = f"Bearer {self.key}"
        return out

    def scrub(self, text: str) -> str:
        """``text`` with the key blanked out (a server may echo it back in an error)."""
        return text.replace(self.key, "[redacted]") if self.key else text


def _snippet(client: _Client, data: bytes, limit: int = 300) -> str:
    text = " ".join(data[:limit].decode("utf-8", errors="replace").split())
    return client.scrub(text) or "(empty body)"


def _http_error(client: _Client, e: urllib.error.HTTPError) -> Exception:
    """The exception an HTTP error status becomes: a retry, an item failure or a ConfigError."""
    try:
        body = _snippet(client, e.read())
    except (OSError, http.client.HTTPException):
        body = "(no body)"
    where, cfg = client.endpoint, client.config
    if e.code == 429 or e.code >= 500:
        try:
            after = float(e.headers.get("Retry-After", 0) or 0) if e.headers else 0.0
        except ValueError:  # an HTTP date: fall back on the backoff
            after = 0.0
        return _Retry(f"HTTP {e.code} from {where}: {body}", retry_after=after)
    if e.code in (401, 403):
        return ConfigError(f"the judge at {where} refused the request (HTTP {e.code}: {body}); set the "
                           f"environment variable {cfg.key_env} to a valid API key (or check --judge-url)")
    if e.code == 404:
        return ConfigError(f"the judge at {where} answered HTTP 404 ({body}); check --judge-url (the API's "
                           f"base URL, usually ending in /v1) and --judge-model ({cfg.model!r})")
    return _Fail(f"HTTP {e.code} from {where}: {body}")


def _post(client: _Client, body: bytes) -> bytes:
    """POST ``body`` to the endpoint; the raw response, or a typed failure."""
    request = urllib.request.Request(client.endpoint, data=body, headers=client.headers(), method="POST")
    try:
        with client.opener.open(request, timeout=client.config.timeout) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        raise _http_error(client, e) from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, (ConnectionRefusedError, socket.gaierror)):
            raise ConfigError(f"cannot reach the judge at {client.endpoint} "
                              f"({client.scrub(str(e.reason))}); is the server running? "
                              "check --judge-url") from None
        raise _Retry(f"request to {client.endpoint} failed: {client.scrub(str(e.reason))}") from None
    except (OSError, http.client.HTTPException) as e:  # timeouts, dropped connections, bad status lines
        raise _Retry(f"request to {client.endpoint} failed: {type(e).__name__} "
                     f"{client.scrub(str(e))}") from None


def _strip_fence(text: str) -> str:
    """``text`` without a Markdown code fence around it (some servers add one despite json mode)."""
    text = text.strip()
    if text.startswith("```") and text.endswith("```"):
        text = text[3:-3].removeprefix("json").strip()
    return text


def _parse_reply(client: _Client, raw: bytes, model: type[Reply]) -> Reply:
    """The schema's reply model from a chat-completions response; a bad reply is a quick retry."""
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _Retry("the response has no choices[0].message.content: " + _snippet(client, raw),
                     wait=False) from None
    if not isinstance(content, str):
        raise _Retry(f"choices[0].message.content is a {type(content).__name__}, not text", wait=False)
    try:
        return model.model_validate(parse_json(_strip_fence(content), "the judge's reply"))
    except InputError as e:
        raise _Retry(f"{e} (reply: {_snippet(client, content.encode(), 120)})", wait=False) from None
    except ValidationError as e:
        raise _Retry(" ".join(describe(e, "the judge's reply").splitlines()), wait=False) from None


def _request_body(config: JudgeConfig, schema: JudgeSchema, item: JudgeItem) -> bytes:
    messages = schema.messages(item.question, item.trace)
    body: dict[str, object] = {
        "model": config.model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "response_format": {"type": "json_object"},
    }
    if config.temperature is not None:
        body["temperature"] = config.temperature
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _judge_one(client: _Client, schema: JudgeSchema, item: JudgeItem, key: str,
               cache: JudgeCache) -> JudgeResult:
    """Ask about one item, with retries; a ConfigError (nothing can succeed) propagates."""
    cfg = client.config
    body, last = _request_body(cfg, schema, item), ""
    for attempt in range(cfg.retries):
        if client.stop.is_set():
            return JudgeResult(item.id, None, "not asked: the batch was stopped", False)
        try:
            reply = _parse_reply(client, _post(client, body), schema.reply_model)
        except _Retry as e:
            last = str(e)
            if e.wait and attempt + 1 < cfg.retries:
                time.sleep(min(MAX_BACKOFF, max(cfg.backoff * 2**attempt, e.retry_after)))
            continue
        except _Fail as e:
            return JudgeResult(item.id, None, client.scrub(str(e)), False)
        except ConfigError:
            client.stop.set()  # nothing else can succeed: the other workers stop asking
            raise
        cache.put(key, cfg.model, schema.name, reply)
        return JudgeResult(item.id, reply, None, False)
    return JudgeResult(item.id, None, client.scrub(f"gave up after {cfg.retries} tries: {last}"), False)


def _run_all(client: _Client, schema: JudgeSchema, todo: list[tuple[int, JudgeItem, str]],
             cache: JudgeCache) -> dict[int, JudgeResult]:
    """Judge ``todo`` (position, item, cache key) on a bounded pool; the first ConfigError stops all."""
    out: dict[int, JudgeResult] = {}
    with ThreadPoolExecutor(max_workers=min(client.config.concurrency, len(todo))) as pool:
        futures = {pool.submit(_judge_one, client, schema, item, key, cache): i for i, item, key in todo}
        try:
            for future in as_completed(futures):
                out[futures[future]] = future.result()
        except BaseException:
            client.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return out


def judge_traces(config: JudgeConfig, items: list[JudgeItem]) -> list[JudgeResult]:
    """The judge's verdict on every item, in the items' order (cached ones without a request)."""
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, JudgeItem):
            raise ConfigError(f"judge: items must be JudgeItem objects, not {type(item).__name__}")
        if item.id in seen:
            raise ConfigError(f"judge: item id {item.id!r} appears twice; give every item its own id")
        seen.add(item.id)
    schema, cache = SCHEMAS[config.schema_name], JudgeCache(config.cache_dir)
    client = _Client(config, os.environ.get(config.key_env, "").strip(), urllib.request.build_opener())
    results: dict[int, JudgeResult] = {}
    todo = []
    for i, item in enumerate(items):
        key = cache_key(schema.messages(item.question, item.trace), config.model, schema.name)
        hit = cache.get(key, schema.reply_model)
        if hit is None:
            todo.append((i, item, key))
        else:
            results[i] = JudgeResult(item.id, hit, None, True)
    if todo:
        results.update(_run_all(client, schema, todo, cache))
    return [results[i] for i in range(len(items))]
