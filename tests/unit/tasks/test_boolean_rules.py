"""The boolean rules language: property test against Python's own boolean evaluation (in the
test only), precedence, summary lines, clear errors, and malicious input rejected as syntax."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasonlab.tasks.boolean_world.rules import RuleError, evaluate, parse_rule, parse_summary
from reasonlab.tasks.boolean_world.world import SEED_WORLD, World, world_from_dict

NAMES = ["A", "B", "C", "newA", "x_1"]
OPS = {"and": ["AND", "and", "&"], "or": ["OR", "Or", "|"], "xor": ["XOR", "xor", "^"]}
PY_OPS = {"and": "&", "or": "|", "xor": "^"}


def _trees(depth: int):
    leaf = st.one_of(st.sampled_from(NAMES).map(lambda n: ("var", n)),
                     st.sampled_from([0, 1]).map(lambda c: ("const", c)))
    if depth == 0:
        return leaf
    sub = _trees(depth - 1)
    return st.one_of(leaf, sub.map(lambda e: ("not", e)),
                     st.tuples(st.sampled_from(sorted(OPS)), sub, sub))


def _ours(tree, draw) -> str:
    """Our syntax, fully parenthesised, with random keyword spellings."""
    if tree[0] == "var":
        return tree[1]
    if tree[0] == "const":
        return str(tree[1])
    if tree[0] == "not":
        return f"{draw(st.sampled_from(['NOT ', 'not ', '!']))}({_ours(tree[1], draw)})"
    op, a, b = tree
    return f"({_ours(a, draw)} {draw(st.sampled_from(OPS[op]))} {_ours(b, draw)})"


def _python(tree) -> str:
    """The same expression in Python syntax, evaluated by Python itself."""
    if tree[0] == "var":
        return tree[1]
    if tree[0] == "const":
        return str(tree[1])
    if tree[0] == "not":
        return f"(1 - ({_python(tree[1])}))"
    op, a, b = tree
    return f"(({_python(a)}) {PY_OPS[op]} ({_python(b)}))"


@settings(max_examples=300, deadline=None)
@given(st.data(), _trees(4))
def test_random_expressions_match_python(data, tree):
    text = _ours(tree, data.draw)
    parsed = parse_rule(text)
    for values in product((0, 1), repeat=len(NAMES)):
        env = dict(zip(NAMES, values, strict=True))
        assert evaluate(parsed, env) == eval(_python(tree), {}, dict(env)), text


def test_precedence_not_and_xor_or():
    env_all = [dict(zip("ABC", v, strict=True)) for v in product((0, 1), repeat=3)]
    for env in env_all:
        a, b, c = env["A"], env["B"], env["C"]
        assert evaluate(parse_rule("A OR B AND C"), env) == a | (b & c)
        assert evaluate(parse_rule("A XOR B AND C"), env) == a ^ (b & c)
        assert evaluate(parse_rule("A OR B XOR C"), env) == a | (b ^ c)
        assert evaluate(parse_rule("NOT A XOR B"), env) == (1 - a) ^ b
        assert evaluate(parse_rule("NOT (A XOR B)"), env) == 1 - (a ^ b)


def test_summary_lines():
    env = {"A": 1, "B": 0, "C": 1, "newA": 1}
    assert evaluate(parse_summary("sum(A+B+C)"), env) == 2
    assert evaluate(parse_summary("sum2(A, B, C, newA)"), env) == 3
    assert evaluate(parse_summary("3 - sum(A+C) + (A XOR C)"), env) == 1


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "__import__", "A.__class__", "A.real", "getattr(A, 'x')",
    "A; B", "lambda: 1", "[A]", "A if B else C", "A == B", "A + B", "2", "A B", "",
])
def test_malicious_or_malformed_input_is_a_syntax_error(text):
    with pytest.raises(RuleError, match="column"):
        parse_rule(text, "rule newA")


def test_error_messages_point_at_the_column():
    with pytest.raises(RuleError) as err:
        parse_rule("A XOR XOR B", "rule newA")
    assert "rule newA: expected a variable, 0, 1 or '(', found 'XOR' at column 7" in str(err.value)
    assert str(err.value).splitlines()[-1] == "        ^"


def test_world_errors():
    with pytest.raises(RuleError, match="unknown variable"):
        World(inputs=("A",), rules=(("x", "A AND Q"),))
    with pytest.raises(RuleError, match="cycle"):
        World(inputs=("A",), rules=(("x", "A AND y"), ("y", "x")))
    with pytest.raises(RuleError, match="defined twice"):
        World(inputs=("A", "A"), rules=(("x", "A"),))
    with pytest.raises(RuleError, match="rules"):
        world_from_dict({"inputs": ["A"]})
    with pytest.raises(RuleError, match="unknown field"):
        world_from_dict({"inputs": ["A"], "rules": {"x": "A"}, "rulez": 1})


def test_outputs_may_use_later_outputs_without_cycles():
    w = World(inputs=("A",), rules=(("x", "NOT y"), ("y", "A")))
    assert w.order == ("y", "x") and w.run({"A": 1}) == {"A": 1, "y": 1, "x": 0}


def test_world_round_trip():
    assert world_from_dict(SEED_WORLD.to_dict()) == SEED_WORLD
