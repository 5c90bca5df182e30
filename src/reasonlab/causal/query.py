"""Causal queries: one grammar for all three rungs, parsed from text or built in code.

Grammar (whitespace is free between tokens)::

    query   := 'P' '(' target [ '|' cond { ',' cond } ] ')'
    target  := NAME [ '_{' assign { ',' assign } '}' ] [ '=' VALUE | CMP NUMBER ]
    cond    := 'do' '(' assign { ',' assign } ')' | assign
    assign  := NAME '=' VALUE
    CMP     := '>' | '>=' | '<' | '<='

Rung 1 is ``P(Y | Z=z)``, rung 2 adds ``do(X=x)`` conditions, rung 3 is ``P(Y_{X=x} | Z=z)``: the
distribution of ``Y`` had ``X`` been set to ``x``, given the factual evidence (which may mention
``X`` and ``Y`` themselves). Names may contain underscores: in ``my_var_{X=1}`` the subscript
starts at ``_{``. ``VALUE`` is a state label or number (``[A-Za-z0-9_.+-/]+``) or a quoted
string for labels such as ``"<5"``. ``P(Y=1 | ...)`` also reports the probability of that value;
``P(Y > 0.5 | ...)`` asks a Gaussian model for a tail probability. Thresholds (and the values a
Gaussian model reads) must be finite numbers: ``nan``, ``inf`` and ``1e400`` are errors.

Values are kept as strings here; a model resolves them (state labels, indices or floats) when
the query is bound to it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..validation import show_value
from .errors import QueryError, QuerySyntaxError

Assignments = tuple[tuple[str, str], ...]
COMPARISONS = (">=", "<=", ">", "<")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VALUE = re.compile(r"[A-Za-z0-9_.+\-/]+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _assignments(items: Mapping[str, object] | Iterable[tuple[str, object]] | None,
                 what: str) -> Assignments:
    pairs = list(items.items() if isinstance(items, Mapping) else (items or ()))
    out = tuple((str(k), _value_text(v)) for k, v in pairs)
    dup = sorted(k for k, count in Counter(k for k, _ in out).items() if count > 1)
    if dup:
        raise QueryError(f"{what} sets {show_value(dup)} more than once; give each variable one value")
    return out


def _value_text(v: object) -> str:
    if isinstance(v, bool):
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _quote(v: str) -> str:
    return v if _VALUE.fullmatch(v) else '"' + v.replace('"', '\\"') + '"'


def _fmt(assignments: Assignments) -> str:
    return ", ".join(f"{k}={_quote(v)}" for k, v in assignments)


@dataclass(frozen=True)
class Query:
    """A causal query. Build it with keyword arguments (dicts allowed) or :func:`parse_query`."""

    target: str
    target_value: str | None = None
    comparison: str | None = None
    threshold: float | None = None
    do: Assignments = field(default=())
    counterfactual: Assignments = field(default=())
    evidence: Assignments = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not _NAME.fullmatch(self.target):
            raise QueryError(f"target {show_value(self.target)} is not a variable name")
        set_ = object.__setattr__
        set_(self, "do", _assignments(self.do, "do()"))
        set_(self, "counterfactual", _assignments(self.counterfactual, "the counterfactual"))
        set_(self, "evidence", _assignments(self.evidence, "the evidence"))
        if self.target_value is not None:
            set_(self, "target_value", _value_text(self.target_value))
        if self.do and self.counterfactual:
            raise QueryError("a counterfactual query cannot also have do() conditions: put every "
                             "intervention in the subscript, e.g. P(Y_{X=1, W=0} | Z=0)")
        if (self.comparison is None) != (self.threshold is None):
            raise QueryError("a tail query needs both a comparison and a threshold")
        if self.comparison is not None:
            if self.comparison not in COMPARISONS:
                raise QueryError(f"comparison {show_value(self.comparison)} must be one of {COMPARISONS}")
            if self.target_value is not None:
                raise QueryError("give either a target value or a comparison, not both")
            set_(self, "threshold", finite_number(self.threshold, f"threshold {show_value(self.threshold)}"))

    @property
    def rung(self) -> int:
        """1 observational, 2 interventional, 3 counterfactual."""
        return 3 if self.counterfactual else 2 if self.do else 1

    @property
    def interventions(self) -> Assignments:
        """The do() assignments (rung 2) or the counterfactual subscript (rung 3)."""
        return self.counterfactual or self.do

    @property
    def signature(self) -> tuple:
        """The query without its values: queries with equal signatures share one contraction."""
        return (self.target, self.rung, tuple(k for k, _ in self.interventions),
                tuple(k for k, _ in self.evidence))

    def __str__(self) -> str:
        head = self.target
        if self.counterfactual:
            head += "_{" + _fmt(self.counterfactual) + "}"
        if self.target_value is not None:
            head += f"={_quote(self.target_value)}"
        elif self.comparison is not None:
            head += f" {self.comparison} {self.threshold!r}"
        conds = ([f"do({_fmt(self.do)})"] if self.do else []) + (
            [_fmt(self.evidence)] if self.evidence else [])
        return f"P({head} | {', '.join(conds)})" if conds else f"P({head})"


def finite_number(value: object, what: str) -> float:
    """``value`` as a finite float, else a :class:`QueryError` that starts with ``what`` (which
    should show the value, e.g. ``"X='nan'"``)."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise QueryError(f"{what} is not a number") from None
    if not math.isfinite(x):
        raise QueryError(f"{what} is not a finite number; use a finite value (not nan, inf or "
                         "beyond ±1.8e308)")
    return x


class _Parser:
    """Recursive-descent parser over the raw text, so errors can point at a column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str, pos: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(self.text, self.pos if pos is None else pos, message)

    def found(self) -> str:
        """The character at the cursor, quoted, or "the end of the query"."""
        return repr(self.text[self.pos]) if self.pos < len(self.text) else "the end of the query"

    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.ws()
        return self.text.startswith(s, self.pos)

    def expect(self, s: str, what: str) -> None:
        if not self.peek(s):
            raise self.error(f"expected {what} but found {self.found()}")
        self.pos += len(s)

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        self.ws()
        m = pattern.match(self.text, self.pos)
        if not m:
            raise self.error(f"expected {what} but found {self.found()}")
        self.pos = m.end()
        return m.group(0)

    def value(self) -> str:
        self.ws()
        if self.pos < len(self.text) and self.text[self.pos] in "\"'":
            quote, start = self.text[self.pos], self.pos
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise self.error("unterminated quoted value", start)
            self.pos = end + 1
            return self.text[start + 1 : end]
        return self.match(_VALUE, "a value (state label or number)")

    def threshold(self) -> float:
        """A finite number (the threshold of a tail query); non-finite ones point at the column."""
        self.ws()
        start = self.pos
        text = self.match(_NUMBER, "a number")
        try:
            return finite_number(text, f"threshold {show_value(text)}")
        except QueryError as e:
            raise self.error(str(e), start) from None

    def assign(self) -> tuple[str, str]:
        name = self.match(_NAME, "a variable name")
        self.expect("=", f"'=' after {name if len(name) <= 40 else name[:37] + '...'}")
        return name, self.value()

    def assigns(self, close: str) -> list[tuple[str, str]]:
        out = [self.assign()]
        while self.peek(","):
            self.pos += 1
            out.append(self.assign())
        self.expect(close, f"',' or '{close}'")
        return out

    def parse(self) -> Query:
        self.expect("P", "'P' (queries look like P(Y | do(X=1), Z=0))")
        self.expect("(", "'(' after P")
        start = self.pos
        target = self.match(_NAME, "the target variable")
        counterfactual: list[tuple[str, str]] = []
        if self.text.startswith("{", self.pos):
            if not target.endswith("_") or target == "_":
                raise self.error("a counterfactual subscript is written Y_{X=x}", self.pos)
            target = target[:-1]
            self.pos += 1
            counterfactual = self.assigns("}")
        target_value = comparison = threshold = None
        cmp_ = next((c for c in COMPARISONS if self.peek(c)), None)
        if cmp_:
            self.pos += len(cmp_)
            threshold = self.threshold()
            comparison = cmp_
        elif self.peek("="):
            self.pos += 1
            target_value = self.value()
        if self.peek(","):
            shown = target if len(target) <= 40 else target[:37] + "..."
            raise self.error(f"a query asks about one target variable; ask P({shown} | ...) and each "
                             "other target in a query of its own, and put conditions after '|'")
        do: list[tuple[str, str]] = []
        evidence: list[tuple[str, str]] = []
        close = "'|' or ')'"
        if self.peek("|"):
            self.pos += 1
            close = "',' or ')'"
            while True:
                name_pos = self.pos
                name = self.match(_NAME, "a condition (X=x or do(X=x))")
                if name == "do" and self.peek("("):
                    self.pos += 1
                    do += self.assigns(")")
                else:
                    self.pos = name_pos
                    evidence.append(self.assign())
                if not self.peek(","):
                    break
                self.pos += 1
        self.expect(")", close)
        self.ws()
        if self.pos != len(self.text):
            raise self.error("unexpected text after the query")
        try:
            return Query(target=target, target_value=target_value, comparison=comparison,
                         threshold=threshold, do=tuple(do), counterfactual=tuple(counterfactual),
                         evidence=tuple(evidence))
        except QueryError as e:
            raise QuerySyntaxError(self.text, start, str(e)) from None


def parse_query(text: str | Query) -> Query:
    """Parse a query string (a :class:`Query` passes through unchanged)."""
    if isinstance(text, Query):
        return text
    if not isinstance(text, str):
        raise QueryError(f"a query must be a string or Query, got {type(text).__name__}")
    return _Parser(text).parse()
