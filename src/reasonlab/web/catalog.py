"""What the lab serves: the runs found under the given folders, each with a short id for URLs
(a hash of its path: a request names a run by id, never by a path, so the server reads only
what it listed), and each run's model loaded once, on first use, with a lock for the requests
that share it."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError, parse_yaml
from ..validation import read_text


@dataclass
class Run:
    id: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def config(self) -> dict:
        f = self.path / "config.yaml"
        if not f.is_file():
            return {}
        data = parse_yaml(read_text(f, "run config"), f"run config {str(f)!r}")
        return data if isinstance(data, dict) else {}

    def task(self) -> dict | None:
        """The run's task config: ``data.task``, or the config of the dataset at ``data.path``."""
        data = self.config().get("data") or {}
        if data.get("task"):
            return data["task"]
        if data.get("path") and (Path(data["path"]) / "config.yaml").is_file():
            f = Path(data["path"]) / "config.yaml"
            found = parse_yaml(read_text(f, "dataset config"), f"dataset config {str(f)!r}")
            return found if isinstance(found, dict) else None
        return None

    def model_folder(self) -> Path | None:
        return self.path / "final" if (self.path / "final" / "config.json").is_file() else None


def find_runs(paths: Sequence[Path]) -> list[Path]:
    """Every run folder (one holding metrics.jsonl) at or under ``paths``, sorted, unique."""
    found: set[Path] = set()
    for p in paths:
        if not p.is_dir():
            raise ConfigError(f"{str(p)!r}: no such folder; give run folders or folders holding runs")
        if (p / "metrics.jsonl").is_file():
            found.add(p.resolve())
        found |= {m.parent.resolve() for m in p.rglob("metrics.jsonl")}
    return sorted(found)


@dataclass
class Catalog:
    roots: list[Path]
    _models: dict[str, tuple] = field(default_factory=dict)
    _seen: dict[str, Path] = field(default_factory=dict)  # run id -> folder, from the last listing
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def runs(self) -> list[Run]:
        """Found anew each call, so a run started after the server shows up."""
        runs = [Run(hashlib.sha1(str(p).encode()).hexdigest()[:10], p) for p in find_runs(self.roots)]
        self._seen.update({r.id: r.path for r in runs})
        return runs

    def run(self, run_id: str) -> Run:
        """The run of ``run_id``: from the last listing while its folder is still a run (each
        playground answer asks), else found by listing again."""
        known = self._seen.get(run_id)
        if known is not None and (known / "metrics.jsonl").is_file():
            return Run(run_id, known)
        for r in self.runs():
            if r.id == run_id:
                return r
        raise ConfigError(f"run {run_id!r}: no such run under {', '.join(map(str, self.roots))}; "
                          "pick one from the list of runs")

    def model(self, run: Run) -> tuple:
        """``(model, tokenizer, lock)`` of the run's final model, loaded once."""
        from ..models import load_pretrained

        folder = run.model_folder()
        if folder is None:
            raise ConfigError(f"run {run.name!r} has no final model yet (still training, or it failed)")
        key = str(folder)
        with self._lock:
            if key not in self._models:
                model, tok = load_pretrained(folder)
                self._models[key] = (model.eval(), tok, threading.Lock())
            return self._models[key]
