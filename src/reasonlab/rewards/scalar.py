"""Scoring single numbers (a probability), number lists (a Gaussian mean and variance) and
yes/no answers. Exact reward: 1 when within tolerance (or equal), else 0."""

from __future__ import annotations

from collections.abc import Sequence

from .extract import extract_list, extract_number, extract_yes_no
from .score import Score


def score_number(text: str, gold: float, tol: float = 0.01) -> Score:
    """``|a - g| < tol`` (absolute: probabilities)."""
    got = extract_number(text)
    if got.value is None:
        return Score(0.0, False, None, got.reason)
    err = abs(got.value - gold)
    ok = err < tol
    return Score(float(ok), ok, got.value, got.reason, {"abs_error": err})


def score_numbers(text: str, gold: Sequence[float], rel_tol: float = 0.01,
                  abs_tol: float = 0.01) -> Score:
    """Every entry within ``max(abs_tol, rel_tol * |g|)`` of the gold one (Gaussian answers)."""
    got = extract_list(text)
    if got.value is None:
        return Score(0.0, False, None, got.reason)
    a = got.value
    if len(a) != len(gold):
        return Score(0.0, False, a, f"expected {len(gold)} numbers, got {len(a)}")
    errs = [abs(x - g) for x, g in zip(a, gold, strict=True)]
    ok = all(e <= max(abs_tol, rel_tol * abs(g)) for e, g in zip(errs, gold, strict=True))
    return Score(float(ok), ok, a, got.reason, {"max_abs_error": max(errs)})


def score_yes_no(text: str, gold: str) -> Score:
    got = extract_yes_no(text)
    if got.value is None:
        return Score(0.0, False, None, got.reason)
    ok = got.value == gold.lower()
    return Score(float(ok), ok, got.value, got.reason)
