"""Graph surgery on ``do()`` questions (rung 2): did the trace cut the edges into the
intervened variable, or condition on it instead (the classic error)?

Evidence, strongest first:

* **conditioned** -- the observational distribution of ``X`` is used: ``X``'s own CPT as a
  factor of a product or sum (``P(v4=1 | v2) * ...``; surgery deletes that factor), or the
  posterior of a non-descendant of ``X`` given ``X=x`` (``P(v2 | v4=1)``, Bayes' rule run
  backwards through ``X``; after surgery such a variable is independent of ``X``);
* **cut** -- surgery in words (``graph surgery``, ``mutilated graph``, ``remove the incoming
  edges``, ``truncated factorisation``, a back-door adjustment) or a ``do()`` expression set
  equal to a sum (``P(Y | do(X=1)) = sum_Z ...``).

Writing ``P(Y | X=x)`` for the target is *not* evidence either way: in the mutilated graph
conditioning on ``X`` is the same as setting it, so it is only wrong when the observational
distribution of ``X`` or of its ancestors enters, which the conditioned evidence catches. A CPT
of a child of ``X`` (``P(v0 | v2=0, v4=1)`` when ``v0``'s parents are ``v2, v4``) is what a correct
trace multiplies. Verdict: conditioned evidence wins, else cut evidence gives ``cut``, else
``unclear`` (conservative: an error is reported only on positive evidence of it). Rungs 1 and 3
have no verdict (None): rung 3's twin network uses the factual CPT of ``X`` legitimately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .graphs import QueryGraph
from .text import VAR, VAR_RE, Trace

Verdict = Literal["cut", "conditioned", "unclear"]


@dataclass(frozen=True)
class Surgery:
    """The verdict on a ``do()`` question and the text that decided it (line 0: none)."""

    verdict: Verdict
    evidence: str
    line: int


P_EXPR = re.compile(rf"P\(\s*(?P<lhs>{VAR})\s*(?:=\s*[\w.+\-]+)?\s*"
                    r"(?:\|\s*(?P<cond>(?:[^()\n]|\([^()\n]*\))*))?\)")
_CUT = re.compile(
    r"(?i)\b(?:graph\s+surgery|surgery|mutilat\w*|truncated\s+factori[sz]ation|"
    r"back-?door\s+(?:adjustment|formula|criterion)|adjustment\s+formula|"
    r"(?:remov|cut|delet|drop|sever|break)\w*\s+(?:(?:all|the|every|any|its|both)\s+)*"
    r"(?:incoming\s+|inbound\s+)?(?:edges|arrows|links|arcs)|"
    r"(?:edges|arrows|links|arcs)\s+(?:into|to|pointing\s+(?:in)?to|entering)\s+\S+\s+"
    r"(?:are|is|get|gets)\s+(?:removed|cut|deleted|dropped|severed))")
_CUT_HINTS = ("surgery", "mutilat", "truncated", "door", "adjustment", "edge", "arrow", "link", "arc")
_DO_SUM = re.compile(r"P\([^()\n]*do\([^()\n]*\)[^()\n]*\)\s*=\s*(?:\\sum|sum|Σ|∑)")
_PRODUCT = re.compile(r"[*×·]|\\cdot|\\times|\\sum|\bsum|Σ|∑")
_DESCRIBES = re.compile(r"(?i)remov|cut|delet|drop|ignor|replac|discard|no longer")
_ONE = re.compile(r"\s*=\s*1(?:\.0*)?(?![\d.])")
_SPLIT = re.compile(r",(?![^()]*\))")


def _condition(graph: QueryGraph, cond: str | None) -> tuple[set[int], bool]:
    """Model ids of the plain conditions of a ``P(.|cond)`` and whether it has a ``do()``."""
    if not cond:
        return set(), False
    plain, has_do = set(), False
    for item in _SPLIT.split(cond):
        item = item.strip()
        if item.startswith("do("):
            has_do = True
            continue
        m = VAR_RE.match(item)
        v = graph.resolve(m.group(0)) if m else None
        if v is not None:
            plain.add(v % graph.n if v >= graph.n else v)
    return plain, has_do


def _line(text: str, start: int) -> str:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", start)
    return text[a: b if b >= 0 else len(text)]


def _strong(graph: QueryGraph, text: str, m: re.Match, descendants: frozenset[int]) -> bool:
    """Whether ``P(...)`` match ``m`` uses the observational distribution of an intervened X."""
    a = graph.resolve(m["lhs"])
    if a is None:
        return False
    plain, has_do = _condition(graph, m["cond"])
    if has_do:
        return False
    if a in graph.intervened:
        line = _line(text, m.start())
        return (not _ONE.match(text, m.end()) and bool(_PRODUCT.search(line))
                and not _DESCRIBES.search(line))
    return bool(plain & graph.intervened) and a not in descendants and plain != set(graph.model_parents[a])


def check_surgery(trace: Trace, graph: QueryGraph) -> Surgery | None:
    """The surgery verdict of a rung-2 trace (None on other rungs)."""
    if graph.rung != 2:
        return None
    text = trace.thought
    descendants = graph.downstream
    for m in P_EXPR.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue  # "logP(", "TP(": not a probability
        if _strong(graph, text, m, descendants):
            return Surgery("conditioned", m.group(0), trace.line_of(m.start()))
    cut = ((_CUT.search(text) if trace.has_any(_CUT_HINTS) else None)
           or (_DO_SUM.search(text) if "do(" in text else None))
    if cut:
        return Surgery("cut", _line(text, cut.start()).strip(), trace.line_of(cut.start()))
    return Surgery("unclear", "", 0)

