"""Rule-based annotators of causal reasoning traces (no LLM): what the original study's LLM
judge labelled, computed exactly from the true causal model of each question.

:func:`annotate` / :func:`annotate_many` give one :class:`TraceAnnotation` per trace -- the
independence claims checked by d-separation in the graph the question needs (:mod:`.claims`,
:mod:`.graphs`, :mod:`.dsep`), graph surgery on ``do()`` questions (:mod:`.surgery`), the
variables summed out against those required (:mod:`.marginals`), arithmetic steps recomputed
(:mod:`.arithmetic`), copy errors (:mod:`.copying`) and the strategy label (:mod:`.strategy`);
:func:`summary_table` turns them into per-system rates with Wilson intervals (:mod:`.summary`).
Traces are reasonlab's gold completions or free text in the same variable names.
"""

from .annotate import ModelStore, TraceAnnotation, annotate, annotate_many, load_models
from .arithmetic import ArithmeticSlip, check_arithmetic
from .claims import Claim, find_claims
from .copying import CopyCheck, check_copy
from .graphs import QueryGraph, query_graph
from .marginals import Marginals, check_marginals
from .strategy import STRATEGIES, strategy
from .summary import LABELS, summary_table
from .surgery import Surgery, check_surgery
from .text import Trace, split_trace

__all__ = [
    "LABELS", "STRATEGIES", "ArithmeticSlip", "Claim", "CopyCheck", "Marginals", "ModelStore",
    "QueryGraph", "Surgery", "Trace", "TraceAnnotation", "annotate", "annotate_many",
    "check_arithmetic", "check_copy", "check_marginals", "check_surgery", "find_claims",
    "load_models", "query_graph", "split_trace", "strategy", "summary_table",
]
