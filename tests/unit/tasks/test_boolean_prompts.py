"""Typed boolean-world prompts answered by the rules on every rung: every prompt the task writes
(the seed world, and a random world with noise bits on rungs 1-3) comes back with exactly the
completion the task wrote for it; malformed prompts are one message naming what to type."""

from __future__ import annotations

import pytest

from reasonlab.config import ConfigError
from reasonlab.tasks import task_config
from reasonlab.tasks.boolean_world import SEED_WORLD, resolve_world
from reasonlab.tasks.boolean_world.prompts import prompt_answer
from reasonlab.tasks.boolean_world.task import rule_answer

LADDER = {
    "task": "boolean_world",
    "seed": 7,
    "sizes": {"train": 300, "dev": 10, "test": 10},
    "random_world": {
        "inputs": 5,
        "outputs": 4,
        "noise": 2,
        "operators": {"AND": 1.0, "OR": 1.0, "XOR": 1.0},
        "p_not": 0.3,
        "operands": [2, 3],
        "p_output_ref": 0.4,
    },
    "rungs": {1: 1.0, 2: 1.0, 3: 1.0},
}


@pytest.mark.parametrize(
    "spec",
    [
        {"task": "boolean_world", "sizes": {"train": 100, "dev": 10, "test": 10}, "rungs": {1: 1.0, 2: 1.0}},
        LADDER,
    ],
    ids=["seed", "ladder"],
)
def test_every_prompt_the_task_writes_gets_its_completion_back(spec):
    task, cfg = task_config(spec)
    world = resolve_world(cfg)
    examples = [task.generate(cfg, "train", i) for i in range(cfg.sizes.train)]
    assert {e.meta["rung"] for e in examples} == set(spec["rungs"])
    for e in examples:
        assert prompt_answer(world, e.prompt) == e.completion, e.prompt


def test_plain_inputs_agree_with_rule_answer():
    for x in range(32):
        bits = ",".join(str(x >> (4 - i) & 1) for i in range(5))
        assert prompt_answer(SEED_WORLD, bits) == rule_answer(SEED_WORLD, bits)
        assert prompt_answer(SEED_WORLD, bits.replace(",", ", ")) == rule_answer(SEED_WORLD, bits)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,0,1", "give 5 comma-separated bits"),
        ("1,0,1,0,2", "type 5 bits"),
        ("1,0,1,0,1 do(A=1)", "with outputs of newA"),
        ("1,0,1,0,1 do(newA=2)", "do(output=0 or 1"),
        ("1,0,1,0,1 -> 0,1 do(newA=1)", "a counterfactual is"),
        ("1,0,1,0,1 -> 0,1,0,1", "a counterfactual is"),
        ("1,0,1,0,1 u=1", "has 0 noise bits"),
    ],
)
def test_malformed_prompts_are_one_message(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        prompt_answer(SEED_WORLD, text)


def test_counterfactuals_need_a_possible_observation_and_a_determined_answer():
    _, cfg = task_config(LADDER)
    world = resolve_world(cfg)
    with pytest.raises(ConfigError, match="has 2 noise bits"):
        prompt_answer(world, "1,0,1,0,1")
    impossible = []
    for obs in range(16):
        observed = ",".join(str(obs >> (3 - i) & 1) for i in range(4))
        try:
            prompt_answer(world, f"1,0,1,0,1 -> {observed} do({world.outputs[0]}=1)")
        except ConfigError as e:
            impossible.append(str(e))
    assert impossible and all("no noise value" in m or "depends on noise" in m for m in impossible)
