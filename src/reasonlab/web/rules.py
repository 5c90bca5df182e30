"""The rules editor's logic: a world written in the rules language (YAML with inputs, optional
noise bits, rules and summary lines) checked as it is typed -- the parser's message points at
the column -- its truth table, and a dataset generated from it with the sizes and held-out
inputs a person chose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import yaml
from rich.progress import Progress

from ..config import ConfigError, validate
from ..data.writer import generate_dataset
from ..tasks.boolean_world import SEED_WORLD, BooleanWorldConfig, World
from ..tasks.boolean_world.world import world_from_yaml

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def world_text(world: World = SEED_WORLD) -> str:
    return yaml.safe_dump(world.to_dict(), sort_keys=False)


def check(text: str) -> World:
    """The world the text describes, or the parser's one message (:class:`RuleError`)."""
    return world_from_yaml(text, "world")


@dataclass(frozen=True)
class Row:
    inputs: tuple[int, ...]
    completion: str


def truth_table(world: World, limit: int = 64) -> list[Row]:
    """The rules' completion for every input (noise bits at 0), the first ``limit`` of them."""
    from ..tasks.boolean_world.task import completion_text

    rows = []
    for bits in product((0, 1), repeat=len(world.inputs)):
        env = {**dict(zip(world.inputs, bits, strict=True)), **dict.fromkeys(world.noise, 0)}
        rows.append(Row(bits, completion_text(world, world.run(env))))
        if len(rows) >= limit:
            break
    return rows


def generate(text: str, root: Path, name: str, sizes: dict[str, str],
             omit: str) -> tuple[Path, dict[str, int]]:
    """Write the dataset of the world in ``text`` to ``root/data/<name>``; returns the folder and
    the example counts per split."""
    if not NAME.match(name or ""):
        raise ConfigError(f"dataset name = {name!r}: use letters, digits, _ . - (up to 64), e.g. my_world")
    world = check(text)
    out = root / "data" / name
    if out.exists():
        raise ConfigError(f"dataset name = {name!r}: {out} already exists; pick another name")
    spec = {"task": "boolean_world", "world": world.to_dict(), "sizes": sizes, "omit": omit}
    cfg = validate(BooleanWorldConfig, spec, "dataset form")
    return out, generate_dataset(cfg, out, progress=Progress(disable=True))
