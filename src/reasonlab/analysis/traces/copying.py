"""Copy errors: does the ANSWER repeat what the reasoning last computed?

The answer's numbers (``[0.15, 0.85]``, ``0.8544``) are matched against the numbers of the last
lines of the reasoning that hold any -- as many lines back as it takes to have at least as many
numbers as the answer (values of variables such as the ``1`` of ``v0=1`` are not numbers here).
Each answer number ``a`` must match its own number ``v`` of that window with
``|a - v| <= u + h_v``: ``h_v`` half a unit of ``v``'s last digit, and ``u`` what rounding ``a``
allows -- half a unit of its last digit for a single number, a whole unit for a list
(distributions are rounded so they sum to one, largest remainder first, which moves an entry by
up to one unit). An integer answer takes ``v``'s precision. The match ignores order: a trace may
well compute ``P(v0=1)`` before ``P(v0=0) = 1 - P(v0=1)``. A mistyped or dropped number is a copy
error; a yes/no answer is compared with the last comparison written (``Compare a with b``,
``a > b``, ``a vs b``; the first number is read as the question's first probability). No
answer, no numbers or no comparison to compare with: no verdict (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import NUM, Number, Trace, numbers

_COMPARE = re.compile(rf"(?<![\w.=])(?P<a>{NUM})\s*(?:>=|<=|>|<|≥|≤|\bwith\b|\bvs\.?|\bversus\b|"
                      r"(?i:is\s+(?:not\s+)?(?:greater|larger|bigger|higher|smaller|less|lower)\s+than))"
                      rf"\s*(?P<b>{NUM})(?![\w])")
_YES_NO = re.compile(r"(?i)^\W*(yes|no)\b")


@dataclass(frozen=True)
class CopyCheck:
    """The answer's numbers (or yes/no), the last computed numbers and the verdict."""

    answer: tuple[float, ...] | str | None
    last: tuple[float, ...]
    copy_error: bool | None


def _matches(a: Number, v: Number, many: bool) -> bool:
    d = a.decimals if a.decimals > 0 else v.decimals
    unit = 10.0 ** -d if many else 0.5 * 10.0 ** -d
    h = v.half_unit if v.decimals > 0 else 0.0
    return abs(a.value - v.value) <= unit + h + 1e-9


def _window(thought: str, want: int) -> list[Number]:
    """Numbers of the last lines holding numbers, enough of them for ``want``."""
    got: list[Number] = []
    for line in reversed(thought.rstrip().split("\n")):
        found = numbers(line)
        if found:
            got = found + got
            if len(got) >= want:
                break
    return got


def _yes_no(trace: Trace, verdict: str) -> CopyCheck:
    last = None
    for m in _COMPARE.finditer(trace.thought):
        last = m
    if last is None or float(last["a"]) == float(last["b"]):
        return CopyCheck(verdict, (), None)
    a, b = float(last["a"]), float(last["b"])
    return CopyCheck(verdict, (a, b), (a > b) != (verdict == "yes"))


def check_copy(trace: Trace) -> CopyCheck:
    """The copy verdict of ``trace`` (see the module docstring)."""
    if trace.answer is None:
        return CopyCheck(None, (), None)
    yes_no = _YES_NO.match(trace.answer)
    if yes_no:
        return _yes_no(trace, yes_no.group(1).lower())
    wanted = numbers(trace.answer)
    if not wanted:
        return CopyCheck(None, (), None)
    window = _window(trace.thought, len(wanted))
    shown = tuple(a.value for a in wanted)
    if not window:
        return CopyCheck(shown, (), None)
    free, many = list(window), len(wanted) > 1
    for a in wanted:  # closest free number first (tolerances are far below the gaps)
        fits = [v for v in free if _matches(a, v, many)]
        if not fits:
            return CopyCheck(shown, tuple(v.value for v in window), True)
        free.remove(min(fits, key=lambda v: abs(v.value - a.value)))
    return CopyCheck(shown, tuple(v.value for v in window), False)
