"""A small, safe language for boolean structural equations (parsed, never ``eval``-ed).

Grammar (keywords case-insensitive; ``!``, ``&``, ``^``, ``|`` are accepted as symbols)::

    bool   := or
    or     := xor ( ("OR" | "|") xor )*
    xor    := and ( ("XOR" | "^") and )*
    and    := not ( ("AND" | "&") not )*
    not    := ("NOT" | "!") not | atom
    atom   := NAME | "0" | "1" | "(" bool ")"

    int    := term ( ("+" | "-") term )*          -- summary lines
    term   := NUMBER | NAME | "(" bool ")" | SUM "(" int ( "," int )* ")"    (SUM: sum, sum2, ...)

A boolean variable in an integer expression counts as 0/1, so the seed's ``sum(A+B+C+D+E)``
reads as written. A :class:`World` is inputs, optional exogenous noise bits, ordered outputs
``name = expression`` (an output may use inputs, noise and other outputs, as long as there is
no cycle) and summary lines. Errors (:class:`RuleError`) name the rule and the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>\d+)|(?P<sym>[()!&|^+,\-]))")
_KEYWORDS = {"not": "!", "and": "&", "or": "|", "xor": "^"}
_SUM = re.compile(r"sum\d*", re.IGNORECASE)

# expression trees: ("var", name) | ("const", 0/1) | ("not", e) | (op, a, b) for and/or/xor;
# integer trees: ("int", n) | ("bool", e) | ("+", a, b) | ("-", a, b)
Expr = tuple


class RuleError(ValueError):
    """A rule that cannot be parsed or evaluated; the message names the rule and the column."""


@dataclass
class _Tokens:
    text: str
    where: str
    items: list[tuple[str, str, int, str]] = field(default_factory=list)  # kind, value, column, text
    pos: int = 0

    def __post_init__(self) -> None:
        at = 0
        while at < len(self.text):
            if self.text[at:].strip() == "":
                break
            m = _TOKEN.match(self.text, at)
            if m is None:
                col = at + len(self.text[at:]) - len(self.text[at:].lstrip())
                raise self.error(f"unexpected character {self.text[col]!r}", col)
            kind = m.lastgroup or "sym"
            value = raw = m.group(kind)
            start = m.start(kind)
            if kind == "name" and "__" in value:
                raise self.error(f"{value!r}: names may not contain '__'", start)
            if kind == "name" and value.lower() in _KEYWORDS:
                kind, value = "sym", _KEYWORDS[value.lower()]
            self.items.append((kind, value, start, raw))
            at = m.end()

    def error(self, message: str, col: int | None = None) -> RuleError:
        if col is None:
            col = self.items[self.pos][2] if self.pos < len(self.items) else len(self.text)
        return RuleError(f"{self.where}: {message} at column {col + 1}\n  {self.text}\n  {' ' * col}^")

    def raw(self) -> str:
        return self.items[self.pos][3] if self.pos < len(self.items) else "the end"

    def peek(self) -> tuple[str, str] | None:
        return (self.items[self.pos][0], self.items[self.pos][1]) if self.pos < len(self.items) else None

    def take(self, value: str) -> bool:
        if self.peek() is not None and self.peek()[1] == value and self.peek()[0] == "sym":
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.take(value):
            got = self.peek()
            raise self.error(f"expected {value!r}, found {self.raw()!r}" if got else
                             f"expected {value!r}, found the end")


def _parse_bool(t: _Tokens) -> Expr:
    return _binary(t, "|", lambda: _binary(t, "^", lambda: _binary(t, "&", lambda: _not(t))))


def _binary(t: _Tokens, sym: str, operand) -> Expr:
    name = {"|": "or", "^": "xor", "&": "and"}[sym]
    left = operand()
    while t.take(sym):
        left = (name, left, operand())
    return left


def _not(t: _Tokens) -> Expr:
    if t.take("!"):
        return ("not", _not(t))
    return _atom(t)


def _atom(t: _Tokens) -> Expr:
    tok = t.peek()
    if tok is None:
        raise t.error("expected a variable, 0, 1 or '(', found the end")
    kind, value = tok
    if kind == "name":
        t.pos += 1
        return ("var", value)
    if kind == "num" and value in ("0", "1"):
        t.pos += 1
        return ("const", int(value))
    if t.take("("):
        inner = _parse_bool(t)
        t.expect(")")
        return inner
    raise t.error(f"expected a variable, 0, 1 or '(', found {t.raw()!r}")


def _parse_int(t: _Tokens) -> Expr:
    left = _int_term(t)
    while True:
        if t.take("+"):
            left = ("+", left, _int_term(t))
        elif t.take("-"):
            left = ("-", left, _int_term(t))
        else:
            return left


def _int_term(t: _Tokens) -> Expr:
    tok = t.peek()
    if tok is None:
        raise t.error("expected a number, a variable, sum(...) or '(', found the end")
    kind, value = tok
    if kind == "num":
        t.pos += 1
        return ("int", int(value))
    if kind == "name" and _SUM.fullmatch(value) and t.pos + 1 < len(t.items) and t.items[t.pos + 1][1] == "(":
        t.pos += 2
        total = _parse_int(t)
        while t.take(","):
            total = ("+", total, _parse_int(t))
        t.expect(")")
        return total
    if kind == "name":
        t.pos += 1
        return ("bool", ("var", value))
    if t.take("("):
        inner = _parse_bool(t)
        t.expect(")")
        return ("bool", inner)
    raise t.error(f"expected a number, a variable, sum(...) or '(', found {t.raw()!r}")


def _parse(text: str, where: str, grammar) -> Expr:
    t = _Tokens(str(text), where)
    if not t.items:
        raise t.error("empty expression", 0)
    expr = grammar(t)
    if t.peek() is not None:
        raise t.error(f"unexpected {t.raw()!r} after a complete expression")
    return expr


def parse_rule(text: str, where: str = "rule") -> Expr:
    """Parse a boolean expression (a structural equation's right-hand side)."""
    return _parse(text, where, _parse_bool)


def parse_summary(text: str, where: str = "summary") -> Expr:
    """Parse an integer expression (a summary line)."""
    return _parse(text, where, _parse_int)


def names_in(expr: Expr) -> set[str]:
    if expr[0] == "var":
        return {expr[1]}
    if expr[0] in ("const", "int"):
        return set()
    return set().union(*(names_in(e) for e in expr[1:]))


def evaluate(expr: Expr, env: Mapping[str, int]) -> int:
    """Value of a boolean (0/1) or integer expression tree."""
    op = expr[0]
    if op == "var":
        return env[expr[1]]
    if op in ("const", "int"):
        return expr[1]
    if op == "not":
        return 1 - evaluate(expr[1], env)
    if op == "bool":
        return evaluate(expr[1], env)
    a, b = evaluate(expr[1], env), evaluate(expr[2], env)
    return {"and": a & b, "or": a | b, "xor": a ^ b, "+": a + b, "-": a - b}[op]


def to_text(expr: Expr) -> str:
    """Canonical text of a boolean expression (fully parenthesised binary operations)."""
    op = expr[0]
    if op == "var":
        return expr[1]
    if op == "const":
        return str(expr[1])
    if op == "not":
        return f"NOT {to_text(expr[1])}"
    return f"({to_text(expr[1])} {op.upper()} {to_text(expr[2])})"


@dataclass(frozen=True)
class World:
    """A boolean world: ``inputs``, hidden ``noise`` bits, ordered ``rules`` (output -> text)
    and ``summary`` lines, joined by ``separator`` in the completion."""

    inputs: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]
    noise: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()
    separator: str = " - "
    name: str = "world"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for n in (*self.inputs, *self.noise, *self.outputs):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) or n.lower() in _KEYWORDS or _SUM.fullmatch(n):
                raise RuleError(f"world {self.name}: {n!r} is not a usable variable name")
            if n in seen:
                raise RuleError(f"world {self.name}: variable {n!r} is defined twice")
            seen.add(n)
        if not self.inputs or not self.rules:
            raise RuleError(f"world {self.name}: needs at least one input and one rule")
        known = set(self.inputs) | set(self.noise) | set(self.outputs)
        for out, expr in self.exprs.items():
            unknown = sorted(names_in(expr) - known)
            if unknown:
                raise RuleError(f"world {self.name}: rule {out} = {dict(self.rules)[out]} uses unknown "
                                f"variable(s) {unknown}; known are {sorted(known)}")
        for k, expr in enumerate(self.summary_exprs):
            unknown = sorted(names_in(expr) - known)
            if unknown:
                raise RuleError(f"world {self.name}: summary line {k + 1} uses unknown variable(s) {unknown}")
        _ = self.order  # raises on cycles

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(o for o, _ in self.rules)

    @cached_property
    def exprs(self) -> dict[str, Expr]:
        return {o: parse_rule(text, f"rule {o}") for o, text in self.rules}

    @cached_property
    def summary_exprs(self) -> tuple[Expr, ...]:
        return tuple(parse_summary(s, f"summary line {k + 1}") for k, s in enumerate(self.summary))

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Outputs in an order where every output comes after the outputs it uses."""
        outs = set(self.outputs)
        deps = {o: names_in(e) & outs for o, e in self.exprs.items()}
        try:
            return tuple(TopologicalSorter(deps).static_order())
        except CycleError as e:
            cycle = " -> ".join(e.args[1])
            raise RuleError(f"world {self.name}: the rules form a cycle ({cycle}); an output may "
                            "only use outputs that do not depend on it") from None

    def run(self, inputs: Mapping[str, int], noise: Mapping[str, int] | None = None,
            do: Mapping[str, int] | None = None) -> dict[str, int]:
        """Every variable's value: inputs, noise, then the outputs (``do`` overrides rules)."""
        env = dict(inputs) | dict(noise or {})
        do = dict(do or {})
        for out in self.order:
            env[out] = do[out] if out in do else evaluate(self.exprs[out], env)
        return env

    def summarise(self, env: Mapping[str, int]) -> list[int]:
        return [evaluate(e, env) for e in self.summary_exprs]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "inputs": list(self.inputs)}
        if self.noise:
            out["noise"] = list(self.noise)
        out["rules"] = dict(self.rules)
        out["summary"] = list(self.summary)
        out["separator"] = self.separator
        return out


def world_from_dict(data: Mapping[str, Any], source: str = "world") -> World:
    """A world from its mapping (``inputs``, ``rules`` as an ordered mapping, ``noise``,
    ``summary``, ``separator``, ``name``); problems raise :class:`RuleError` naming the field."""
    if not isinstance(data, Mapping):
        raise RuleError(f"{source}: a world is a mapping with inputs and rules")
    extra = set(data) - {"name", "inputs", "noise", "rules", "summary", "separator"}
    if extra:
        raise RuleError(f"{source}: unknown field(s) {sorted(extra)}; a world has name, inputs, "
                        "noise, rules, summary, separator")
    rules = data.get("rules")
    if not isinstance(rules, Mapping) or not rules:
        raise RuleError(f"{source}: field rules must map each output to its expression, "
                        "e.g. {newA: A XOR C}")

    def names(field_name: str) -> tuple[str, ...]:
        value = data.get(field_name, [])
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise RuleError(f"{source}: field {field_name} must be a list of names")
        return tuple(value)

    summary = data.get("summary", [])
    summary = [summary] if isinstance(summary, str) else list(summary)
    return World(inputs=names("inputs"), noise=names("noise"),
                 rules=tuple((str(k), str(v)) for k, v in rules.items()),
                 summary=tuple(str(s) for s in summary),
                 separator=str(data.get("separator", " - ")), name=str(data.get("name", source)))


SEED_WORLD = World(
    name="causal-experiment",
    inputs=("A", "B", "C", "D", "E"),
    rules=(("newA", "A XOR C"), ("newB", "NOT D"), ("newC", "B AND E"), ("newD", "A OR newB")),
    summary=("sum(A+B+C+D+E)", "sum2(newA+newB+newC+newD)"),
)
