"""Exports of a generated dataset to the formats training stacks read.

=========  ==================================================================================
``verl``   parquet per split: ``data_source``, ``prompt`` (chat messages), ``ability``,
           ``reward_model = {style: "rule", ground_truth}``, ``extra_info`` (ids, answer, the
           task's ``answer_key``, then the descriptive meta: query, difficulty metadata)
``trl``    JSONL per split: ``{"prompt", "completion"}`` strings (standard), or with
           ``conversational`` ``{"prompt": [messages], "completion": [assistant message]}``
``chat``   JSONL per split, RL2-style: ``{"messages": [...], "extra_info": {"answer", ...}}``
           (``extra_info`` as for ``verl``)
``hf``     a ``datasets.DatasetDict`` saved with ``save_to_disk`` (``load_from_disk`` reads it);
           ``answer_key`` and ``meta`` are JSON strings
=========  ==================================================================================

Subsets: ``bins`` keeps difficulty bins; ``first`` keeps N examples per split *after a seeded
shuffle* (the original causal-reasoning study's ``--first`` took rows in file order, so 8k
examples were 80 graphs; docs/origins.md).
Writes are atomic: each file (or the whole ``hf`` folder) appears complete or not at all.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import ConfigError
from ..files import atomic_write_bytes, atomic_write_text, publish_dir
from ..tasks import SPLITS, Example
from .writer import read_split


@dataclass(frozen=True)
class ExportOptions:
    bins: tuple[str, ...] | None = None
    first: int | None = None
    seed: int = 0
    conversational: bool = False
    ability: str = "causal_reasoning"


def select(examples: list[Example], split: str, opts: ExportOptions) -> list[Example]:
    """Bin filter, then a seeded shuffle and the first N (order kept when ``first`` is None)."""
    if opts.bins is not None:
        examples = [e for e in examples if e.meta.get("bin") in opts.bins]
    if opts.first is not None:
        rng = np.random.default_rng(np.random.SeedSequence(opts.seed, spawn_key=(SPLITS.index(split),)))
        examples = [examples[i] for i in rng.permutation(len(examples))[: opts.first]]
    return examples


def _key(e: Example) -> dict[str, Any] | None:
    return None if e.answer_key is None else e.answer_key.model_dump(mode="json")


def _extra(e: Example, index: int) -> dict[str, Any]:
    """What :func:`reasonlab.bridges.verl.compute_score` rebuilds the example from."""
    return {"split": e.split, "index": index, "id": e.id, "answer": e.answer,
            "answer_key": _key(e), **e.meta}


def _verl_rows(examples: Sequence[Example], opts: ExportOptions) -> list[dict]:
    return [{"data_source": f"{e.task}/{e.meta.get('subset', e.task)}", "prompt": e.messages(),
             "ability": opts.ability, "reward_model": {"style": "rule", "ground_truth": e.answer},
             "extra_info": _extra(e, i)} for i, e in enumerate(examples)]


def _trl_rows(examples: Sequence[Example], opts: ExportOptions) -> list[dict]:
    if opts.conversational:
        return [{"prompt": e.messages(), "completion": [{"role": "assistant", "content": e.completion}]}
                for e in examples]
    return [{"prompt": e.text(), "completion": e.completion} for e in examples]


def _chat_rows(examples: Sequence[Example], opts: ExportOptions) -> list[dict]:
    return [{"messages": e.messages(), "extra_info": _extra(e, i)} for i, e in enumerate(examples)]


def _parquet_bytes(rows: list[dict]) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue().to_pybytes()


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _write_files(rows_fn: Callable, suffix: str, encode: Callable[[list[dict]], Any]):
    def write(splits: dict[str, list[Example]], out: Path, opts: ExportOptions) -> list[Path]:
        paths = []
        for split, examples in splits.items():
            data = encode(rows_fn(examples, opts))
            path = out / f"{split}.{suffix}"
            (atomic_write_bytes if isinstance(data, bytes) else atomic_write_text)(path, data)
            paths.append(path)
        return paths
    return write


def _write_hf(splits: dict[str, list[Example]], out: Path, opts: ExportOptions) -> list[Path]:
    from datasets import Dataset, DatasetDict, disable_progress_bars

    disable_progress_bars()

    def columns(examples: list[Example]) -> dict[str, list]:
        return {"id": [e.id for e in examples], "prompt": [e.prompt for e in examples],
                "system": [e.system for e in examples], "answer": [e.answer for e in examples],
                "completion": [e.completion for e in examples],
                "messages": [e.messages() for e in examples],
                "answer_key": [json.dumps(_key(e), sort_keys=True) for e in examples],
                "meta": [json.dumps(e.meta, sort_keys=True) for e in examples]}

    dd = DatasetDict({s: Dataset.from_dict(columns(ex)) for s, ex in splits.items()})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        dd.save_to_disk(str(tmp / "ds"))
        publish_dir(tmp / "ds", out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out]


def _check_bins(splits: dict[str, list[Example]], opts: ExportOptions, folder: Path) -> None:
    """``--bins`` on a dataset without difficulty bins, or naming bins no example is in, would
    write empty files: refuse instead."""
    if opts.bins is None:
        return
    found = {e.meta.get("bin") for examples in splits.values() for e in examples} - {None}
    if not found:
        raise ConfigError(f"--bins {','.join(opts.bins)}: dataset {str(folder)!r} has no difficulty "
                          "bins (no example carries meta.bin); export without --bins")
    if not found & set(opts.bins):
        raise ConfigError(f"--bins {','.join(opts.bins)}: no example of {str(folder)!r} is in these "
                          f"bins (it has {', '.join(sorted(found))}); choose among those")


EXPORTERS: dict[str, Callable[[dict[str, list[Example]], Path, ExportOptions], list[Path]]] = {
    "verl": _write_files(_verl_rows, "parquet", _parquet_bytes),
    "trl": _write_files(_trl_rows, "jsonl", _jsonl),
    "chat": _write_files(_chat_rows, "jsonl", _jsonl),
    "hf": _write_hf,
}


def export(folder: str | Path, to: str, out: str | Path | None = None,
           opts: ExportOptions | None = None) -> list[Path]:
    """Export the dataset in ``folder`` to format ``to``; returns the paths written."""
    folder, opts = Path(folder), opts or ExportOptions()
    if to not in EXPORTERS:
        raise ConfigError(f"--to {to!r}: unknown export format; choose one of {sorted(EXPORTERS)}")
    present = [s for s in SPLITS if (folder / f"{s}.jsonl").is_file()]
    if not present:
        raise ConfigError(f"{folder}: no <split>.jsonl files; point at a folder written by "
                          "`reasonlab generate`")
    loaded = {s: read_split(folder, s) for s in present}
    _check_bins(loaded, opts, folder)
    splits = {s: select(examples, s, opts) for s, examples in loaded.items()}
    return EXPORTERS[to](splits, Path(out) if out else folder / "exports" / to, opts)
