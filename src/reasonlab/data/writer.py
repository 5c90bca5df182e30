"""Writing a generated dataset: splits as JSONL and parquet, per-group files, config and card.

Generation is sharded by group (one causal model = one group) across processes; shards come back
in order, so the bytes written do not depend on ``workers``. A worker that dies (killed, out of
memory) ends the run with a clear error instead of a hang. Everything is first written to a
hidden staging folder beside the output folder and published in one step (a rename, or an atomic
exchange with the previous dataset), so a reader sees the old dataset or the new one, never a
mix; a killed run leaves only the hidden staging folder, removed by the next run.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..config import ConfigError, to_yaml
from ..files import current_umask, publish_dir
from ..tasks import SPLITS, Example, get_task
from ..validation import InputError, describe, parse_json, read_text
from .card import write_card

STAGING_PREFIX = ".staging-"
DATASET_MARKER = "config.yaml"  # a folder holding this is a dataset we may replace


class WorkerDied(InputError):
    """A generation worker process ended without returning its shard."""


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
        for job in jobs:
            result = _shard(job)
            progress.advance(bar, job[4] - job[3])
            yield result
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx)
    try:
        for job, result in zip(jobs, pool.map(_shard, jobs), strict=True):
            progress.advance(bar, job[4] - job[3])
            yield result
    except BrokenProcessPool:
        raise WorkerDied(f"a generation worker died (killed, or out of memory) in split {split!r}; "
                         "nothing was published; run again, with fewer --workers if memory is "
                         "short") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


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
    pq.write_table(_parquet_safe(table), staging / f"{split}.parquet")
    return table


def _parquet_safe(table: pa.Table) -> pa.Table:
    """Parquet cannot store a struct with no fields (a task whose rows all have an empty
    ``meta``): such columns are written as nulls (the JSONL keeps the empty mapping)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_struct(f.type) and f.type.num_fields == 0:
            table = table.set_column(i, f.name, pa.nulls(table.num_rows))
    return table


def generate_dataset(config: Any, out: str | Path, workers: int = 1,
                     progress: Progress | None = None) -> dict[str, int]:
    """Generate every split of ``config`` (a task config) into ``out``; returns counts."""
    task = get_task(config.task)
    out = Path(out)
    _check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}{STAGING_PREFIX}"
    for old in [*out.parent.glob(f"{prefix}*"), *out.glob(f"{STAGING_PREFIX}*")]:
        shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))
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
        write_card(staging, config, tables)
        (staging / DATASET_MARKER).write_text(to_yaml(config), encoding="utf-8")
        staging.chmod(0o777 & ~current_umask())
        publish_dir(staging, out)
    except OSError as e:
        if e.filename is None:  # pyarrow and friends say ENOSPC without the path
            raise OSError(e.errno, e.strerror or str(e), str(out)) from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {split: t.num_rows for split, t in tables.items()}


def _check_output(out: Path) -> None:
    """``out`` must be new, empty, or a dataset written before (which it replaces whole)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"output {str(out)!r} is a file, not a folder; remove it or choose another path")
    if (out.is_dir() and not (out / DATASET_MARKER).is_file()
            and any(p for p in out.iterdir() if not p.name.startswith(STAGING_PREFIX))):
        raise InputError(f"output folder {str(out)!r} holds files that are not a reasonlab dataset; "
                         "choose a new or empty folder")


_TEXT_FIELDS = ("id", "task", "split", "prompt", "answer", "completion")


def read_split(folder: str | Path, split: str) -> list[Example]:
    """The examples of ``folder/split.jsonl``; a missing or malformed file is one clear error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"dataset folder {str(folder)!r} does not exist; write one with `reasonlab "
                         "generate`")
    path = folder / f"{split}.jsonl"
    if not path.is_file():
        raise InputError(f"dataset folder {str(folder)!r} has no {split}.jsonl; is it a dataset "
                         "written by `reasonlab generate`?")
    lines = read_text(path, "dataset split").splitlines()
    return [_example(line, f"{path}:{i}") for i, line in enumerate(lines, 1) if line.strip()]


def _example(line: str, where: str) -> Example:
    row = parse_json(line, f"dataset row {where}")
    if not isinstance(row, dict):
        raise InputError(f"dataset row {where} is a {type(row).__name__}, not an object; regenerate "
                         "the dataset")
    for name in _TEXT_FIELDS:
        if not isinstance(row.get(name), str):
            raise InputError(f"dataset row {where}: field {name} = {row.get(name)!r:.60} is not a "
                             "string; regenerate the dataset")
    if not isinstance(row.get("system", ""), str) or not isinstance(row.get("meta", {}), dict):
        raise InputError(f"dataset row {where}: system must be a string and meta an object; "
                         "regenerate the dataset")
    return Example.from_dict({**row, **_answer_key(row, where)})


def _answer_key(row: dict[str, Any], where: str) -> dict[str, Any]:
    """``answer_key`` and ``meta`` of a row, the key validated as its task's. A row written
    before answer keys had their own field has its key read from (and taken out of) ``meta``."""
    try:
        key, meta = get_task(row["task"]).read_key(row.get("answer_key"), row.get("meta", {}))
    except ConfigError as e:  # an unknown task
        raise InputError(f"dataset row {where}: {e}") from None
    except ValidationError as e:
        old = "" if "answer_key" in row else " (a row without answer_key: its meta lacks the old key fields)"
        problems = describe(e, "answer_key").replace("\n", "; ")
        raise InputError(f"dataset row {where}: {problems}{old}; regenerate the dataset") from None
    return {"answer_key": key, "meta": meta}
