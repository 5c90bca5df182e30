"""A boolean-world prompt as a person types it, answered by the rules -- the inverse of how the
task writes prompts, on all three rungs:

* ``1,0,1,0,1`` (``1,0,1,0,1 u=0,1`` in a world with noise bits: their values, as the task
  shows them on rungs 1-2): the plain update;
* ``1,0,1,0,1 do(newB=0, newD=1)``: an intervention on outputs (rung 2);
* ``1,0,1,0,1 -> 0,1,0,1 do(newB=0)``: a counterfactual (rung 3): the outputs observed for the
  inputs, then the intervention; the noise is abduced from the observation, and a question
  whose answer depends on which consistent noise it was is refused (the task never asks one).

Every error names what was typed and what the world takes.
"""

from __future__ import annotations

import re

from ...config import ConfigError
from .task import completion_text, fmt
from .world import World

_PROMPT = re.compile(r"^\s*(?P<x>[01](?:\s*,\s*[01])*)(?:\s+u=(?P<u>[01](?:,[01])*))?"
                     r"(?:\s*->\s*(?P<fact>[01](?:\s*,\s*[01])*))?(?:\s+do\((?P<do>[^)]*)\))?\s*$")


def _bits(text: str) -> list[int]:
    return [int(b) for b in text.replace(" ", "").split(",")]


def _do(world: World, text: str) -> dict[str, int]:
    do = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if name not in world.outputs or value not in ("0", "1"):
            raise ConfigError(f"do({text}): write do(output=0 or 1, ...) with outputs of "
                              f"{', '.join(world.outputs)}, e.g. do({world.outputs[0]}=1)")
        do[name] = int(value)
    return do


def _abduce(world: World, inputs: dict[str, int], observed: list[int], do: dict[str, int]) -> dict:
    from itertools import product

    answers = {}
    for assignment in product((0, 1), repeat=len(world.noise)):
        u = dict(zip(world.noise, assignment, strict=True))
        if [world.run(inputs, u)[o] for o in world.outputs] == observed:
            env = world.run(inputs, u, do)
            answers[completion_text(world, env)] = env
    if not answers:
        raise ConfigError(f"-> {fmt(observed)}: no noise value gives these outputs for these inputs; "
                          "type outputs the world can produce")
    if len(answers) > 1:
        raise ConfigError(f"-> {fmt(observed)} {_show(do)}: the answer depends on noise the observation "
                          "does not pin down; intervene on other outputs")
    return next(iter(answers.values()))


def _show(do: dict[str, int]) -> str:
    return "do(" + ", ".join(f"{k}={v}" for k, v in do.items()) + ")"


def prompt_answer(world: World, text: str) -> str:
    """The rules' completion for a typed prompt on any rung (see the module docstring)."""
    m = _PROMPT.match(text)
    example = ",".join("10"[i % 2] for i in range(len(world.inputs)))
    if not m:
        raise ConfigError(f"input {text!r}: type {len(world.inputs)} bits ({', '.join(world.inputs)}), "
                          f"e.g. '{example}', then optionally do({world.outputs[0]}=1), or '-> <outputs> "
                          "do(...)' for a counterfactual")
    x = _bits(m["x"])
    if len(x) != len(world.inputs):
        raise ConfigError(f"input {text!r}: give {len(world.inputs)} comma-separated bits "
                          f"({', '.join(world.inputs)}), e.g. '{example}'")
    inputs = dict(zip(world.inputs, x, strict=True))
    do = _do(world, m["do"] or "")
    if m["fact"] is not None:
        observed = _bits(m["fact"])
        if len(observed) != len(world.outputs) or not do:
            raise ConfigError(f"input {text!r}: a counterfactual is '<inputs> -> <{len(world.outputs)} "
                              f"output bits> do(output=value)'")
        return completion_text(world, _abduce(world, inputs, observed, do))
    noise = _bits(m["u"]) if m["u"] else []
    if len(noise) != len(world.noise):
        raise ConfigError(f"input {text!r}: this world has {len(world.noise)} noise bits "
                          f"({', '.join(world.noise) or 'none'}); give u=... with that many")
    return completion_text(world, world.run(inputs, dict(zip(world.noise, noise, strict=True)), do))
