"""Eval result files read back as typed rows, and systems built from them.

A results file is ``eval/<name>.jsonl`` as ``reasonlab eval`` writes it: one JSON object per
example with ``id``, ``prompt``, ``answer``, ``samples``, ``correct``, ``details`` (per sample,
e.g. ``tvd``), ``slices`` and ``meta``. Files written before ``details``/``meta`` were kept still
load: they score exactly (no tolerance) and slice by their stored ``slices``.

A :class:`System` is one or more results files of runs that differ only in ``seed``; its
per-example value is the mean correctness over seeds. Systems compared side by side must hold
the same example ids (paired tests); a mismatch names the missing ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ConfigError, parse_yaml
from ..validation import parse_json, read_text

RUN_KEYS_IGNORED = ("seed", "name", "run_dir")  # keys that do not make two runs different systems


@dataclass(frozen=True)
class EvalRow:
    """One example's result: the first sample (greedy, or the first drawn) is what is scored."""

    id: str
    prompt: str
    answer: str
    output: str
    correct: bool
    tvd: float | None
    slices: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def accurate(self, tolerance: float | None) -> bool:
        """Correct at TVD tolerance ``tolerance`` (``None``: the task's own exact verdict)."""
        if tolerance is None:
            return self.correct
        return self.tvd is not None and round(self.tvd, 12) <= tolerance


@dataclass(frozen=True)
class EvalFile:
    """A results file, the run it belongs to (if any) and that run's config."""

    path: Path
    rows: tuple[EvalRow, ...]
    run: Path | None = None
    config: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def has_tvd(self) -> bool:
        return any(r.tvd is not None for r in self.rows)


def _row(obj: Any, where: str) -> EvalRow:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise ConfigError(f"{where}: not a result row (an object with a string 'id'); is this an "
                          "eval/<name>.jsonl written by `reasonlab eval`?")
    correct, samples = obj.get("correct"), obj.get("samples")
    if not isinstance(correct, list) or not correct or not isinstance(samples, list) or not samples:
        raise ConfigError(f"{where}: row {obj['id']!r} has no 'correct'/'samples' lists, so this is not "
                          "a result row of `reasonlab eval` (a dataset split?); give eval/<name>.jsonl")
    details = obj.get("details") or [{}]
    tvd = details[0].get("tvd") if isinstance(details[0], dict) else None
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    return EvalRow(id=obj["id"], prompt=str(obj.get("prompt", "")), answer=str(obj.get("answer", "")),
                   output=str(samples[0]), correct=bool(correct[0]),
                   tvd=float(tvd) if isinstance(tvd, int | float) else None,
                   slices=tuple(str(s) for s in obj.get("slices") or ()), meta=meta)


def run_of(path: Path) -> Path | None:
    """The run folder of ``<run>/eval/<name>.jsonl`` (one with ``config.yaml``), if any."""
    root = path.parent.parent
    return root if path.parent.name == "eval" and (root / "config.yaml").is_file() else None


def read_config(run: Path) -> dict[str, Any]:
    config = run / "config.yaml"
    data = parse_yaml(read_text(config, "run config"), f"run config {str(config)!r}")
    return data if isinstance(data, dict) else {}


def load_eval(path: str | Path) -> EvalFile:
    """Read one results file (clear errors for a missing, empty or malformed file)."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"results {str(path)!r} is a folder; give eval/<name>.jsonl, or a run folder "
                          "with --data DIR/split")
    text = read_text(path, "eval results")
    rows, seen = [], set()
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            row = _row(parse_json(line, f"eval results {str(path)!r} line {number}"),
                       f"eval results {str(path)!r} line {number}")
            if row.id in seen:
                raise ConfigError(f"eval results {str(path)!r} line {number}: example id {row.id!r} "
                                  "appears twice; re-run `reasonlab eval`")
            seen.add(row.id)
            rows.append(row)
    if not rows:
        raise ConfigError(f"eval results {str(path)!r} holds no rows; re-run `reasonlab eval`")
    run = run_of(path)
    return EvalFile(path, tuple(rows), run, read_config(run) if run else None)


@dataclass(frozen=True)
class System:
    """A labelled system: one results file per seed."""

    name: str
    files: tuple[EvalFile, ...]

    @property
    def seeds(self) -> int:
        return len(self.files)

    @property
    def has_tvd(self) -> bool:
        return all(f.has_tvd for f in self.files)

    def values(self, ids: Sequence[str], tolerance: float | None) -> np.ndarray:
        """``(n, seeds)``: correctness of each example (in ``ids`` order) in each seed."""
        cols = []
        for f in self.files:
            by_id = {r.id: r for r in f.rows}
            cols.append([by_id[i].accurate(tolerance) for i in ids])
        return np.asarray(cols, dtype=np.float64).T


def _differ_only_in_seed(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return False
    strip = lambda c: {k: v for k, v in c.items() if k not in RUN_KEYS_IGNORED}  # noqa: E731
    return strip(a) == strip(b)


def group_by_seed(files: Sequence[EvalFile]) -> list[list[EvalFile]]:
    """Files whose runs' configs differ only in ``seed`` (and name/run_dir) form one group."""
    groups: list[list[EvalFile]] = []
    for f in files:
        for g in groups:
            if _differ_only_in_seed(g[0].config, f.config) and g[0].path.name == f.path.name:
                g.append(f)
                break
        else:
            groups.append([f])
    return groups


def seedless(name: str, seed: object) -> str:
    """``name`` without a trailing seed part (``sft-s0`` -> ``sft`` for seed 0)."""
    for suffix in (f"-s{seed}", f"_s{seed}", f"-seed{seed}", f"_seed{seed}", f"-{seed}"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def default_name(files: Sequence[EvalFile]) -> str:
    """A label for a group: its run's name (without a trailing seed part when it has several
    seeds) or the file's stem."""
    f = files[0]
    name = str((f.config or {}).get("name") or (f.run.name if f.run else f.path.stem))
    return seedless(name, (f.config or {}).get("seed")) if len(files) > 1 else name


def common_ids(systems: Sequence[System]) -> list[str]:
    """The example ids every file of every system holds (in the first file's order), or an error
    naming the ids a file lacks."""
    first = systems[0].files[0]
    ids = [r.id for r in first.rows]
    want = set(ids)
    for s in systems:
        for f in s.files:
            have = {r.id for r in f.rows}
            if have != want:
                missing, extra = sorted(want - have), sorted(have - want)
                what = (f"lacks {len(missing)} example ids of {first.path} (e.g. {', '.join(missing[:3])})"
                        if missing else f"has {len(extra)} ids {first.path} lacks (e.g. "
                        f"{', '.join(extra[:3])})")
                raise ConfigError(f"system {s.name!r}: {f.path} {what}; paired tests need every system "
                                  "evaluated on the same examples (same --data, no --limit)")
    return ids
