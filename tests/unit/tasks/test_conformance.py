"""Registry-wide conformance: every registered task is deterministic, its gold answers verify
with reward 1, a perturbed answer scores below 1, its config round-trips through YAML, and its
difficulty knobs change the output. A new task must add a tiny config here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reasonlab.config import ConfigError, to_yaml, validate
from reasonlab.tasks import TASKS, get_task

get_task("causal_qa")  # load the built-in tasks into the registry

TINY = {
    "causal_qa": {
        "config": {"task": "causal_qa", "seed": 3, "nodes": [5], "states": [2],
                   "n_models": {"train": 2, "dev": 1, "test": 1},
                   "n_questions_per_model": {"train": 4, "dev": 2, "test": 2},
                   "rungs": {1: 1, 2: 1, 3: 1}, "n_evidence": [0, 1], "trace": True},
        "knob": ("nodes", [7]),
    },
    "boolean_world": {
        "config": {"task": "boolean_world", "seed": 1, "sizes": {"train": 40, "dev": 10, "test": 10},
                   "omit": "1,0,1,0,1", "rungs": {1: 1, 2: 1, 3: 1}, "group_size": 16},
        "knob": ("rungs", {2: 1.0}),
    },
    "gsm8k": {
        "config": {"task": "gsm8k", "path": str(Path(__file__).parents[2] / "data" / "gsm8k")},
        "knob": ("instruction", "Give the result after ####."),
    },
}


def test_every_task_has_a_tiny_config():
    assert set(TASKS) <= set(TINY)


def _examples(task, config):
    return [e for split in ("train", "dev", "test") for e in task.iter_split(config, split)]


def _perturb(answer: str) -> str:
    """A wrong answer of the same shape: yes/no flipped, bits flipped, numbers shifted."""
    if answer in ("yes", "no"):
        return "no" if answer == "yes" else "yes"
    if re.fullmatch(r"\s*[01](,[01])*\s*\n.*", answer, re.S):  # bit lines: flip the first bit
        body = answer.lstrip()
        return answer[: len(answer) - len(body)] + str(1 - int(body[0])) + body[1:]
    nums = [float(x) for x in re.findall(r"-?\d+\.?\d*", answer)]
    shifted = [round(x + 0.3, 4) if i == 0 else round(x - 0.3, 4) for i, x in enumerate(nums)]
    return "[" + ", ".join(map(str, shifted)) + "]" if answer.startswith("[") else str(shifted[0])


@pytest.mark.parametrize("name", sorted(TINY))
def test_conformance(name):
    task = get_task(name)
    config = validate(task.config, TINY[name]["config"])
    first, again = _examples(task, config), _examples(task, config)
    assert first and [e.to_dict() for e in first] == [e.to_dict() for e in again]
    assert len({e.id for e in first}) == len(first)
    for e in first:
        assert task.verify(e, e.completion).reward == 1.0, e.id
        assert task.verify(e, e.answer).reward == 1.0, e.id
        assert task.verify(e, _perturb(e.answer)).reward < 1.0, e.id
        assert task.verify(e, "no answer here at all").reward < 1.0
    # item access agrees with group iteration
    train = [e for e in first if e.split == "train"]
    assert task.generate(config, "train", 5).to_dict() == train[5].to_dict()
    # YAML round trip
    assert validate(task.config, yaml.safe_load(to_yaml(config))) == config
    # a difficulty knob changes the output
    field, value = TINY[name]["knob"]
    other = validate(task.config, {**TINY[name]["config"], field: value})
    assert [e.prompt for e in _examples(task, other)] != [e.prompt for e in first]


@pytest.mark.parametrize("name", sorted(TINY))
def test_answer_key_contract(name):
    """Every example carries its task's typed answer key, which round-trips through a row; the
    gold completion earns reward 1 under every declared mode; an undeclared mode is refused."""
    task = get_task(name)
    config = validate(task.config, TINY[name]["config"])
    examples = [e for e in _examples(task, config) if e.split == "dev"]
    for e in examples:
        assert isinstance(e.answer_key, task.answer_key)
        assert not set(e.meta) & set(task.answer_key.model_fields), "key fields stay out of meta"
        assert task.read_key(e.to_dict()["answer_key"], e.meta) == (e.answer_key, e.meta)
        for mode in task.rewards:
            assert task.verify(e, e.completion, reward=mode).reward == 1.0, (e.id, mode)
            assert e.with_reward(mode).answer_key.reward == mode
        with pytest.raises(ConfigError, match=task.rewards[0]):
            task.verify(e, e.completion, reward="no_such_mode")
        with pytest.raises(ConfigError, match=task.rewards[0]):
            e.with_reward("no_such_mode")
