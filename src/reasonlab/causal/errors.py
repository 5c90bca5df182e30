"""Exceptions raised by the causal engine.

Every error a user can cause (a malformed query, an unknown variable, an impossible value, a bad
model file) is a :class:`CausalError` with a message that names the offending field or token and
says how to fix it. Zero-probability evidence gets its own type so that dataset generators can catch
it and redraw, while everything else stays a hard error.
"""

from __future__ import annotations

import math

from ..validation import InputError


class CausalError(InputError):
    """Base class for user-facing errors of :mod:`reasonlab.causal`."""


class QueryError(CausalError):
    """A well-formed query that does not fit the model (unknown variable, bad value, ...)."""


class QuerySyntaxError(QueryError):
    """A query string does not follow the grammar; ``position`` is the 0-based column.

    The message is one line: the query (long ones cut to the text around the column), the column
    and what is wrong there."""

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        super().__init__(f"query {_around(text, position)}, column {position}: {message}")


def _around(text: str, position: int, width: int = 40) -> str:
    """``text`` quoted, cut to ``width`` characters either side of ``position`` when longer."""
    if len(text) <= 2 * width + 20:
        return repr(text)
    lo, hi = max(position - width, 0), position + width
    return ("..." if lo else "") + repr(text[lo:hi]) + ("..." if hi < len(text) else "")


class ZeroProbabilityEvidence(CausalError):
    """The evidence of a conditional query has probability zero, so the answer is undefined."""


class ModelError(CausalError):
    """A model (built in code or read from a file) is not a valid SCM."""


def cells(n: int) -> int | float:
    """A size for a limit message: ``n`` itself up to 10**15, then a float (``inf`` past the float
    range), so a message never prints thousands of digits (Python refuses past 4,300)."""
    if n < 10**15:
        return n
    try:
        return float(n)
    except OverflowError:
        return math.inf


def big(n: int) -> str:
    """An integer for a message: ``1,000`` up to 10**15, then ``~10**40`` (never thousands of digits)."""
    return f"{n:,}" if n < 10**15 else f"~10**{int(n.bit_length() * math.log10(2))}"
