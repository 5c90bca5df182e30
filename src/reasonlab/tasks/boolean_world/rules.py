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

A boolean variable in an integer expression counts as 0/1, so the original world's
``sum(A+B+C+D+E)`` reads as written. Errors (:class:`RuleError`, an ``InputError``) name the rule
and the column. This module is the language only: the worlds written in it (inputs, noise,
ordered rules, summary lines) and their reading from YAML are in :mod:`.world`.

Nothing recurses: the parser reads tokens left to right with an explicit stack of open groups
(operator precedence), into a postfix program that :func:`evaluate` runs on a value stack, so a
1,000-term chain or 10,000 nested parentheses parse and run like a short rule.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


def shorten(text: str, n: int = 40) -> str:
    """``text``, cut to ``n`` characters with ``...`` when longer (for messages)."""
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
                raise self.error(f"{shorten(value)!r}: names may not contain '__'", at)
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
        return shorten(self.items[self.pos][3]) if self.pos < len(self.items) else "the end"

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


def is_variable_name(name: Any) -> bool:
    """Whether ``name`` reads back as one variable: letters, digits and _ (first a letter or _),
    no ``__``, not a keyword (AND/OR/XOR/NOT) nor ``sum``, ``sum2``, ..."""
    return (isinstance(name, str) and bool(re.fullmatch(_NAME, name)) and "__" not in name
            and name.lower() not in _KEYWORDS and not _SUM.fullmatch(name))
