"""The ``boolean_world`` task: a world of boolean structural equations, up the causal ladder.

Formats (the original causal-experiment format exactly for rung 1; inputs and outputs in
declaration order; docs/origins.md)::

    rung 1   prompt "0,1,1,1,0"                       completion "\\n1,0,0,0\\n3 - 1\\n"
    rung 2   prompt "0,1,1,1,0 do(newB=1)"            completion: the outputs with newB's rule
                                                      replaced by 1 (downstream outputs follow)
    rung 3   prompt "0,1,1,1,0 -> 1,0,0,0 do(newB=1)" completion: what the outputs would have been
                                                      under do(newB=1), given the observed ones

In worlds with hidden noise bits, rungs 1-2 show the noise after the inputs (``u=1,0``); rung 3
hides it, so the answer needs abduction: every noise assignment consistent with the observed
outputs is replayed under the intervention. Only counterfactuals whose answer is the same for all
consistent assignments are generated (the answer is then exact); the intervention flips the
factual value of the intervened output.

Held out: the ``omit`` inputs and a seeded ``held_out_fraction`` of all inputs never appear in
train or dev. The test split starts with every held-out input once (rung 1), then draws from all
inputs; ``meta.held_out`` marks them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import product
from pathlib import Path

import numpy as np
import yaml

from ...config import ConfigError
from ...rewards import Score
from ...validation import InputError, check_limit, limit, read_text, show_value
from ..base import Example, Task, item_seed
from .config import BooleanWorldConfig
from .key import REWARDS, BooleanWorldKey
from .random_world import random_world
from .world import SEED_WORLD, World, world_from_dict, world_from_yaml

NAME = "boolean_world"
_ITEM, _WORLD, _HOLDOUT = 0, 1, 2
BUILTIN_WORLDS = {"seed": SEED_WORLD}
MAX_BITS = 62  # inputs are drawn as one 64-bit integer, whatever the enumeration limit


def resolve_world(config: BooleanWorldConfig) -> World:
    return _world(config.model_dump_json())


@lru_cache(maxsize=16)
def _world(config_json: str) -> World:
    config = BooleanWorldConfig.model_validate_json(config_json)
    try:
        if config.random_world is not None:
            rng = np.random.default_rng(item_seed(config.seed, "train", _WORLD))
            return random_world(config.random_world, rng)
        if isinstance(config.world, dict):
            return world_from_dict(config.world, "field world")
        if config.world in BUILTIN_WORLDS:
            return BUILTIN_WORLDS[config.world]
        return _world_file(config.world)
    except InputError as e:  # RuleError, unreadable files: one ConfigError naming the field
        raise ConfigError(str(e) if str(e).startswith("field world") else f"field world: {e}") from None


def _world_file(value: str) -> World:
    """The world in the YAML file ``value``; a path that is not there says what ``world`` takes."""
    if not value.strip():
        raise ConfigError(f"field world is empty; give 'seed' ({sorted(BUILTIN_WORLDS)} are built in), "
                          "a YAML file or an inline mapping with inputs and rules")
    path = Path(value)
    try:
        there = path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        there = False
    if not there:
        raise ConfigError(f"field world = {show_value(value)}: neither a built-in world "
                          f"({sorted(BUILTIN_WORLDS)}) nor an existing YAML file; check the path")
    return world_from_yaml(read_text(path, "world file"), str(path))


def check_size(config: BooleanWorldConfig, world: World) -> None:
    """Refuse, before anything is enumerated, a world whose inputs (every input is listed for
    held-out draws) or noise bits (every assignment is replayed for a counterfactual, at rung 3)
    would enumerate more assignments than the ``enumeration`` limit."""
    bits = {"input": len(world.inputs)}
    if world.noise and config.rungs.get(3, 0) > 0:
        bits["noise"] = len(world.noise)
    for kind, n in bits.items():
        what = f"world {world.name!r}: {n} {kind} bits make 2**{n} {kind} assignments to enumerate"
        fix = f"use fewer {kind} bits" + ("" if kind == "input" else " or drop rung 3")
        if n > MAX_BITS:  # checked first: 2**n has too many digits to print
            raise InputError(f"{what}, far over the limit of {limit('enumeration'):,}; {fix}")
        check_limit("enumeration", what, 2**n, fix)


def bits(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(","))


def fmt(values) -> str:
    return ",".join(str(int(v)) for v in values)


@dataclass(frozen=True, eq=False)
class _Inputs:
    """Every input of a world as an integer (the first input is the top bit, so integer order is
    the order of ``itertools.product``) and the held-out ones, sorted. Draws index the kept
    inputs without listing all ``2 ** n`` of them."""

    n: int
    held: np.ndarray  # sorted, unique

    @property
    def total(self) -> int:
        return 1 << self.n

    @cached_property
    def _gaps(self) -> np.ndarray:
        """``held[i] - i``: how many kept inputs lie below the i-th held one."""
        return self.held - np.arange(len(self.held))

    def bits(self, x: int) -> tuple[int, ...]:
        return tuple((x >> (self.n - 1 - i)) & 1 for i in range(self.n))

    def is_held(self, x: int) -> bool:
        i = int(np.searchsorted(self.held, x))
        return i < len(self.held) and int(self.held[i]) == x

    def kept(self, k: int) -> int:
        """The ``k``-th input (from 0, in order) that is not held out."""
        return k + int(np.searchsorted(self._gaps, k, side="right"))


def _as_int(value: tuple[int, ...]) -> int:
    return int("".join(map(str, value)), 2)


@lru_cache(maxsize=16)
def _held_out(config_json: str) -> _Inputs:
    """The inputs of a config, with its held-out ones."""
    config = BooleanWorldConfig.model_validate_json(config_json)
    world = _world(config_json)
    check_size(config, world)
    n = len(world.inputs)
    held: set[int] = set()
    for part in filter(None, (p.strip() for p in config.omit.split(";"))):
        try:
            value = bits(part)
        except ValueError:
            value = ()
        if len(value) != n or set(value) - {0, 1}:
            raise ConfigError(f"field omit: {show_value(part)} is not {n} comma-separated bits "
                              f"({', '.join(world.inputs[:8])}{', ...' if n > 8 else ''}), "
                              f"e.g. {fmt([1] * n)!r}")
        held.add(_as_int(value))
    drawn = np.zeros(0, dtype=np.int64)
    if config.held_out_fraction:
        rng = np.random.default_rng(item_seed(config.seed, "test", _HOLDOUT))
        k = round(config.held_out_fraction * (1 << n))
        drawn = rng.permutation(1 << n)[:k]
    inputs = _Inputs(n, np.union1d(np.array(sorted(held), dtype=np.int64), drawn).astype(np.int64))
    if len(inputs.held) >= inputs.total and (config.sizes.train or config.sizes.dev):
        raise ConfigError("fields omit / held_out_fraction hold out every input: nothing is left "
                          "for train and dev")
    return inputs


def groups(config: BooleanWorldConfig, split: str) -> int:
    """Generation jobs of a split; checks the world, its size and the held-out inputs first, so
    their errors come before any work (and in the main process, not in a worker)."""
    _held_out(config.model_dump_json())
    size = getattr(config.sizes, split)
    return -(-size // config.group_size)


def _noise(world: World, config: BooleanWorldConfig, rng: np.random.Generator) -> dict[str, int]:
    return {u: int(rng.random() < config.noise_p) for u in world.noise}


def completion_text(world: World, env: dict[str, int]) -> str:
    """The completion for a world state: output bits, then the summary line."""
    summary = world.separator.join(str(v) for v in world.summarise(env))
    return f"\n{fmt(env[o] for o in world.outputs)}\n" + (f"{summary}\n" if world.summary else "")


def _do_text(do: dict[str, int]) -> str:
    return "do(" + ", ".join(f"{k}={v}" for k, v in do.items()) + ")"


def _counterfactual(world: World, inputs: dict[str, int], noise: dict[str, int],
                    do: dict[str, int]) -> tuple[dict[str, int], dict[str, int]] | None:
    """(factual env, counterfactual env) when the counterfactual outputs are the same for every
    noise assignment consistent with the factual outputs, else None."""
    fact = world.run(inputs, noise)
    observed = [fact[o] for o in world.outputs]
    answers = set()
    cf_env = None
    for assignment in product((0, 1), repeat=len(world.noise)):
        u = dict(zip(world.noise, assignment, strict=True))
        env = world.run(inputs, u)
        if [env[o] for o in world.outputs] != observed:
            continue
        cf = world.run(inputs, u, do)
        key = (tuple(cf[o] for o in world.outputs), tuple(world.summarise(cf)))
        answers.add(key)
        cf_env = cf
        if len(answers) > 1:
            return None
    return fact, cf_env  # type: ignore[return-value]


def _example(config: BooleanWorldConfig, world: World, split: str, index: int,
             every: _Inputs) -> Example:
    rng = np.random.default_rng(item_seed(config.seed, split, _ITEM, index))
    if split == "test" and index < len(every.held):
        x, rung = int(every.held[index]), 1
    else:
        if split == "test":
            x = int(rng.integers(every.total))
        else:
            x = every.kept(int(rng.integers(every.total - len(every.held))))
        rungs = list(config.rungs)
        w = np.array([config.rungs[r] for r in rungs])
        rung = int(rungs[rng.choice(len(rungs), p=w / w.sum())])
    value = every.bits(x)
    inputs = dict(zip(world.inputs, value, strict=True))
    for _attempt in range(1000):
        noise = _noise(world, config, rng)
        shown = fmt(value) + (f" u={fmt(noise.values())}" if world.noise and rung < 3 else "")
        if rung == 1:
            env, prompt, do = world.run(inputs, noise), shown, {}
            break
        k = int(rng.integers(config.n_interventions[0], config.n_interventions[1] + 1))
        targets = [world.outputs[i] for i in rng.permutation(len(world.outputs))[:k]]
        if rung == 2:
            do = {t: int(rng.integers(2)) for t in targets}
            env, prompt = world.run(inputs, noise, do), f"{shown} {_do_text(do)}"
            break
        fact_env = world.run(inputs, noise)
        do = {t: 1 - fact_env[t] for t in targets}
        both = _counterfactual(world, inputs, noise, do)
        if both is not None:
            fact, env = both
            prompt = f"{shown} -> {fmt(fact[o] for o in world.outputs)} {_do_text(do)}"
            break
    else:
        raise ConfigError(f"field rungs: no identifiable counterfactual found for input {fmt(value)} "
                          "after 1000 draws; use fewer noise bits or other rules")
    completion = completion_text(world, env)
    meta = {"rung": rung, "inputs": fmt(value), "do": _do_text(do) if do else "",
            "held_out": every.is_held(x), "world": world.name}
    return Example(id=f"{split}-{index:06d}", task=NAME, split=split, prompt=prompt,
                   answer=completion, completion=completion,
                   answer_key=answer_key(world, env, config.reward), meta=meta)


def answer_key(world: World, env: dict[str, int], reward: str = "exact") -> BooleanWorldKey:
    """What a completion for the world state ``env`` must reproduce."""
    return BooleanWorldKey(reward=reward, outputs=[env[o] for o in world.outputs],
                           summary=world.summarise(env), separator=world.separator)


def rule_answer(world: World, sequence: str) -> str:
    """The rules' completion for an input such as ``'1,0,1,0,1'`` (a clear error otherwise)."""
    try:
        value = bits(sequence)
    except ValueError:
        value = ()
    if len(value) != len(world.inputs) or set(value) - {0, 1}:
        example = ",".join("10"[i % 2] for i in range(len(world.inputs)))
        raise ConfigError(f"input {show_value(sequence)}: give {len(world.inputs)} comma-separated bits "
                          f"({', '.join(world.inputs[:8])}{', ...' if len(world.inputs) > 8 else ''}), "
                          f"e.g. {example!r}")
    return completion_text(world, world.run(dict(zip(world.inputs, value, strict=True))))


def generate_group(config: BooleanWorldConfig, split: str, group: int) -> list[Example]:
    world = resolve_world(config)
    every = _held_out(config.model_dump_json())
    start = group * config.group_size
    stop = min(start + config.group_size, getattr(config.sizes, split))
    return [_example(config, world, split, i, every) for i in range(start, stop)]


def parse_completion(text: str, n_outputs: int, separator: str) -> tuple[list[int] | None,
                                                                          list[int] | None, str]:
    """(output bits, summary numbers, reason) read from a model's completion."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None, None, "empty output"
    try:
        outs = [int(x) for x in lines[0].split(",")]
    except ValueError:
        return None, None, f"first line {lines[0]!r} is not comma-separated bits"
    reason = "" if len(outs) == n_outputs else f"expected {n_outputs} output bits, got {len(outs)}"
    summary = None
    if len(lines) > 1:
        try:
            summary = [int(x) for x in lines[1].split(separator.strip() or None)]
        except ValueError:
            reason = reason or f"summary line {lines[1]!r} is not numbers joined by {separator!r}"
    else:
        reason = reason or "no summary line"
    return outs, summary, reason


def verify(example: Example, text: str, reward: str | None = None) -> Score:
    """Exact match of every field (outputs and summary numbers); reward mode ``partial`` pays
    the fraction of fields right instead (``reward`` None: the dataset's mode)."""
    key = BooleanWorldKey.of(example)
    gold = [*key.outputs, *key.summary]
    n_out, n_sum = len(key.outputs), len(key.summary)
    outs, summary, reason = parse_completion(text, n_out, key.separator)
    if outs is None:
        return Score(0.0, False, None, reason)
    summary = summary or []
    got = [*outs[:n_out], *[None] * (n_out - len(outs[:n_out])),
           *summary[:n_sum], *[None] * (n_sum - len(summary[:n_sum]))]
    right = sum(int(a == b) for a, b in zip(got, gold, strict=True))
    correct = right == len(gold) and not reason
    fraction = right / len(gold)
    return Score(REWARDS[key.mode(reward)](fraction, correct), correct,
                 {"outputs": outs, "summary": summary or None}, reason, {"fields_right": fraction})


def group_files(config: BooleanWorldConfig, split: str, group: int) -> dict[str, str]:
    """The resolved world beside the dataset (once)."""
    if split != "train" or group != 0:
        return {}
    return {"world.yaml": yaml.safe_dump(resolve_world(config).to_dict(), sort_keys=False)}


def planned(config: BooleanWorldConfig, split: str) -> int:
    return getattr(config.sizes, split)


def seed_format(example: Example) -> str:
    """One line of the original causal-experiment JSONL: ``{"prompt": ..., "completion": ...}``."""
    return json.dumps({"prompt": example.prompt, "completion": example.completion})


def _read_seed_files(folder: Path) -> dict[str, list[Example]]:
    from .seed_files import read_seed_dataset  # it builds on this module

    return read_seed_dataset(folder)


def probe(config: BooleanWorldConfig, sequence: str) -> Example:
    """The example of one typed input (``reasonlab test RUN '1,0,1,0,1'``), answered by the rules."""
    world = resolve_world(config)
    rules = rule_answer(world, sequence)
    env = world.run(dict(zip(world.inputs, bits(sequence), strict=True)))
    return Example(id="test", task=NAME, split="test", prompt=sequence, answer=rules, completion=rules,
                   answer_key=answer_key(world, env, config.reward),
                   meta={"world": world.name, "outputs_names": list(world.outputs)})


def compare(example: Example, text: str) -> list[tuple[str, str, str]]:
    """(field, rules, model) for every output bit and summary number of ``example``."""
    key = BooleanWorldKey.of(example)
    world_outputs = example.meta.get("outputs_names") or [f"out[{i}]" for i in range(len(key.outputs))]
    got_out, got_sum, _ = parse_completion(text, len(key.outputs), key.separator)
    names = [*world_outputs, *(f"summary[{i}]" for i in range(len(key.summary)))]
    gold = [*key.outputs, *key.summary]
    got = [*(got_out or []), *(got_sum or [])]
    return [(n, str(g), str(got[i]) if i < len(got) else "-") for i, (n, g) in enumerate(zip(names, gold,
                                                                                           strict=True))]


TASK = Task(name=NAME, config=BooleanWorldConfig, generate_group=generate_group, groups=groups,
            verify=verify, answer_key=BooleanWorldKey, group_files=group_files, planned=planned,
            readers={"causal-experiment": _read_seed_files}, probe=probe, compare=compare,
            describe="Boolean structural equations (the original causal-experiment world, or "
                     "random ones), with interventions and counterfactuals")

