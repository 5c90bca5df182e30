"""Marginalisation: which variables a trace sums out, against the ones the question needs summed.

Summations recognised: the gold trace's ``Eliminate v2: ...`` lines, subscripted sums
(``sum_v2``, ``sum_{v1, v2}``, ``\\sum_{v1=0}^{1}``, ``Σ_{v1}``, ``∑_{v1 ∈ {0,1}}``) and words
(``sum over v2``, ``summing out v3 and v4``, ``marginalise v3``, ``eliminating v1``, ``sum over
the values of v2``); a negated mention (``no need to sum over v3``) does not count.

Compared with :class:`.graphs.QueryGraph`: ``missing`` are the *required* variables (ancestors
of the target and evidence that stay d-connected to the target; see :mod:`.graphs` for why this
is narrower than "every ancestor") that are never summed; ``extra`` are summed variables outside
the *allowed* set (not ancestors of the target or evidence -- barren ones sum to one, so summing
them is wasted work rather than a wrong model -- or the target, the evidence or an intervened
variable, which must not be summed). Variables are compared as the needed graph names them:
``v3*`` is the counterfactual copy on rung 3, a plain name on rungs 1-2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .graphs import QueryGraph
from .text import VAR, Trace

_SUB = re.compile(r"(?:\\sum|\bsum|\bSum|Σ|∑)\s*_\s*(?:\{(?P<braced>(?:[^{}\n]|\{[^{}\n]*\})*)\}|"
                  rf"(?P<bare>{VAR}))")
_LIST = rf"{VAR}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*){VAR})*"
_WORDS = re.compile(
    r"(?i:(?:\b(?:sum(?:s|med|ming)?|marginali[sz](?:e|es|ed|ing)|eliminat(?:e|es|ed|ing)|"
    r"integrat(?:e|es|ed|ing))|Σ|∑)(?:\s+(?:it|them))?(?:\s+(?:out|over))?"
    r"(?:\s+(?:all\s+)?(?:the\s+)?(?:possible\s+)?(?:values?|states?|variables?)(?:\s+of)?)?)"
    rf"\s+(?P<list>{_LIST})")
_NAMES = re.compile(VAR)
_NEG = re.compile(r"(?i)(?:n't|\bnot|\bno\s+need\s+to|\bwithout|\bnever|\bneedn't)\s+(?:\w+\s+){0,3}$")
_NEG_WORDS = ("n't", "not", "no need", "without", "never")
_KEYWORD = re.compile(r"sum|margin|elimin|integrat|σ|∑")  # where a summation may start (lower case)
_KEYWORD_ANY_CASE = re.compile(r"(?i)sum|margin|elimin|integrat|Σ|∑")


@dataclass(frozen=True)
class Marginals:
    """What was summed out and how that compares with what the question needs."""

    marginalised: tuple[str, ...]
    required: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    sums: int  # lines with a summation over at least one variable of the model
    widest: int  # most variables summed in one step


def _negated(text: str, start: int) -> bool:
    """Whether the summation at ``start`` is negated (``no need to sum over v3``)."""
    before = text[max(0, start - 40): start].lower()
    return any(w in before for w in _NEG_WORDS) and _NEG.search(before) is not None


def _summed(graph: QueryGraph, text: str, low: str | None) -> tuple[set[int], int, int]:
    """Ids summed out in ``text`` (``low``: it lower-cased, offsets kept, or None), the number of
    summation lines and the widest step."""
    ids: set[int] = set()
    lines: set[int] = set()
    widest = 0
    hits = _KEYWORD.finditer(low) if low is not None else _KEYWORD_ANY_CASE.finditer(text)
    for k in hits:
        start = k.start() - (k.start() > 0 and text[k.start() - 1] == "\\")
        for pattern, group in ((_SUB, None), (_WORDS, "list")):
            m = pattern.match(text, start)
            if m is None:
                continue
            body = m[group] if group else (m["braced"] if m["braced"] is not None else m["bare"])
            found = {v for t in _NAMES.findall(body) if (v := graph.resolve(t)) is not None}
            if found and not _negated(text, start):
                ids |= found
                lines.add(text.rfind("\n", 0, m.start()))
                widest = max(widest, len(found))
    return ids, len(lines), widest


def check_marginals(trace: Trace, graph: QueryGraph) -> Marginals:
    """The marginalisation of the reasoning part of ``trace`` on ``graph``."""
    ids, steps, widest = _summed(graph, trace.thought, trace.lower)
    return Marginals(marginalised=graph.label(ids), required=graph.label(graph.required),
                     missing=graph.label(graph.required - ids), extra=graph.label(ids - graph.allowed),
                     sums=steps, widest=widest)
