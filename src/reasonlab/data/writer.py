"""Writing a generated dataset: splits as JSONL and parquet, per-group files, config and card.

Generation is sharded by group (one causal model = one group) across processes; shards come back
in order, so the bytes written do not depend on ``workers``. Everything is first written to a
hidden staging folder inside the output folder and moved into place only when every split is
complete, so an interrupted run leaves no partial split (a killed one leaves only the hidden
staging folder, removed by the next run).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..config import to_yaml
from ..tasks import SPLITS, Example, get_task
from .card import write_card

STAGING_PREFIX = ".staging-"


class RateColumn(ProgressColumn):
    """Items per second of a progress task."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f}/s" if speed else "", style="progress.data.speed")


def _shard(args: tuple[str, str, str, int, int]) -> tuple[list[dict], dict[str, str]]:
    """Worker: groups ``[start, stop)`` of one split -> (example dicts, files)."""
    task_name, config_json, split, start, stop = args
    task = get_task(task_name)
    config = task.config.model_validate_json(config_json)
    rows, files = [], {}
    for group in range(start, stop):
        rows += [e.to_dict() for e in task.generate_group(config, split, group)]
        if task.group_files is not None:
            files.update(task.group_files(config, split, group))
    return rows, files


def _shards(n_groups: int, workers: int) -> list[tuple[int, int]]:
    size = max(1, min(64, n_groups // max(1, workers * 8)))
    return [(s, min(s + size, n_groups)) for s in range(0, n_groups, size)]


def _run(task_name: str, config_json: str, split: str, n_groups: int, workers: int,
         progress: Progress) -> Iterator[tuple[list[dict], dict[str, str]]]:
    jobs = [(task_name, config_json, split, a, b) for a, b in _shards(n_groups, workers)]
    bar = progress.add_task(f"{split}", total=n_groups)
    if workers <= 1 or len(jobs) <= 1:
        results: Iterator = map(_shard, jobs)
        pool = None
    else:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        pool = ctx.Pool(workers)
        results = pool.imap(_shard, jobs)
    try:
        for job, result in zip(jobs, results, strict=True):
            progress.advance(bar, job[4] - job[3])
            yield result
    finally:
        if pool is not None:
            pool.terminate()


def write_split(rows: list[dict], folder: Path, split: str) -> None:
    with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    table = pa.Table.from_pylist(rows) if rows else pa.table({"id": pa.array([], pa.string())})
    pq.write_table(table, folder / f"{split}.parquet")


def generate_dataset(config: Any, out: str | Path, workers: int = 1,
                     progress: Progress | None = None) -> dict[str, int]:
    """Generate every split of ``config`` (a task config) into ``out``; returns counts."""
    task = get_task(config.task)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    progress = progress or Progress(TextColumn("{task.description:>6}"), BarColumn(),
                                    MofNCompleteColumn(), TextColumn("groups"), RateColumn(),
                                    TimeRemainingColumn(), transient=True)
    counts: dict[str, int] = {}
    samples: dict[str, list[dict]] = {}
    config_json = config.model_dump_json()
    try:
        with progress:
            for split in SPLITS:
                rows: list[dict] = []
                for shard_rows, files in _run(task.name, config_json, split,
                                              task.groups(config, split), workers, progress):
                    rows += shard_rows
                    for rel, text in files.items():
                        path = staging / rel
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_text(text, encoding="utf-8")
                write_split(rows, staging, split)
                counts[split] = len(rows)
                samples[split] = rows
        (staging / "config.yaml").write_text(to_yaml(config), encoding="utf-8")
        write_card(staging, config, samples)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts


def _publish(staging: Path, out: Path) -> None:
    """Move every staged entry into ``out``, replacing what a previous run left there."""
    for entry in sorted(staging.iterdir()):
        target = out / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        entry.replace(target)


def read_split(folder: str | Path, split: str) -> list[Example]:
    """The examples of ``folder/split.jsonl``."""
    path = Path(folder) / f"{split}.jsonl"
    with open(path, encoding="utf-8") as f:
        return [Example.from_dict(json.loads(line)) for line in f if line.strip()]
