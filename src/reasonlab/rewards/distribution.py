"""Scoring distribution answers: TVD, validity, accuracy@t and the reward functions by name.

Let ``a`` be the parsed list, ``g`` the gold distribution, ``TVD = 0.5 * sum |a_i - g_i|``.
"The study" below is the original LLM causal-reasoning study (docs/origins.md); the ``seed_*``
rewards are its own scorers.

=============  ============  ===========  =====================================
reward         unparsable    wrong length right length
=============  ============  ===========  =====================================
``exact``      0             0            1[valid and TVD < tol]
``strict``     0             0.1          0.2 + 0.8 * 1[valid and TVD < tol]
``soft``       0             0.1          0.2 + 0.8 * max(1 - TVD, 0) if valid, else 0.1
``tvd``        0             0            max(1 - TVD, 0) (the study's analysis score)
``seed_*``     the study's ``score_strict`` / ``score_lenient``: its own parser, no validity check
=============  ============  ===========  =====================================

TVD is rounded to 12 decimals before it is compared (the study's float arithmetic counts
``[0.77, 0.23]`` against ``[0.76, 0.24]`` as TVD 0.00999... < 0.01; the ``seed_*`` rewards keep
that). *valid* means every entry lies in [0, 1] and the entries sum to 1 within ``sum_tol``, so
``[0.1, 0.1]`` (soft reward 0.68 under the study's scorer) is not rewarded. ``strict``/``soft``
keep the study's shaping constants so runs are comparable; ``exact`` is the default verifier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .extract import extract_list, seed_list
from .score import Score

ACCURACY_THRESHOLDS = (0.01, 0.02, 0.03)


def tvd(a: Sequence[float], g: Sequence[float]) -> float:
    return 0.5 * float(np.abs(np.asarray(a, float) - np.asarray(g, float)).sum())


def is_valid(a: Sequence[float], sum_tol: float = 0.011) -> bool:
    """Entries in [0, 1] that sum to 1 within ``sum_tol`` (2-dp answers may sum to 0.99/1.01)."""
    arr = np.asarray(a, float)
    return bool(np.all((arr >= 0) & (arr <= 1)) and abs(arr.sum() - 1.0) <= sum_tol)


def accuracy_at(d: float) -> dict[str, float]:
    return {f"acc@{t:g}": float(round(d, 12) <= t) for t in ACCURACY_THRESHOLDS}


def _hit(d: float, correct: bool) -> float:
    return float(correct)


def _closeness(d: float, correct: bool) -> float:
    return max(1.0 - d, 0.0)


def _strict(d: float, correct: bool) -> float:
    return 0.2 + 0.8 * float(correct)


def _soft(d: float, correct: bool) -> float:
    return 0.2 + 0.8 * max(1.0 - d, 0.0)


@dataclass(frozen=True)
class Shaped:
    """One of our distribution rewards (robust parser, validity checked): ``wrong_length`` pays
    a list of the wrong length, ``invalid`` a right-length list that is not a distribution
    (None: ``value`` applies to it too), ``value(TVD, correct)`` everything else."""

    wrong_length: float
    invalid: float | None
    value: Callable[[float, bool], float]

    def __call__(self, text: str, gold: Sequence[float], tol: float) -> Score:
        got = extract_list(text)
        if got.value is None:
            return Score(0.0, False, None, got.reason)
        a = got.value
        if len(a) != len(gold):
            return Score(self.wrong_length, False, a, f"expected {len(gold)} entries, got {len(a)}")
        d = round(tvd(a, gold), 12)  # 1 unit off at 2 decimals is TVD 0.01, not 0.00999...
        valid = is_valid(a)
        correct = valid and d < tol
        reason = got.reason if valid else "not a distribution (entries in [0, 1] summing to 1)"
        reward = self.invalid if not valid and self.invalid is not None else self.value(d, correct)
        return Score(reward, correct, a, reason, {"tvd": d, **accuracy_at(d)})


@dataclass(frozen=True)
class SeedShaped:
    """A reward as the study scored: its own parser (first match), no validity check, raw TVD."""

    value: Callable[[float, bool], float]

    def __call__(self, text: str, gold: Sequence[float], tol: float) -> Score:
        a = seed_list(text)
        if a is None:
            return Score(0.0, False, None, "no match for the original ANSWER regex")
        if len(a) != len(gold):
            return Score(0.1, False, a, f"expected {len(gold)} entries, got {len(a)}")
        d = tvd(a, gold)
        return Score(self.value(d, d < tol), d < tol, a, "", {"tvd": d, **accuracy_at(d)})


RewardFn = Callable[[str, Sequence[float], float], Score]
DISTRIBUTION_REWARDS: dict[str, RewardFn] = {
    "exact": Shaped(wrong_length=0.0, invalid=0.0, value=_hit),
    "strict": Shaped(wrong_length=0.1, invalid=0.1, value=_strict),
    "soft": Shaped(wrong_length=0.1, invalid=0.1, value=_soft),
    "tvd": Shaped(wrong_length=0.0, invalid=None, value=_closeness),
    "seed_strict": SeedShaped(_strict),
    "seed_soft": SeedShaped(_soft),
}


def score_distribution(text: str, gold: Sequence[float], reward: str = "exact",
                       tol: float = 0.01) -> Score:
    """Score ``text`` against ``gold`` with the named reward (see the module table)."""
    return DISTRIBUTION_REWARDS[reward](text, gold, tol)
