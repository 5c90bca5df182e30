"""Text pieces shared by the annotators: variable and number tokens, the split of a trace into
its reasoning and its ANSWER section, and line numbers.

A variable is written as the prompt names it (``v0 .. v14``, or story nouns), optionally with a
star for its counterfactual copy: ``v3*`` (the star must touch the name and must not touch a
number, a name or ``(`` after it, so ``v3 * 0.2`` and ``v3*0.2`` stay products while ``v3* is``
and ``sum_v3* T(...)`` name the copy). A number is a plain decimal (``0.25``, ``.5``, ``3``,
``1e-4``) not glued to a name (the ``1`` of ``v1``). A number right after ``name=`` (``v2=0``)
or a comparison with a name (``v1 > 0.3``) is a value of that variable, not a computed number.

Scans that only look for keywords run on the lower-cased text with plain substring tests first
(:meth:`Trace.has_any`): case-blind regular expressions are several times slower in ``re``, and
most traces hold none of the words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
VAR = NAME + r"(?![A-Za-z0-9_])(?:\*(?![\w(.]))?"  # a whole name, starred or not
VAR_RE = re.compile(VAR)
NUM = r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
NUMBER_RE = re.compile(NUM)  # glued to a name or a variable's value: checked by hand, see numbers()
_VALUE_BEFORE = re.compile(rf"{NAME}\*?\s*(?:[=<>]=?|≥|≤)\s*$")  # ``v2=`` before a number
ANSWER_RE = re.compile(r"^[ \t#*]*(?:final\s+)?answer[ \t*]*(?::|$)[ \t*]*", re.IGNORECASE | re.MULTILINE)


class Number(NamedTuple):
    """A number as written: its value, how many decimals it shows, its offset."""

    value: float
    decimals: int
    start: int

    @property
    def half_unit(self) -> float:
        """Half a unit of the last shown digit: the rounding a written number hides."""
        return 0.5 * 10.0 ** -self.decimals


def decimals_of(token: str) -> int:
    """Decimals shown by a number token (``1.25e-3`` shows 5)."""
    if "e" not in token and "E" not in token:
        dot = token.find(".")
        return 0 if dot < 0 else len(token) - dot - 1
    mantissa, _, exp = token.lower().partition("e")
    d = len(mantissa.partition(".")[2])
    return max(0, d - int(exp))


def _glued(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is part of a name or a longer token."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "_."):
        return True
    return end < len(text) and (text[end].isalnum() or text[end] == "_")


def _is_value(text: str, start: int) -> bool:
    """Whether the number at ``start`` follows ``name=`` (or ``name >``): a variable's value."""
    j = start - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j >= 0 and text[j] in "=<>≥≤" and _VALUE_BEFORE.search(text, max(0, start - 40), start) is not None


def numbers(text: str) -> list[Number]:
    """The computed numbers of ``text`` (values of variables left out), in order."""
    out = []
    for m in NUMBER_RE.finditer(text):
        start, end = m.span()
        if _glued(text, start, end) or _is_value(text, start):
            continue
        token = m.group(0)
        out.append(Number(float(token), decimals_of(token), start))
    return out


@dataclass(frozen=True)
class Trace:
    """A trace split at its last ANSWER line: ``thought`` (everything before; line numbers
    count from the start of the text) and ``answer`` (the text after the marker)."""

    text: str
    thought: str
    answer: str | None

    @cached_property
    def lower(self) -> str | None:
        """``thought`` lower-cased when that keeps every offset (no character lowers to two),
        so a case-blind keyword scan can point into ``thought``; else None."""
        low = self.thought.lower()
        return low if len(low) == len(self.thought) else None

    def has_any(self, words: tuple[str, ...]) -> bool:
        """Whether ``thought`` holds one of the lower-case ``words``, case-blind (a fast filter)."""
        low = self.lower if self.lower is not None else self.thought.lower()
        return any(w in low for w in words)

    @cached_property
    def line_starts(self) -> tuple[int, ...]:
        starts = [0]
        pos = self.text.find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = self.text.find("\n", pos + 1)
        return tuple(starts)

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset of ``text``."""
        return bisect_right(self.line_starts, offset)


def split_trace(text: str) -> Trace:
    """The trace of ``text``. The marker is a line that is just ``ANSWER`` or starts with
    ``Answer:`` (case-insensitive, optionally ``Final``, markdown ``#``/``*`` around it); the
    last one counts; without one there is no answer."""
    pos = text.rfind("ANSWER")  # the usual marker: no regex scan over the whole text
    last = None
    if pos >= 0 and "nswer" not in text[pos + 6:].lower():
        last = ANSWER_RE.match(text, text.rfind("\n", 0, pos) + 1)
    if last is None:
        for m in ANSWER_RE.finditer(text):
            last = m
    if last is None:
        return Trace(text, text, None)
    return Trace(text, text[: last.start()], text[last.end():].strip())
