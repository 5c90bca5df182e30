"""The judge's reply cache: one JSON file per (prompt, model, schema), so a rerun costs no request.

The key is the sha256 of the chat messages (the full prompt text, system and user), the judge
model's name and the schema's name; the entry ``<cache_dir>/<key>.json`` holds the validated
reply (and, for a reader, the model and schema). Entries are written atomically
(:func:`reasonlab.files.atomic_write_text`), only for replies that passed validation, and hold
nothing of the request's headers (no API key). An entry that cannot be read or no longer
validates (edited by hand, or written by an older schema) counts as a miss and is rewritten.
The original study kept one cache file per example too, keyed by the example rather than by
the prompt, so a changed prompt silently reused stale replies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from ..config import ConfigError
from ..files import atomic_write_text
from .judge_schemas import ChatMessage, Reply


def cache_key(messages: Sequence[ChatMessage], model: str, schema: str) -> str:
    """The sha256 (hex) of the prompt text, the model and the schema name."""
    payload = {"messages": [[m.role, m.content] for m in messages], "model": model, "schema": schema}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class JudgeCache:
    """Replies on disk under ``folder`` (``None``: no cache, every lookup misses)."""

    def __init__(self, folder: Path | None) -> None:
        if folder is not None and folder.exists() and not folder.is_dir():
            raise ConfigError(f"judge cache_dir = {str(folder)!r} is a file, not a folder; "
                              "give a folder path (it is created when missing)")
        self.folder = folder

    def get(self, key: str, reply_model: type[Reply]) -> Reply | None:
        """The cached reply for ``key``, or None on a miss (or an unusable entry)."""
        if self.folder is None:
            return None
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return reply_model.model_validate(entry["reply"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None

    def put(self, key: str, model: str, schema: str, reply: Reply) -> None:
        """Store ``reply`` (already validated) under ``key``."""
        if self.folder is None:
            return
        entry = {"schema": schema, "model": model, "reply": reply.model_dump(mode="json")}
        atomic_write_text(self.folder / f"{key}.json", json.dumps(entry, ensure_ascii=False, indent=1) + "\n")
