"""Strategy: recursion over parents, brute-force summation of the full joint, or other -- the
three labels of the original study's LLM judge (:data:`reasonlab.analysis.judge_schemas.Strategy`).

* ``brute force summation``: the trace says so (``full joint``, ``enumerate all combinations /
  assignments / configurations``, ``sum over all variables``) or sums out at least two variables,
  and every required one, in a single step (``sum_{v1, v2, v3} P(v1) P(v2 | v1) ...``);
* ``recursion``: variables are summed out one step at a time (a parent's marginal first, then
  its child's: ``P(v2) = sum_v1 ...``, then ``P(v3) = sum_v2 ...``), or the trace names the
  method (``recursively``, ``variable elimination``, ``topological order``). The gold traces'
  variable elimination -- one ``Eliminate`` line per variable -- is this label: it is the same
  recursion with intermediate tables, in min-fill rather than topological order;
* ``other``: neither (e.g. a question answered by one CPT lookup and a normalisation, nothing
  summed).
"""

from __future__ import annotations

import re

from ..judge_schemas import Strategy
from .marginals import Marginals
from .text import Trace

_BRUTE = re.compile(r"(?i)\bfull\s+joint|\bbrute[\s-]*force|\benumerat\w*|"
                    r"\ball\s+(?:\d+\s+)?(?:possible\s+)?(?:combinations|configurations|assignments|"
                    r"joint\s+states)|\bsum(?:ming)?\s+over\s+all\s+(?:the\s+)?(?:other\s+)?variables")
_RECURSION = re.compile(r"(?i)\brecursi\w*|\bvariable\s+elimination|\btopological\s+order|"
                        r"\bparents?\s+first")

_BRUTE_HINTS = ("joint", "brute", "enumerat", "combinations", "configurations", "assignments", "over all")
_RECURSION_HINTS = ("recursi", "variable elimination", "topological", "first")
STRATEGIES: tuple[Strategy, ...] = ("recursion", "brute force summation", "other")


def strategy(trace: Trace, marginals: Marginals) -> Strategy:
    """The strategy label of ``trace`` given what it sums out."""
    text = trace.thought
    need = len(marginals.required)
    at_once = marginals.widest >= max(2, need) and marginals.sums == 1
    if at_once or (trace.has_any(_BRUTE_HINTS) and _BRUTE.search(text)):
        return "brute force summation"
    if marginals.sums or (trace.has_any(_RECURSION_HINTS) and _RECURSION.search(text)):
        return "recursion"
    return "other"
