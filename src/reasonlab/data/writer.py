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
from dataclasses import dataclass
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


@dataclass
class Shard:
    """What a worker returns for a range of groups: JSONL text, an Arrow table, extra files."""

    jsonl: str
    table: pa.Table | None
    files: dict[str, str]


def _shard(args: tuple[str, str, str, int, int]) -> Shard:
    """Worker: groups ``[start, stop)`` of one split, already serialised (in parallel)."""
    task_name, config_json, split, start, stop = args
    task = get_task(task_name)
    config = task.config.model_validate_json(config_json)
    rows, files = [], {}
    for group in range(start, stop):
        rows += [e.to_dict() for e in task.generate_group(config, split, group)]
        if task.group_files is not None:
            files.update(task.group_files(config, split, group))
    jsonl = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return Shard(jsonl, pa.Table.from_pylist(rows) if rows else None, files)


SHARD_GROUPS = 8  # groups per job; fixed, so the output never depends on the worker count


def _shards(n_groups: int) -> list[tuple[int, int]]:
    return [(s, min(s + SHARD_GROUPS, n_groups)) for s in range(0, n_groups, SHARD_GROUPS)]


def _run(task_name: str, config_json: str, split: str, n_groups: int, workers: int,
         progress: Progress) -> Iterator[Shard]:
    jobs = [(task_name, config_json, split, a, b) for a, b in _shards(n_groups)]
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


def _write_split(shards: Iterator[Shard], staging: Path, split: str) -> pa.Table:
    """Stream the shards of one split into ``split.jsonl`` and ``split.parquet`` (and their
    extra files); returns the split's Arrow table."""
    tables = []
    with open(staging / f"{split}.jsonl", "w", encoding="utf-8") as f:
        for shard in shards:
            f.write(shard.jsonl)
            if shard.table is not None:
                tables.append(shard.table)
            for rel, text in shard.files.items():
                path = staging / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    table = (pa.concat_tables(tables, promote_options="default") if tables
             else pa.table({"id": pa.array([], pa.string())}))
    pq.write_table(table, staging / f"{split}.parquet")
    return table


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
    tables: dict[str, pa.Table] = {}
    config_json = config.model_dump_json()
    try:
        with progress:
            for split in SPLITS:
                shards = _run(task.name, config_json, split, task.groups(config, split), workers,
                              progress)
                tables[split] = _write_split(shards, staging, split)
        (staging / "config.yaml").write_text(to_yaml(config), encoding="utf-8")
        write_card(staging, config, tables)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {split: t.num_rows for split, t in tables.items()}


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
