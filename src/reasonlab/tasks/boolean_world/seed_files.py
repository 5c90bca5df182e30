"""Reading the original ``causal-experiment`` project's dataset files (docs/origins.md;
``{"prompt", "completion"}`` lines in ``train.jsonl``, ``valid.jsonl``, ``test.jsonl``) back
into examples of the built-in world, so ``causal-experiment --train`` trains on what
``--generate`` wrote. Test inputs that never occur in train or valid are the held-out ones."""

from __future__ import annotations

from pathlib import Path

from ...config import ConfigError
from ...validation import parse_json, read_text, show_value
from ..base import Example
from .task import NAME, answer_key, bits, completion_text
from .world import SEED_WORLD

FILES = {"train": "train.jsonl", "dev": "valid.jsonl", "test": "test.jsonl"}
KEYS = ("prompt", "completion")


def _rows(path: Path) -> list[dict[str, str]]:
    """The ``{"prompt", "completion"}`` lines of one dataset file; anything else is one clear error."""
    if not path.exists():
        raise ConfigError(f"{path}: missing; write the dataset first: causal-experiment --generate")
    rows = []
    for i, line in enumerate(read_text(path, "dataset file").splitlines()):
        if not line.strip():
            continue
        row = parse_json(line, f"{path} line {i + 1}")
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in KEYS):
            raise ConfigError(f"{path} line {i + 1}: expected {{\"prompt\": text, \"completion\": text}}; "
                              "write the dataset again: causal-experiment --generate")
        rows.append(row)
    return rows


def read_seed_dataset(folder: Path) -> dict[str, list[Example]]:
    rows = {split: _rows(folder / name) for split, name in FILES.items()}
    seen = {r["prompt"] for s in ("train", "dev") for r in rows[s]}
    world = SEED_WORLD
    out: dict[str, list[Example]] = {}
    for split, items in rows.items():
        examples = []
        for i, r in enumerate(items):
            try:
                value = bits(r["prompt"])
                env = world.run(dict(zip(world.inputs, value, strict=True)))
            except (ValueError, KeyError):
                raise ConfigError(f"{folder / FILES[split]} line {i + 1}: {show_value(r)} is not an "
                                  "example of the causal-experiment world") from None
            if completion_text(world, env) != r["completion"]:
                raise ConfigError(f"{folder / FILES[split]} line {i + 1}: the completion disagrees "
                                  "with the causal-experiment rules")
            meta = {"rung": 1, "inputs": r["prompt"], "do": "", "held_out": r["prompt"] not in seen,
                    "world": world.name}
            examples.append(Example(id=f"{split}-{i:06d}", task=NAME, split=split, prompt=r["prompt"],
                                    answer=r["completion"], completion=r["completion"],
                                    answer_key=answer_key(world, env), meta=meta))
        out[split] = examples
    return out
