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
no cycle) and summary lines. Errors (:class:`RuleError`, an ``InputError``) name the rule and
the column.

Nothing recurses: the parser reads tokens left to right with an explicit stack of open groups
(operator precedence), into a postfix program that :func:`evaluate` runs on a value stack, so a
1,000-term chain or 10,000 nested parentheses parse and run like a short rule.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from typing import Any

from ...config import parse_yaml
from ...validation import InputError, show_value

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(rf"(?P<name>{_NAME})|(?P<num>\d+)|(?P<sym>[()!&|^+,\-])")
_SPACE = re.compile(r"\s*")
_KEYWORDS = {"not": "!", "and": "&", "or": "|", "xor": "^"}
_SUM = re.compile(r"sum\d*", re.IGNORECASE)
MAX_DIGITS = 18  # summary numbers stay far below 2**63
_SNIPPET = 60  # characters of a long rule shown around an error's column

# A parsed expression is a postfix program, a tuple of steps run on a value stack:
#   ("var", name), ("const", 0 | 1), ("int", n): push a value
#   ("not", None): replace the top by 1 - top
#   ("and" | "or" | "xor" | "+" | "-", None): replace the top two by their combination
# Parsing and evaluation both loop over the text or the steps, never recurse, so any nesting depth
# and any chain length a text can hold parse and run.
Step = tuple[str, Any]
Expr = tuple[Step, ...]
_COMBINE: dict[str, Callable[[int, int], int]] = {
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "+": operator.add, "-": operator.sub}
_BOOL_OPS = {"|": ("or", 1), "^": ("xor", 2), "&": ("and", 3)}
_INT_OPS = {"+": ("+", 1), "-": ("-", 1)}
_NOT_PRECEDENCE = 4
_EXPECTED = {"bool": "a variable, 0, 1 or '('", "int": "a number, a variable, sum(...) or '('"}


class RuleError(InputError):
    """A rule or world that cannot be parsed or used; the message names the rule and the column."""


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n - 3] + "..."


@dataclass
class _Tokens:
    text: str
    where: str
    items: list[tuple[str, str, int, str]] = field(default_factory=list)  # kind, value, column, text
    pos: int = 0

    def __post_init__(self) -> None:
        at = _SPACE.match(self.text).end()
        while at < len(self.text):
            m = _TOKEN.match(self.text, at)
            if m is None:
                raise self.error(f"unexpected character {self.text[at]!r}", at)
            kind = m.lastgroup or "sym"
            value = raw = m.group(kind)
            if kind == "name" and "__" in value:
                raise self.error(f"{_short(value)!r}: names may not contain '__'", at)
            if kind == "name" and value.lower() in _KEYWORDS:
                kind, value = "sym", _KEYWORDS[value.lower()]
            self.items.append((kind, value, at, raw))
            at = _SPACE.match(self.text, m.end()).end()

    def error(self, message: str, col: int | None = None) -> RuleError:
        """A :class:`RuleError` at ``col`` (default: the current token), with the text (or the
        part of a long text around the column) and a caret under the column."""
        if col is None:
            col = self.items[self.pos][2] if self.pos < len(self.items) else len(self.text)
        start = max(0, col - _SNIPPET // 2) if len(self.text) > _SNIPPET else 0
        shown = re.sub(r"\s", " ", self.text[start:start + _SNIPPET])
        before = "..." if start else ""
        after = "..." if start + _SNIPPET < len(self.text) else ""
        caret = " " * (len(before) + col - start)
        return RuleError(f"{self.where}: {message} at column {col + 1}\n  {before}{shown}{after}\n"
                         f"  {caret}^")

    def raw(self) -> str:
        return _short(self.items[self.pos][3]) if self.pos < len(self.items) else "the end"

    def peek(self) -> tuple[str, str] | None:
        return (self.items[self.pos][0], self.items[self.pos][1]) if self.pos < len(self.items) else None

    def take(self, value: str) -> bool:
        """Step over the symbol ``value`` when it is next."""
        if self.peek() == ("sym", value):
            self.pos += 1
            return True
        return False


@dataclass
class _Group:
    """One level of the parse: the whole text, a parenthesis or a ``sum(`` call, with the
    operators still waiting for their right operand."""

    mode: str  # "bool" or "int": the grammar inside
    closed_by_paren: bool = False
    is_sum: bool = False
    args: int = 1
    ops: list[tuple[str, int]] = field(default_factory=list)  # (operator, precedence)

    def flush(self, out: list[Step], above: int = 0) -> None:
        """Emit waiting operators that bind at least as tightly as ``above``."""
        while self.ops and self.ops[-1][1] >= above:
            out.append((self.ops.pop()[0], None))


def _operand(t: _Tokens, groups: list[_Group], out: list[Step]) -> bool:
    """Read an operand (or an opening ``NOT``, ``(``, ``sum(``); whether an operand is still due."""
    kind, value = t.peek() or ("", "")
    group = groups[-1]
    if group.mode == "bool" and (kind, value) == ("sym", "!"):
        group.ops.append(("not", _NOT_PRECEDENCE))
        t.pos += 1
        return True
    if kind == "num" and (group.mode == "int" or value in ("0", "1")):
        if len(value) > MAX_DIGITS:
            raise t.error(f"the number {t.raw()} has more than {MAX_DIGITS} digits; use a smaller one")
        out.append(("int" if group.mode == "int" else "const", int(value)))
        t.pos += 1
        return False
    if kind == "name" and group.mode == "int" and _SUM.fullmatch(value) and \
            t.pos + 1 < len(t.items) and t.items[t.pos + 1][:2] == ("sym", "("):
        groups.append(_Group("int", closed_by_paren=True, is_sum=True))
        t.pos += 2
        return True
    if kind == "name":
        out.append(("var", value))
        t.pos += 1
        return False
    if t.take("("):
        groups.append(_Group("bool", closed_by_paren=True))
        return True
    raise t.error(f"expected {_EXPECTED[group.mode]}, found {t.raw()!r}")


def _operator(t: _Tokens, groups: list[_Group], out: list[Step]) -> bool:
    """Read what may follow an operand: an operator, ``,`` in ``sum(``, or ``)``; whether an
    operand is due next."""
    kind, value = t.peek() or ("", "")
    group = groups[-1]
    table = _BOOL_OPS if group.mode == "bool" else _INT_OPS
    if kind == "sym" and value in table:
        op, precedence = table[value]
        group.flush(out, precedence)
        group.ops.append((op, precedence))
        t.pos += 1
        return True
    if kind == "sym" and value == "," and group.is_sum:
        group.flush(out)
        group.args += 1
        t.pos += 1
        return True
    if kind == "sym" and value == ")" and group.closed_by_paren:
        group.flush(out)
        out.extend([("+", None)] * (group.args - 1))
        groups.pop()
        t.pos += 1
        return False
    if group.closed_by_paren:
        raise t.error(f"expected ')', found {t.raw()!r}")
    raise t.error(f"unexpected {t.raw()!r} after a complete expression")


def _parse(text: Any, where: str, mode: str) -> Expr:
    """The postfix program of ``text`` in grammar ``mode`` ("bool" or "int"), read left to right
    with an explicit stack of open groups (an operator-precedence parser)."""
    if text is None:
        raise RuleError(f"{where} is empty; write an expression, e.g. A AND NOT B")
    if not isinstance(text, str):
        raise RuleError(f"{where} = {show_value(text)} is not text; write the expression as text, "
                        "e.g. A AND NOT B")
    t = _Tokens(text, where)
    if not t.items:
        raise t.error("empty expression", 0)
    out: list[Step] = []
    groups = [_Group(mode)]
    due = True
    while t.pos < len(t.items):
        due = _operand(t, groups, out) if due else _operator(t, groups, out)
    if due:
        raise t.error(f"expected {_EXPECTED[groups[-1].mode]}, found the end")
    if len(groups) > 1:
        raise t.error("expected ')', found the end")
    groups[0].flush(out)
    return tuple(out)


def parse_rule(text: str, where: str = "rule") -> Expr:
    """Parse a boolean expression (a structural equation's right-hand side)."""
    return _parse(text, where, "bool")


def parse_summary(text: str, where: str = "summary") -> Expr:
    """Parse an integer expression (a summary line)."""
    return _parse(text, where, "int")


def names_in(expr: Expr) -> set[str]:
    """The variables an expression reads."""
    return {arg for op, arg in expr if op == "var"}


def evaluate(expr: Expr, env: Mapping[str, int]) -> int:
    """Value of a boolean (0/1) or integer expression, run on a stack (no recursion)."""
    stack: list[int] = []
    push = stack.append
    try:
        for op, arg in expr:
            if op == "var":
                push(env[arg])
            elif op == "const" or op == "int":
                push(arg)
            elif op == "not":
                stack[-1] = 1 - stack[-1]
            else:
                b = stack.pop()
                stack[-1] = _COMBINE[op](stack[-1], b)
    except KeyError as e:
        raise RuleError(f"variable {e.args[0]!r} has no value; give every input and noise bit") from None
    return stack[-1]


def to_text(expr: Expr) -> str:
    """Canonical text of an expression (binary operations fully parenthesised)."""
    parts: list[str] = []
    for op, arg in expr:
        if op in ("var", "const", "int"):
            parts.append(str(arg))
        elif op == "not":
            parts[-1] = f"NOT {parts[-1]}"
        else:
            b = parts.pop()
            parts[-1] = f"({parts[-1]} {op.upper()} {b})"
    return parts[-1]


def _listing(names: list[str] | set[str], n: int = 12) -> str:
    """``['A', 'B', ...]`` with at most ``n`` names, for messages."""
    items = sorted(names)
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return f"{[_short(x) for x in items[:n]]}{more}"


def _check_name(name: Any, world: str) -> None:
    """Refuse a variable name the rules language could not read back."""
    if not isinstance(name, str) or not re.fullmatch(_NAME, name) or "__" in name \
            or name.lower() in _KEYWORDS or _SUM.fullmatch(name):
        raise RuleError(f"world {world}: {show_value(name)} is not a usable variable name; use letters, "
                        "digits and _ (first a letter or _, no '__'), not AND/OR/XOR/NOT or sum")


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
            _check_name(n, self.name)
            if n in seen:
                raise RuleError(f"world {self.name}: variable {n!r} is defined twice; give each input, "
                                "noise bit and output its own name")
            seen.add(n)
        if not self.inputs or not self.rules:
            raise RuleError(f"world {self.name}: needs at least one input and one rule")
        known = set(self.inputs) | set(self.noise) | set(self.outputs)
        for (out, text), expr in zip(self.rules, self.exprs.values(), strict=True):
            unknown = names_in(expr) - known
            if unknown:
                raise RuleError(f"world {self.name}: rule {out} = {_short(text, 60)} uses unknown "
                                f"variable(s) {_listing(unknown)}; known are {_listing(known)}")
        for k, expr in enumerate(self.summary_exprs):
            unknown = names_in(expr) - known
            if unknown:
                raise RuleError(f"world {self.name}: summary line {k + 1} uses unknown variable(s) "
                                f"{_listing(unknown)}; known are {_listing(known)}")
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
            cycle = _short(" -> ".join(e.args[1]), 200)
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


_WORLD_FIELDS = ("name", "inputs", "noise", "rules", "summary", "separator")
_WORLD_EXAMPLE = "e.g. {inputs: [A, B], rules: {newA: A AND NOT B}}"


def _kind(value: Any) -> str:
    """What a YAML value is, for messages: 'nothing', 'a list', 'text', ..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, int | float):
        return f"a number ({show_value(value)})"
    if isinstance(value, str):
        return f"text ({show_value(value)})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _names(data: Mapping[str, Any], key: str, source: str) -> tuple[str, ...]:
    """Field ``key``: a list of names, or one comma-separated line of them."""
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise RuleError(f"{source}: field {key} must be a list of names, e.g. [A, B, C], not {_kind(value)}")
    for v in value:
        if not isinstance(v, str):
            raise RuleError(f"{source}: field {key} holds {_kind(v)}, not a name; write names such as A "
                            "or x_1 (quote them if YAML reads them otherwise)")
    return tuple(value)


def _rule_text(output: str, value: Any, source: str) -> str:
    """The expression text of one rule; empty, true/false and non-text values are refused."""
    name = _short(output)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleError(f"{source}: the rule of output {name} is empty; write its expression, "
                        f"e.g. {name}: A AND NOT B")
    if isinstance(value, bool):
        raise RuleError(f"{source}: the rule of output {name} is {value} (YAML reads yes/no/true/false "
                        "so); write 1 or 0, or quote the expression")
    if isinstance(value, int) and value in (0, 1):
        return str(value)
    if not isinstance(value, str):
        raise RuleError(f"{source}: the rule of output {name} is {_kind(value)}, not an expression; "
                        f"write it as text, e.g. {name}: A AND NOT B")
    return value


def _rules(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    """Field ``rules``: output name -> expression text, in order."""
    if not isinstance(value, Mapping) or not value:
        raise RuleError(f"{source}: field rules must map each output to its expression, "
                        f"e.g. {{newA: A XOR C}}, not {_kind(value) if value or value is None else 'empty'}")
    rules = []
    for output, text in value.items():
        if not isinstance(output, str):
            raise RuleError(f"{source}: field rules: the output name {show_value(output)} is not a name; "
                            "write names such as newA (quote them if YAML reads them otherwise)")
        rules.append((output, _rule_text(output, text, source)))
    return tuple(rules)


def _summary(value: Any, source: str) -> tuple[str, ...]:
    """Field ``summary``: one line or a list of integer expressions."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise RuleError(f"{source}: field summary must be a list of lines such as sum(A+B), "
                        f"not {_kind(value)}")
    lines = []
    for k, line in enumerate(value):
        if isinstance(line, int) and not isinstance(line, bool):
            line = str(line)
        if not isinstance(line, str):
            raise RuleError(f"{source}: summary line {k + 1} is {_kind(line)}; write it as text such as "
                            "sum(A+B)")
        lines.append(line)
    return tuple(lines)


def _line(data: Mapping[str, Any], key: str, source: str, default: str) -> str:
    """Field ``key``: one line of text (a number is read as its text)."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        raise RuleError(f"{source}: field {key} must be one line of text, not {_kind(value)}")
    return value


def world_from_dict(data: Mapping[str, Any], source: str = "world") -> World:
    """A world from its mapping (``inputs``, ``rules`` as an ordered mapping, ``noise``,
    ``summary``, ``separator``, ``name``); problems raise :class:`RuleError` naming ``source``
    and the field."""
    if not isinstance(data, Mapping):
        raise RuleError(f"{source}: a world is a mapping with inputs and rules, not {_kind(data)}; "
                        f"{_WORLD_EXAMPLE}")
    extra = [str(k) for k in data if k not in _WORLD_FIELDS]
    if extra:
        raise RuleError(f"{source}: unknown field(s) {_listing(extra)}; a world has "
                        f"{', '.join(_WORLD_FIELDS)}")
    for key in ("inputs", "rules"):
        if data.get(key) is None:
            raise RuleError(f"{source}: field {key} is missing or empty; {_WORLD_EXAMPLE}")
    name = _line(data, "name", source, source)
    try:
        return World(inputs=_names(data, "inputs", source), noise=_names(data, "noise", source),
                     rules=_rules(data["rules"], source), summary=_summary(data.get("summary"), source),
                     separator=_line(data, "separator", source, " - "), name=name)
    except RuleError as e:
        if str(e).startswith((source, f"world {source}:")):  # already names where it is
            raise
        raise RuleError(f"{source}: {e}") from None


def world_from_yaml(text: str, source: str = "world file") -> World:
    """A world from YAML text: invalid or too deeply nested YAML, a key given twice, an empty
    document or one that is not a mapping are each one :class:`InputError` naming ``source``."""
    data = parse_yaml(text, source)
    if data is None:
        raise RuleError(f"{source} holds no world (it is empty); write a mapping with inputs and rules, "
                        f"{_WORLD_EXAMPLE}")
    return world_from_dict(data, source)


SEED_WORLD = World(
    name="causal-experiment",
    inputs=("A", "B", "C", "D", "E"),
    rules=(("newA", "A XOR C"), ("newB", "NOT D"), ("newC", "B AND E"), ("newD", "A OR newB")),
    summary=("sum(A+B+C+D+E)", "sum2(newA+newB+newC+newD)"),
)
