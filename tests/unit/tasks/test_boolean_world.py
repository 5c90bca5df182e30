"""The boolean_world task: the original causal-experiment examples pinned, held-out inputs,
determinism, and interventions / counterfactuals against brute-force evaluation of the rules."""

from __future__ import annotations

import re
from itertools import product

import pytest

from reasonlab.config import ConfigError, validate
from reasonlab.tasks.boolean_world import BooleanWorldConfig, generate_group, resolve_world, verify
from reasonlab.tasks.boolean_world.task import groups

# the original causal-experiment README's examples (docs/origins.md), with its "3 - 3"
# corrected to "3 - 2"
SEED_EXAMPLES = {"0,1,1,1,0": "\n1,0,0,0\n3 - 1\n", "1,0,1,0,1": "\n0,1,0,1\n3 - 2\n",
                 "1,1,1,1,1": "\n0,0,1,1\n5 - 2\n", "0,0,0,0,0": "\n0,1,0,1\n0 - 2\n"}


def _config(**kw) -> BooleanWorldConfig:
    return validate(BooleanWorldConfig, {"sizes": {"train": 400, "dev": 100, "test": 100},
                                         "group_size": 128} | kw)


def _split(config, split):
    return [e for g in range(groups(config, split)) for e in generate_group(config, split, g)]


def _seed_rules(a, b, c, d, e, do=None):
    """The original equations, written out by hand (independent of the rules language)."""
    do = do or {}
    new_a = do.get("newA", a ^ c)
    new_b = do.get("newB", 1 - d)
    new_c = do.get("newC", b & e)
    new_d = do.get("newD", a | new_b)
    return [new_a, new_b, new_c, new_d], [a + b + c + d + e, new_a + new_b + new_c + new_d]


def test_seed_examples_pinned():
    config = _config()
    seen = {e.prompt: e.completion for s in ("train", "dev", "test") for e in _split(config, s)}
    for prompt, completion in SEED_EXAMPLES.items():
        assert seen.get(prompt, completion) == completion
    assert set(SEED_EXAMPLES) <= set(seen)  # 600 draws of 32 inputs cover them
    for prompt, e_completion in seen.items():
        outs, sums = _seed_rules(*map(int, prompt.split(",")))
        assert e_completion == f"\n{','.join(map(str, outs))}\n{sums[0]} - {sums[1]}\n"


def test_omitted_inputs_never_in_train_or_dev():
    omit = "1,1,1,1,1;0,0,0,0,0"
    config = _config(omit=omit, held_out_fraction=0.25)
    held = {e.meta["inputs"] for e in _split(config, "test") if e.meta["held_out"]}
    # the two omitted inputs plus round(0.25 * 32) = 8 drawn ones (which may include them)
    assert {"1,1,1,1,1", "0,0,0,0,0"} <= held and 8 <= len(held) <= 10
    for split in ("train", "dev"):
        assert not {e.meta["inputs"] for e in _split(config, split)} & held
    first = [e.meta["inputs"] for e in _split(config, "test")[: len(held)]]
    assert sorted(first) == sorted(held)


def test_deterministic_and_worker_independent():
    config = _config(rungs={1: 1, 2: 1})
    a = [e.to_dict() for e in _split(config, "train")]
    b = [e.to_dict() for e in _split(config, "train")]
    assert a == b
    # a group's items do not depend on the group size
    small = _config(rungs={1: 1, 2: 1}, group_size=7)
    assert [e.to_dict() for e in _split(small, "train")] == a


def test_interventions_match_brute_force():
    config = _config(rungs={2: 1}, n_interventions=[1, 2])
    for e in _split(config, "train"):
        inputs, do_text = e.prompt.split(" ", 1)
        do = {k: int(v) for k, v in re.findall(r"(\w+)=(\d)", do_text)}
        outs, sums = _seed_rules(*map(int, inputs.split(",")), do=do)
        assert e.completion == f"\n{','.join(map(str, outs))}\n{sums[0]} - {sums[1]}\n"


def _python_rules(world):
    """The world's rules as Python functions (test-only translation, evaluated by Python)."""
    py = {}
    for out, text in world.rules:
        expr = re.sub(r"\bNOT\s+", "1 - ", text)
        expr = expr.replace(" AND ", " & ").replace(" OR ", " | ").replace(" XOR ", " ^ ")
        py[out] = expr
    return py


def test_counterfactuals_match_brute_force_abduction():
    config = _config(random_world={"inputs": 4, "outputs": 4, "noise": 2, "p_output_ref": 0.5,
                                   "operands": [2, 3], "p_not": 0.0}, rungs={3: 1})
    world = resolve_world(config)
    py = _python_rules(world)

    def run(env, do):
        env = dict(env)
        for out in world.order:
            env[out] = do[out] if out in do else eval(py[out], {}, env) & 1
        return env

    for e in _split(config, "train"):
        m = re.fullmatch(r"([01,]+) -> ([01,]+) do\((.*)\)", e.prompt)
        inputs = dict(zip(world.inputs, map(int, m.group(1).split(",")), strict=True))
        observed = list(map(int, m.group(2).split(",")))
        do = {k: int(v) for k, v in re.findall(r"(\w+)=(\d)", m.group(3))}
        answers = set()
        for u in product((0, 1), repeat=len(world.noise)):
            env = run(inputs | dict(zip(world.noise, u, strict=True)), {})
            if [env[o] for o in world.outputs] == observed:
                cf = run(inputs | dict(zip(world.noise, u, strict=True)), do)
                answers.add(",".join(str(cf[o]) for o in world.outputs))
        assert answers == {e.completion.split()[0]}, e.prompt
        assert all(observed[world.outputs.index(k)] != v for k, v in do.items())  # a real change


def test_verifier_exact_partial_and_reasons():
    e = generate_group(_config(), "train", 0)[0]
    assert verify(e, e.completion).reward == 1.0
    assert verify(e, e.completion.strip() + "\n\nextra").correct
    bits = e.completion.split()[0]
    flipped = str(1 - int(bits[0])) + bits[1:]
    wrong = e.completion.replace(bits, flipped, 1)
    assert verify(e, wrong).reward == 0.0
    # 4 output bits + 2 sums, one wrong
    assert verify(e, wrong, reward="partial").reward == pytest.approx(5 / 6)
    assert verify(e, "\n1,0\n", reward="partial").reason == "expected 4 output bits, got 2"
    assert verify(e, "hello", reward="partial").reason.startswith("first line 'hello'")
    assert verify(e, "", reward="partial").reason == "empty output"
    assert verify(e, e.completion.split("\n")[1], reward="partial").reason == "no summary line"


def test_bad_configs():
    with pytest.raises(ConfigError, match="omit"):
        _split(_config(omit="1,0,1"), "train")
    with pytest.raises(ConfigError, match="world"):
        _split(_config(world="no/such/file.yaml"), "train")
    with pytest.raises(ConfigError, match="rungs"):
        _config(rungs={4: 1})
    with pytest.raises(ConfigError, match="either world or random_world"):
        _config(world={"inputs": ["A"], "rules": {"x": "A"}}, random_world={})
    with pytest.raises(ConfigError, match="every input"):
        _split(_config(held_out_fraction=0.999), "train")
    with pytest.raises(ConfigError, match="cycle"):
        _split(_config(world={"inputs": ["A"], "rules": {"x": "y", "y": "x"}}), "train")


def test_random_world_knobs():
    flat = resolve_world(_config(random_world={"p_output_ref": 0.0, "outputs": 6}))
    assert all(not set(flat.outputs) & set(re.findall(r"\w+", t)) for _, t in flat.rules)
    deep = resolve_world(_config(random_world={"p_output_ref": 1.0, "outputs": 6}))
    assert sum(bool(set(deep.outputs) & set(re.findall(r"\w+", t))) for _, t in deep.rules) >= 4
    xor_only = resolve_world(_config(random_world={"operators": {"XOR": 1.0}, "operands": [3, 3]}))
    assert all(" AND " not in t and " OR " not in t for _, t in xor_only.rules)
