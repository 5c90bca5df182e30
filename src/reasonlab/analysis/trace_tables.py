"""Per-system tables of trace labels (from the LLM judge or the rule-based annotators): the share
of traces with each label -- modeling error, each strategy, each step-error kind -- with a 95%
Wilson interval and n, and the CSV they are written as."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from .judge_schemas import ModelingErrorReply, Reply, StepErrorsReply, StepsReply


@dataclass(frozen=True)
class LabelRate:
    system: str
    label: str
    k: int
    n: int
    rate: float
    lo: float
    hi: float


def rate(system: str, label: str, k: int, n: int) -> LabelRate:
    """``k`` of ``n`` traces carry ``label``: the share with its Wilson 95% interval."""
    if n == 0:
        return LabelRate(system, label, 0, 0, float("nan"), float("nan"), float("nan"))
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return LabelRate(system, label, k, n, k / n, float(ci.low), float(ci.high))


def reply_labels(reply: Reply) -> set[str]:
    """The labels one judge reply gives its trace."""
    if isinstance(reply, ModelingErrorReply):
        return {"modeling_error"} if reply.modeling_error else set()
    labels: set[str] = set()
    if isinstance(reply, StepsReply | StepErrorsReply):
        labels.add(f"strategy={reply.strategy}")
    if isinstance(reply, StepErrorsReply):
        kinds = {k for s in reply.steps for k in s.errors}
        labels |= {f"error={k}" for k in kinds} | ({"any_error"} if kinds else set())
    return labels


def label_rates(labels: Mapping[str, Sequence[set[str]]], universe: Sequence[str]) -> list[LabelRate]:
    """``labels[system]`` = each judged trace's label set; one row per system and label."""
    return [
        rate(system, label, sum(label in s for s in sets), len(sets))
        for system, sets in labels.items()
        for label in universe
    ]


def universe_of(reply_model: type[Reply]) -> list[str]:
    """Every label a reply model can give, in a fixed order."""
    if reply_model is ModelingErrorReply:
        return ["modeling_error"]
    strategies = [f"strategy={s}" for s in ("recursion", "brute force summation", "other")]
    if reply_model is StepsReply:
        return strategies
    kinds = ("calculation", "copy", "formula", "no numeric computation", "other")
    return [*strategies, "any_error", *(f"error={k}" for k in kinds)]


def rates_csv(rows: Sequence[LabelRate]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["system", "label", "k", "n", "rate", "lo", "hi"])
    w.writerows([r.system, r.label, r.k, r.n, r.rate, r.lo, r.hi] for r in rows)
    return buf.getvalue()
