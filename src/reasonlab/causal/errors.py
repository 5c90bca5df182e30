"""Exceptions raised by the causal engine.

Every error a user can cause (a malformed query, an unknown variable, an impossible value, a bad
model file) is a :class:`CausalError` with a message that names the offending field or token and
says how to fix it. Zero-probability evidence gets its own type so that dataset generators can catch
it and redraw, while everything else stays a hard error.
"""

from __future__ import annotations

from ..validation import InputError


class CausalError(InputError):
    """Base class for user-facing errors of :mod:`reasonlab.causal`."""


class QueryError(CausalError):
    """A well-formed query that does not fit the model (unknown variable, bad value, ...)."""


class QuerySyntaxError(QueryError):
    """A query string does not follow the grammar; ``position`` is the 0-based column."""

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at column {position}:\n  {text}\n  {pointer}")


class ZeroProbabilityEvidence(CausalError):
    """The evidence of a conditional query has probability zero, so the answer is undefined."""


class ModelError(CausalError):
    """A model (built in code or read from a file) is not a valid SCM."""
