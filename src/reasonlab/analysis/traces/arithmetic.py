"""Arithmetic: every ``expression = value`` step of a trace recomputed.

A step is two neighbours of a chain ``E1 = E2 = ... = En`` (``≈`` counts as ``=``) of numeric
expressions: numbers, ``+ - * / × · ÷ −``, ``\\times``, ``\\cdot``, parentheses and implicit
products ``(0.3)(0.4)``, e.g. ``0.3 * 0.4 + 0.7 * 0.2 = 0.12 + 0.14 = 0.26``. A chain may follow
text (``P(v1=1) = 0.3*0.4 = 0.12``); a number right after ``name=`` is a variable's value and
starts no step. Neighbours without an operator between them (``0.26 = 0.26``) are no step.

Tolerance. A number written with ``d`` decimals stands for the interval ``x ± h``,
``h = 0.5·10^-d`` (what rounding to ``d`` decimals hides), and the step is evaluated in interval
arithmetic; it is an error only when the interval of the computed side and that of the written
side do not meet (a float margin of 1e-9 relative aside). Which numbers are rounded:

* the written value ``c`` (a single number on the right): always, ``h = 0.5·10^-d`` -- the
  criterion "|computed - c| exceeds the rounding the text shows";
* the operands: those shown with the most decimals of the step (``D``, over both sides) are
  taken as rounded intermediate results (``0.1456`` copied from an earlier line); operands with
  fewer decimals are exact -- parameters as the prompt prints them (``0.3``, ``0.82``), or ``1``
  in ``1 - p``. Treating them as rounded would hide real slips: with ``±0.05`` on each operand
  ``0.3 * 0.4 + 0.7 * 0.2 = 0.27`` would pass. Interval arithmetic propagates the operands'
  rounding exactly (products widen by ``|a|·h_b + |b|·h_a + h_a·h_b``), so a correct step computed
  from unrounded intermediates and then rounded is never flagged;
* integers are exact, on either side (``0.3 + 0.7 = 1``).

So ``0.12 + 0.14 = 0.27`` passes (operands rounded from 0.12499 and 0.14499 do sum to 0.27),
while ``0.3 * 0.4 + 0.7 * 0.2 = 0.27`` and ``0.1456 * 0.3 = 0.0447`` are errors. A division by
an interval containing 0 is not checked. Gold traces print tables, not such steps, and come out
error-free; traces that write steps with 4-decimal intermediates check to 1e-4 or so.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .text import Trace, decimals_of


@dataclass(frozen=True)
class ArithmeticSlip:
    """A step whose written value does not match its recomputation."""

    line: int
    text: str
    expression: str
    expected: float  # the left side computed from its numbers as written
    written: float
    tolerance: float  # half-widths of both sides' intervals: the rounding allowed


_TRANSLATE = str.maketrans({"×": "*", "·": "*", "÷": "/", "−": "-", "–": "-", "⋅": "*", "∗": "*"})
_LATEX = (("\\times", "*"), ("\\cdot", "*"), ("\\approx", "≈"), ("\\div", "/"))
_SEG = r"[(\-.\d][\d.()+\-*/ \t]*"
_CHAIN = re.compile(rf"(?<![\w.)*/+^\-]){_SEG}(?:[ \t]*[=≈][ \t]*{_SEG})+")
_SPLIT = re.compile(r"[ \t]*[=≈][ \t]*")
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<op>[-+*/()]))")
_ASSIGN = re.compile(r"[\w*][ \t]*$")
_HAS_OP = re.compile(r"\d[\s()]*[-+*/][\s()]*[\d.(-]|\)\s*\(")


class _Parser:
    """Recursive descent over ``+ - * /``, unary minus, parentheses, implicit products; the
    result is a nested tuple ``(op, a, b)`` with leaves ``(value, decimals)``."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ValueError(text)
            self.tokens.append(("num", m["num"]) if m["num"] else ("op", m["op"]))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) and self.tokens[self.i][0] == "op" else (
            "num" if self.i < len(self.tokens) else None)

    def parse(self):
        tree = self.expr()
        if self.i != len(self.tokens):
            raise ValueError("trailing tokens")
        return tree

    def expr(self):
        tree = self.term()
        while self.peek() in ("+", "-"):
            op = self.tokens[self.i][1]
            self.i += 1
            tree = (op, tree, self.term())
        return tree

    def term(self):
        tree = self.factor()
        while self.peek() in ("*", "/", "("):
            op = "*" if self.peek() == "(" else self.tokens[self.i][1]
            if self.peek() != "(":
                self.i += 1
            tree = (op, tree, self.factor())
        return tree

    def factor(self):
        kind = self.peek()
        if kind == "-":
            self.i += 1
            return ("neg", self.factor())
        if kind == "(":
            self.i += 1
            tree = self.expr()
            if self.peek() != ")":
                raise ValueError("unbalanced")
            self.i += 1
            return tree
        if kind == "num":
            token = self.tokens[self.i][1]
            self.i += 1
            return (float(token), decimals_of(token))
        raise ValueError("expected a number")


def _decimals(tree) -> int:
    if isinstance(tree[0], float):
        return tree[1]
    return max(_decimals(t) for t in tree[1:])


def _interval(tree, rounded_at: int) -> tuple[float, float] | None:
    """``[lo, hi]`` of ``tree`` with numbers of ``rounded_at`` decimals (> 0) widened by half a
    unit; None where a division by an interval holding 0 makes it unbounded."""
    if isinstance(tree[0], float):
        x, d = tree
        h = 0.5 * 10.0 ** -d if d == rounded_at and d > 0 else 0.0
        return x - h, x + h
    if tree[0] == "neg":
        inner = _interval(tree[1], rounded_at)
        return None if inner is None else (-inner[1], -inner[0])
    a, b = _interval(tree[1], rounded_at), _interval(tree[2], rounded_at)
    if a is None or b is None:
        return None
    op = tree[0]
    if op == "+":
        return a[0] + b[0], a[1] + b[1]
    if op == "-":
        return a[0] - b[1], a[1] - b[0]
    if op == "/":
        if b[0] <= 0.0 <= b[1]:
            return None
        b = (1.0 / b[1], 1.0 / b[0])
    products = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(products), max(products)


def _segment(text: str):
    """The parse tree of one side, parentheses balanced by trimming, or None."""
    text = text.strip().rstrip(".").strip()
    while text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].lstrip()
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()
    text = text.rstrip("+-*/ \t")
    try:
        return _Parser(text).parse(), text
    except (ValueError, IndexError):
        return None


def _is_leaf(tree) -> bool:
    return isinstance(tree[0], float)


def _step(a, b) -> tuple[float, float, float] | None:
    """``(expected, written, tolerance)`` of the step ``a = b`` when it is wrong, else None."""
    if _is_leaf(a) and _is_leaf(b):
        return None
    if _is_leaf(a):
        a, b = b, a  # "0.26 = 0.12 + 0.14": the expression is the computed side
    top = max(_decimals(a), _decimals(b))
    ia = _interval(a, top)
    if _is_leaf(b):
        x, d = b
        h = 0.5 * 10.0 ** -d if d > 0 else 0.0
        ib: tuple[float, float] | None = (x - h, x + h)
    else:
        ib = _interval(b, top)
    if ia is None or ib is None:
        return None
    expected, written = _interval(a, -1), _interval(b, -1)
    if expected is None or written is None:
        return None
    eps = 1e-9 * max(1.0, abs(expected[0]), abs(written[0]))
    if ia[0] <= ib[1] + eps and ia[1] >= ib[0] - eps:
        return None
    tol = (ia[1] - ia[0]) / 2 + (ib[1] - ib[0]) / 2
    return _tidy(expected[0]), _tidy(written[0]), _tidy(tol)


def _tidy(x: float) -> float:
    """``x`` to 12 significant digits (0.13999999999999999 -> 0.14)."""
    return float(f"{x:.12g}")


def _normalise(line: str) -> str:
    if "\\" in line:
        for latex, plain in _LATEX:
            line = line.replace(latex, plain)
    return line.translate(_TRANSLATE)


def _chains(line: str):
    """The sides of every chain of ``line`` (None for a side that does not parse)."""
    for m in _CHAIN.finditer(line):
        parts = _SPLIT.split(m.group(0))
        before = line[: m.start()].rstrip()
        if before.endswith(("=", "≈")) and _ASSIGN.search(before[:-1].rstrip()):
            parts = parts[1:]  # "v1=1) = ...": the first side is a variable's value
        yield [_segment(p) for p in parts]


def check_arithmetic(trace: Trace) -> tuple[ArithmeticSlip, ...]:
    """Every wrong step of the reasoning part of ``trace``, with its line."""
    out = []
    for number, raw in enumerate(trace.thought.split("\n"), start=1):
        if "=" not in raw and "≈" not in raw and "\\approx" not in raw:
            continue
        line = _normalise(raw)
        if not _HAS_OP.search(line):
            continue
        for sides in _chains(line):
            for left, right in itertools.pairwise(sides):
                if left is None or right is None:
                    continue
                bad = _step(left[0], right[0])
                if bad is not None:
                    out.append(ArithmeticSlip(number, raw.strip(), f"{left[1]} = {right[1]}", *bad))
    return tuple(out)
