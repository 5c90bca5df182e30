"""Hostile boolean worlds, rules and ``causal-experiment`` flags: deep or long rules parse and run
(nothing recurses), worlds too large to enumerate are refused before any work, broken world files
and values are one clear message, out-of-range seeds are refused, and random text, bytes and
structures fed to the parser and the world readers raise only our own errors."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.hostile import assert_refused, cli, write_file
from reasonlab.cli import main as reasonlab
from reasonlab.cli.causal_experiment import main as causal_experiment
from reasonlab.tasks.boolean_world import BooleanWorldConfig, generate_group, resolve_world
from reasonlab.tasks.boolean_world.rules import (
    RuleError,
    evaluate,
    names_in,
    parse_rule,
    parse_summary,
    to_text,
)
from reasonlab.tasks.boolean_world.world import world_from_dict, world_from_yaml
from reasonlab.validation import InputError, read_text

DEEP = 20_000  # far past Python's recursion limit (1,000)


def _config(tmp_path: Path, world: str, extra: str = "") -> Path:
    """A small boolean_world config naming ``world`` (a path or a YAML value)."""
    path = tmp_path / "cfg.yaml"
    path.write_text(f"task: boolean_world\nworld: {world}\nsizes: {{train: 12, dev: 3, test: 3}}\n{extra}")
    return path


def _world_file(tmp_path: Path, content: str | bytes, name: str = "world.yaml") -> Path:
    return write_file(tmp_path, name, content)


def _generate(tmp_path: Path, capsys, config: Path, *overrides: str) -> tuple[int, str]:
    rc = reasonlab(["generate", str(config), "-o", str(tmp_path / "out"), *overrides])
    return rc, capsys.readouterr().err


def _experiment(capsys, *args: str) -> tuple[int, str]:
    rc = causal_experiment(list(args))
    return rc, capsys.readouterr().err


# 1. nesting and length: parsed with an explicit stack, run on a value stack ----------------------

@pytest.mark.parametrize("text, env, value", [
    ("(" * DEEP + "A" + ")" * DEEP, {"A": 1}, 1),
    ("NOT " * (DEEP + 1) + "A", {"A": 1}, 0),
    ("!" * DEEP + "A", {"A": 0}, 0),
    (" AND ".join(["A"] * 5_000), {"A": 1}, 1),
    (" XOR ".join(["A"] * 5_001), {"A": 1}, 1),
    (" OR ".join(["A"] * 1_000 + ["B"]), {"A": 0, "B": 1}, 1),
    ("(" * 2_000 + "A AND " * 2_000 + "B" + ")" * 2_000, {"A": 1, "B": 0}, 0),
    ("NOT (" * 3_000 + "A" + ")" * 3_000, {"A": 1}, 1),
    ("".join(f"(A {op} " for op in ["AND", "OR", "XOR"] * 1_000) + "B" + ")" * 3_000, {"A": 1, "B": 1}, 1),
])
def test_deep_and_long_rules_parse_and_run(text, env, value):
    expr = parse_rule(text, "rule deep")
    assert evaluate(expr, env) == value
    assert names_in(expr) <= set(env)
    assert evaluate(parse_rule(to_text(expr)), env) == value  # the canonical text reads back


def test_deep_and_long_summary_lines_parse_and_run():
    env = {"A": 1, "B": 0}
    assert evaluate(parse_summary("sum(" * DEEP + "A" + ")" * DEEP), env) == 1
    assert evaluate(parse_summary("+".join(["A"] * 10_000)), env) == 10_000
    assert evaluate(parse_summary("sum(" + ", ".join(["A", "B", "1"] * 2_000) + ")"), env) == 4_000
    assert evaluate(parse_summary("(" * DEEP + "A XOR B" + ")" * DEEP), env) == 1


@pytest.mark.parametrize("text, needle", [
    ("(" * DEEP + "A", "expected ')', found the end"),
    ("A" + ")" * DEEP, "unexpected ')'"),
    ("NOT " * DEEP, "found the end"),
    (" AND ".join(["A"] * 5_000) + " AND", "found the end"),
    ("(" * DEEP + "A +" + ")" * DEEP, "expected ')', found '+'"),
    ("A" * 100_000 + " B", "unexpected 'B'"),
])
def test_broken_deep_or_long_rules_are_one_short_error(text, needle):
    with pytest.raises(RuleError) as err:
        parse_rule(text, "rule r")
    message = str(err.value)
    assert message.startswith("rule r: ") and needle in message and "column" in message
    assert len(message) < 400  # the text around the column, not 100,000 characters of it


def test_numbers_too_long_for_int_are_refused():
    with pytest.raises(RuleError, match="more than 18 digits"):
        parse_summary("9" * 5_000)  # int() itself refuses 4,300+ digits with a bare ValueError


def test_a_deep_rule_in_a_world_file_generates(tmp_path, capsys):
    world = _world_file(tmp_path, yaml.safe_dump({
        "inputs": ["A", "B"],
        "rules": {"x": "(" * DEEP + "A AND B" + ")" * DEEP, "y": " OR ".join(["NOT x"] * 2_000)},
        "summary": ["sum(" * 3_000 + "A + x" + ")" * 3_000]}))
    rc, err = _generate(tmp_path, capsys, _config(tmp_path, str(world)))
    assert rc == 0, err
    rows = [json.loads(line) for line in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    for row in rows:
        a, b = map(int, row["prompt"].split(","))
        assert row["completion"] == f"\n{a & b},{1 - (a & b)}\n{a + (a & b)}\n"


# 2. sizes: refused up front, naming the world, the bits and the cost -------------------------------

def _bits_world(inputs: int, noise: int = 0) -> str:
    data = {"name": "wide", "inputs": [f"X{i}" for i in range(inputs)], "rules": {"y": "X0"}}
    if noise:
        data["noise"] = [f"U{i}" for i in range(noise)]
        data["rules"] = {"y": "X0 XOR U0"}
    return yaml.safe_dump(data)


@pytest.mark.parametrize("inputs, noise, rungs, needles", [
    (30, 0, "{1: 1}", ["world 'wide'", "30 input bits", "1,073,741,824", "4,194,304"]),
    (23, 0, "{1: 1}", ["23 input bits", "8,388,608"]),
    (2, 30, "{1: 1, 3: 1}", ["30 noise bits", "1,073,741,824", "rung 3"]),
    (20_000, 0, "{1: 1}", ["20000 input bits", "2**20000", "far over the limit"]),
])
def test_worlds_too_large_to_enumerate_are_refused_at_once(tmp_path, inputs, noise, rungs, needles):
    world = _world_file(tmp_path, _bits_world(inputs, noise))
    result = cli("generate", str(_config(tmp_path, str(world), f"rungs: {rungs}\n")), "-o",
                 str(tmp_path / "out"), timeout=30)
    assert_refused(result, *needles, "REASONLAB_LIMIT_ENUMERATION" if inputs < 100 else "fewer")
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_noise_bits_are_drawn_not_enumerated_below_rung_3(tmp_path):
    world = _world_file(tmp_path, _bits_world(2, noise=40))
    result = cli("generate", str(_config(tmp_path, str(world), "rungs: {1: 1, 2: 1}\n")), "-o",
                 str(tmp_path / "out"), timeout=30)
    assert result.returncode == 0, result.stderr


def test_the_limit_can_be_raised_and_lowered(tmp_path, capsys, monkeypatch):
    world = _world_file(tmp_path, _bits_world(23))
    monkeypatch.setenv("REASONLAB_LIMIT_ENUMERATION", str(2**23))
    rc, err = _generate(tmp_path, capsys, _config(tmp_path, str(world)))
    assert rc == 0, err
    monkeypatch.setenv("REASONLAB_LIMIT_ENUMERATION", "16")
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, "seed")), "5 input bits", "32")
    monkeypatch.setenv("REASONLAB_LIMIT_ENUMERATION", "lots")
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, "seed")), "REASONLAB_LIMIT_ENUMERATION")


def test_sixteen_input_worlds_draw_quickly(tmp_path):
    """Draws index the kept inputs; they no longer list all 2**16 per example (minutes before)."""
    config = _config(tmp_path, "seed", "random_world: {inputs: 16, outputs: 3}\nheld_out_fraction: 0.5\n"
                     "omit: '" + ",".join(["0"] * 16) + "'\n")
    result = cli("generate", str(config), "-o", str(tmp_path / "out"), "sizes.train=20000", timeout=60)
    assert result.returncode == 0, result.stderr


# 3. broken world files and values --------------------------------------------------------------

WORLDS = {
    "null rule": ("inputs: [A]\nrules:\n  newA:\n", ["the rule of output newA is empty"]),
    "tilde rule": ("inputs: [A]\nrules: {newA: ~}\n", ["the rule of output newA is empty"]),
    "blank rule": ("inputs: [A]\nrules: {newA: '   '}\n", ["the rule of output newA is empty"]),
    "list rule": ("inputs: [A]\nrules: {newA: [A, B]}\n", ["rule of output newA is a list"]),
    "mapping rule": ("inputs: [A]\nrules: {newA: {A: 1}}\n", ["rule of output newA is a mapping"]),
    "yes rule": ("inputs: [A]\nrules: {newA: yes}\n", ["rule of output newA is True", "quote"]),
    "number rule": ("inputs: [A]\nrules: {newA: 7}\n", ["rule of output newA is a number (7)"]),
    "number output": ("inputs: [A]\nrules: {1: A}\n", ["output name 1 is not a name"]),
    "null output": ("inputs: [A]\nrules: {~: A}\n", ["output name None is not a name"]),
    "list world": ("- inputs\n- rules\n", ["a world is a mapping", "not a list"]),
    "scalar world": ("just text\n", ["a world is a mapping", "not text"]),
    "number world": ("42\n", ["a world is a mapping", "not a number"]),
    "empty file": ("", ["holds no world"]),
    "comment only": ("# nothing\n", ["holds no world"]),
    "no inputs": ("rules: {newA: '1'}\n", ["field inputs is missing"]),
    "no rules": ("inputs: [A]\n", ["field rules is missing"]),
    "rules a list": ("inputs: [A]\nrules: [A, B]\n", ["field rules must map", "not a list"]),
    "rules empty": ("inputs: [A]\nrules: {}\n", ["field rules must map", "empty"]),
    "inputs a number": ("inputs: 3\nrules: {x: '1'}\n", ["field inputs must be a list of names"]),
    "inputs mapping": ("inputs: {A: 1}\nrules: {x: A}\n", ["field inputs must be a list of names"]),
    "input a number": ("inputs: [A, 2]\nrules: {x: A}\n", ["field inputs holds a number (2)"]),
    "noise nested": ("inputs: [A]\nnoise: [[U]]\nrules: {x: A}\n", ["field noise holds a list"]),
    "key twice": ("inputs: [A]\nrules:\n  newA: A\n  newA: NOT A\n", ["'newA' is given twice (line 4)"]),
    "field twice": ("inputs: [A]\ninputs: [B]\nrules: {x: A}\n", ["'inputs' is given twice"]),
    "input twice": ("inputs: [A, A]\nrules: {x: A}\n", ["variable 'A' is defined twice"]),
    "output is input": ("inputs: [A]\nrules: {A: NOT A}\n", ["variable 'A' is defined twice"]),
    "noise is input": ("inputs: [A]\nnoise: [A]\nrules: {x: A}\n", ["variable 'A' is defined twice"]),
    "bad name": ("inputs: ['A B']\nrules: {x: '1'}\n", ["'A B' is not a usable variable name"]),
    "keyword name": ("inputs: [AND]\nrules: {x: '1'}\n", ["'AND' is not a usable variable name"]),
    "dunder name": ("inputs: [a__b]\nrules: {x: '1'}\n", ["'a__b' is not a usable variable name"]),
    "unknown field": ("inputs: [A]\nrules: {x: A}\nrulez: 1\n", ["unknown field(s) ['rulez']"]),
    "unknown number field": ("inputs: [A]\nrules: {x: A}\n3: 1\n", ["unknown field(s) ['3']"]),
    "unknown variable": ("inputs: [A]\nrules: {x: A AND Q}\n", ["unknown variable(s) ['Q']"]),
    "cycle": ("inputs: [A]\nrules: {x: y, y: x}\n", ["cycle"]),
    "syntax": ("inputs: [A]\nrules: {x: A AND AND A}\n", ["rule x: expected a variable", "column 7"]),
    "python": ("inputs: [A]\nrules: {x: \"__import__('os')\"}\n", ["names may not contain '__'"]),
    "summary number": ("inputs: [A]\nrules: {x: A}\nsummary: 5\n", ["field summary must be a list"]),
    "summary mapping": ("inputs: [A]\nrules: {x: A}\nsummary: {a: 1}\n", ["field summary must be a list"]),
    "summary line list": ("inputs: [A]\nrules: {x: A}\nsummary: [[A]]\n", ["summary line 1 is a list"]),
    "summary syntax": ("inputs: [A]\nrules: {x: A}\nsummary: [sum(A]\n", ["summary line 1", "expected ')'"]),
    "separator list": ("inputs: [A]\nrules: {x: A}\nseparator: [1]\n", ["field separator must be one line"]),
    "separator lines": ("inputs: [A]\nrules: {x: A}\nseparator: \"a\\nb\"\n", ["field separator"]),
    "name mapping": ("inputs: [A]\nrules: {x: A}\nname: {a: 1}\n", ["field name must be one line"]),
    "invalid yaml": ("inputs: [A\nrules: {x: A}\n", ["is not valid YAML"]),
    "tab indent": ("inputs: [A]\nrules:\n\tx: A\n", ["is not valid YAML"]),
    "deep yaml": ("[" * 5_000 + "]" * 5_000, ["nests too deeply"]),
    "huge number": ("inputs: [A]\nrules: {x: " + "1" * 5_000 + "}\n", ["digits"]),
    "python tag": ("!!python/object/apply:os.system [echo hi]\n", ["is not valid YAML"]),
}


@pytest.mark.parametrize("name", WORLDS)
def test_broken_world_files_are_one_clear_error(tmp_path, capsys, name):
    text, needles = WORLDS[name]
    world = _world_file(tmp_path, text)
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, str(world))), str(world), *needles)


@pytest.mark.parametrize("content, needles", [
    ("inputs: [A]\nrules: {x: A}\n".encode("utf-16"), ["not UTF-8", "UTF-16"]),
    (b"inputs: [A]\x00\x01\x02\xff", ["not UTF-8"]),
    (b"inputs: [A]\x00\nrules: {x: A}\n", ["NUL"]),
    (bytes(range(256)) * 8, ["not UTF-8"]),
])
def test_binary_and_utf16_world_files(tmp_path, capsys, content, needles):
    world = _world_file(tmp_path, content)
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, str(world))), "world file", *needles)


@pytest.mark.parametrize("world, needles", [
    ("no/such/world.yaml", ["field world = 'no/such/world.yaml'", "neither a built-in world"]),
    ("''", ["field world is empty"]),
    ("'" + "w" * 5_000 + "'", ["field world = 'www", "neither a built-in world"]),
    ('"a\\0b.yaml"', ["neither a built-in world"]),
    ("5", ["field world"]),
    ("[a, b]", ["field world"]),
    ("{inputs: [A], rules: {x: }}", ["field world", "the rule of output x is empty"]),
    ("{inputs: [A], rules: {x: A}, extra: 1}", ["field world", "unknown field(s) ['extra']"]),
    ("{}", ["field world", "field inputs is missing"]),
])
def test_bad_world_values_in_a_config(tmp_path, capsys, world, needles):
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, world)), *needles)


def test_a_folder_given_as_the_world(tmp_path, capsys):
    folder = tmp_path / "worlds"
    folder.mkdir()
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, str(folder))), "is a folder", str(folder))


def test_a_broken_world_through_the_console_script(tmp_path):
    world = _world_file(tmp_path, "inputs: [A]\nrules:\n  newA:\n")
    result = cli("generate", str(_config(tmp_path, str(world))), "-o", str(tmp_path / "out"), timeout=30)
    assert_refused(result, "the rule of output newA is empty")


@pytest.mark.parametrize("override, needles", [
    ("n_interventions=[1, 100000000000000000000]", ["n_interventions", "<= 1000"]),
    ("random_world.operands=[1, 100000000000000000000]", ["operands", "<= 64"]),
    ("random_world.operators.AND=.inf", ["operators.AND", "finite"]),
    ("rungs={1: .nan}", ["rungs.1", "finite"]),
    ("omit=2,2,2,2,2", ["field omit", "5 comma-separated bits"]),
    ("omit='" + "1" * 5_000 + "'", ["field omit", "5 comma-separated bits"]),
])
def test_bad_fields_of_a_boolean_world_config(tmp_path, capsys, override, needles):
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, "seed"), override), *needles)


# 4. seeds ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["-1", str(2**63), str(2**64), str(10**30)])
def test_out_of_range_seeds_in_a_config(tmp_path, capsys, seed):
    assert_refused(_generate(tmp_path, capsys, _config(tmp_path, "seed"), f"seed={seed}"), "field seed")


def test_the_largest_seed_works():
    config = BooleanWorldConfig(seed=2**63 - 1, sizes={"train": 3, "dev": 1, "test": 1})
    assert len(generate_group(config, "train", 0)) == 3


@pytest.mark.parametrize("seed", ["-1", str(2**63), str(2**64)])
def test_out_of_range_seeds_in_causal_experiment(tmp_path, monkeypatch, capsys, seed):
    monkeypatch.chdir(tmp_path)
    assert_refused(_experiment(capsys, "--generate", "--seed", seed), "--seed", seed, "2**63")
    assert not (tmp_path / "dataset").exists()


def test_a_bad_seed_through_the_causal_experiment_script(tmp_path):
    result = cli("--generate", "--seed", str(2**64), cwd=tmp_path, prog="causal-experiment", timeout=30)
    assert_refused(result, "--seed", "out of range")


# 5. other causal-experiment flags ----------------------------------------------------------------

def test_paths_in_the_way(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    assert_refused(_experiment(capsys, "--generate", "--dataset-dir", "afile"), "afile", "in the way")
    assert_refused(_experiment(capsys, "--generate", "--log-dir", "afile"), "afile", "in the way")
    assert_refused(_experiment(capsys, "--generate", "--dataset-dir", "afile/sub"), "afile")


@pytest.mark.parametrize("args, needles", [
    (["--test", ""], ["input ''", "5 comma-separated bits"]),
    (["--test", "1," * 50_000], ["input '1,1,", "5 comma-separated bits"]),
    (["--test", "9" * 5_000], ["5 comma-separated bits"]),
    (["--test", "1,0,1,0,2"], ["5 comma-separated bits"]),
    (["--generate", "-o", "1,0,1,0,1;x"], ["field omit", "'x'"]),
    (["--generate", "-o", ";".join(["1,1,1,1,1"] * 1_000) + ";1"], ["field omit", "'1'"]),
])
def test_bad_inputs_and_omit_lists(tmp_path, monkeypatch, capsys, args, needles):
    monkeypatch.chdir(tmp_path)
    assert_refused(_experiment(capsys, *args), *needles)
    assert not (tmp_path / "dataset").exists()


GOOD_ROW = json.dumps({"prompt": "1,0,1,0,1", "completion": "\n0,1,0,1\n3 - 2\n"}) + "\n"


@pytest.mark.parametrize("train, needles", [
    ("not json\n", ["train.jsonl line 1", "not valid JSON"]),
    ('[1, 2]\n', ["train.jsonl line 1", "expected"]),
    ('{"prompt": 1, "completion": "x"}\n', ["train.jsonl line 1", "expected"]),
    ('{"prompt": "1,0"}\n', ["train.jsonl line 1", "expected"]),
    ('{"prompt": "1,0", "completion": "x"}\n', ["not an example of the causal-experiment world"]),
    ('{"prompt": "1,0,1,0,1", "completion": "x"}\n', ["completion disagrees"]),
    ("[" * 10_000 + "]" * 10_000 + "\n", ["nests deeper"]),
    ("\xff\xfe".encode("latin-1") + "{}".encode("utf-16-le"), ["not UTF-8"]),
    (b"\x00\x00", ["NUL"]),
    ("folder", ["is a folder"]),
])
def test_corrupt_dataset_files_for_train(tmp_path, monkeypatch, capsys, train, needles):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "dataset"
    data.mkdir()
    for name in ("valid.jsonl", "test.jsonl"):
        (data / name).write_text(GOOD_ROW)
    if train == "folder":
        (data / "train.jsonl").mkdir()
    elif isinstance(train, bytes):
        (data / "train.jsonl").write_bytes(train)
    else:
        (data / "train.jsonl").write_text(train)
    assert_refused(_experiment(capsys, "--train"), *needles)


# hypothesis: only our own errors, whatever comes in ----------------------------------------------

TOKENS = ["A", "B", "newA", "(", ")", "NOT", "not", "AND", "OR", "XOR", "!", "&", "|", "^", "0", "1",
          "2", "17", "sum", "sum2", ",", "+", "-", " ", "__x", "?", "\n", "((((", "))))"]
ENV = {"A": 1, "B": 0, "newA": 1}


def _parse_or_refuse(parse, text: str) -> None:
    """Parse ``text``; when it parses, run it on an env holding every name it uses."""
    try:
        expr = parse(text, "rule r")
    except RuleError as e:
        assert str(e).startswith("rule r")
        return
    value = evaluate(expr, {n: ENV.get(n, 1) for n in names_in(expr)})
    if parse is parse_rule:
        assert value in (0, 1)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(TOKENS), max_size=80).map("".join),
                 st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join)))
def test_any_text_as_a_rule_or_summary_raises_only_rule_errors(text):
    _parse_or_refuse(parse_rule, text)
    _parse_or_refuse(parse_summary, text)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=20),
                 st.lists(st.text(max_size=5), max_size=3)))
def test_non_text_rules_raise_only_rule_errors(value):
    with pytest.raises(RuleError):
        parse_rule(value)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(max_size=12), st.sampled_from(["A", "B", "A AND B", "NOT A", "sum(A)", "x"]))
_nested = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=6), st.integers(), st.sampled_from(["A", "x", "y"])),
                    inner, max_size=4)), max_leaves=25)
_fields = st.sampled_from(["name", "inputs", "noise", "rules", "summary", "separator", "other"])
_odd_names = st.sampled_from(["x", "A", "and", "sum", "a b", "__", ""])
_inputs = st.lists(st.one_of(st.sampled_from(["A", "B", "C"]), _odd_names), min_size=1, max_size=3,
                   unique=True)
_outputs = st.one_of(st.sampled_from(["x", "y", "z"]), _odd_names)
_soup = st.lists(st.sampled_from([*TOKENS, "x", "y", "C", "U"]), min_size=1, max_size=8).map(" ".join)
_fine = st.sampled_from(["A", "NOT A", "A AND x", "(A XOR B) OR y", "NOT z", "1", "U AND A"])
_fine_sums = st.sampled_from(["sum(A+B)", "sum2(x, y) - 1", "3 - (A XOR B)"])
_near_worlds = st.fixed_dictionaries(  # often well formed, so World's own checks and runs happen too
    {"inputs": st.one_of(st.just(["A", "B", "C"]), _inputs),
     "rules": st.dictionaries(_outputs, st.one_of(_fine, _fine, _soup, _scalars),
                              min_size=1, max_size=3)},
    optional={"noise": st.lists(st.sampled_from(["U", "A"]), max_size=1),
              "summary": st.one_of(_soup, st.lists(st.one_of(_fine_sums, _soup), max_size=2)),
              "name": st.one_of(st.just("w"), _scalars)})
_worlds = st.one_of(_nested, st.dictionaries(_fields, _nested, max_size=6), _near_worlds)


def _reads_or_refuses(read, data) -> None:
    try:
        world = read(data)
    except InputError:
        return
    env = world.run({n: 1 for n in world.inputs}, {u: 0 for u in world.noise})
    world.summarise(env)


@settings(max_examples=200, deadline=None)
@given(_worlds)
def test_any_structure_as_a_world_raises_only_input_errors(value):
    _reads_or_refuses(world_from_dict, value)
    _reads_or_refuses(world_from_yaml, yaml.safe_dump(value))


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=300), _worlds.map(lambda v: yaml.safe_dump(v).encode()),
                 st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_as_a_world_file_raise_only_input_errors(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "world.yaml"
        path.write_bytes(data)
        _reads_or_refuses(lambda p: world_from_yaml(read_text(p, "world file"), str(p)), path)


def test_rule_errors_are_input_errors():
    assert issubclass(RuleError, InputError)
    with pytest.raises(InputError):
        resolve_world(BooleanWorldConfig(world={"inputs": ["A"], "rules": {"x": None}}))
