"""Scoring distribution answers: TVD, validity, accuracy@t and the reward functions by name.

Let ``a`` be the parsed list, ``g`` the gold distribution, ``TVD = 0.5 * sum |a_i - g_i|``.

=============  ============  ===========  =====================================
reward         unparsable    wrong length right length
=============  ============  ===========  =====================================
``exact``      0             0            1[valid and TVD < tol]
``strict``     0             0.1          0.2 + 0.8 * 1[valid and TVD < tol]
``soft``       0             0.1          0.2 + 0.8 * max(1 - TVD, 0) if valid, else 0.1
``tvd``        0             0            max(1 - TVD, 0) (the seed's analysis score)
``seed_*``     the seed's ``score_strict`` / ``score_lenient``: its own parser, no validity check
=============  ============  ===========  =====================================

TVD is rounded to 12 decimals before it is compared (the seed's float arithmetic counts
``[0.77, 0.23]`` against ``[0.76, 0.24]`` as TVD 0.00999... < 0.01; the ``seed_*`` rewards keep
that). *valid* means every entry lies in [0, 1] and the entries sum to 1 within ``sum_tol``, so
``[0.1, 0.1]`` (soft reward 0.68 under the seed) is not rewarded. ``strict``/``soft`` keep the
seed's shaping constants so runs are comparable; ``exact`` is the default verifier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def _shaped(text: str, gold: Sequence[float], tol: float, kind: str) -> Score:
    got = extract_list(text)
    if got.value is None:
        return Score(0.0, False, None, got.reason)
    a = got.value
    if len(a) != len(gold):
        low = 0.0 if kind in ("exact", "tvd") else 0.1
        return Score(low, False, a, f"expected {len(gold)} entries, got {len(a)}")
    d = round(tvd(a, gold), 12)  # 1 unit off at 2 decimals is TVD 0.01, not 0.00999...
    details = {"tvd": d, **accuracy_at(d)}
    valid = is_valid(a)
    correct = valid and d < tol
    reason = got.reason if valid else "not a distribution (entries in [0, 1] summing to 1)"
    if kind == "tvd":
        reward = max(1.0 - d, 0.0)
    elif kind == "exact":
        reward = float(correct)
    elif not valid:
        reward = 0.1
    elif kind == "strict":
        reward = 0.2 + 0.8 * float(correct)
    else:
        reward = 0.2 + 0.8 * max(1.0 - d, 0.0)
    return Score(reward, correct, a, reason, details)


def _seed(text: str, gold: Sequence[float], tol: float, soft: bool) -> Score:
    a = seed_list(text)
    if a is None:
        return Score(0.0, False, None, "no match for the seed's ANSWER regex")
    if len(a) != len(gold):
        return Score(0.1, False, a, f"expected {len(gold)} entries, got {len(a)}")
    d = tvd(a, gold)
    reward = 0.2 + 0.8 * (max(1.0 - d, 0.0) if soft else float(d < tol))
    return Score(reward, d < tol, a, "", {"tvd": d, **accuracy_at(d)})


RewardFn = Callable[[str, Sequence[float], float], Score]
DISTRIBUTION_REWARDS: dict[str, RewardFn] = {
    "exact": lambda t, g, tol: _shaped(t, g, tol, "exact"),
    "strict": lambda t, g, tol: _shaped(t, g, tol, "strict"),
    "soft": lambda t, g, tol: _shaped(t, g, tol, "soft"),
    "tvd": lambda t, g, tol: _shaped(t, g, tol, "tvd"),
    "seed_strict": lambda t, g, tol: _seed(t, g, tol, soft=False),
    "seed_soft": lambda t, g, tol: _seed(t, g, tol, soft=True),
}


def score_distribution(text: str, gold: Sequence[float], reward: str = "exact",
                       tol: float = 0.01) -> Score:
    """Score ``text`` against ``gold`` with the named reward (see the module table)."""
    return DISTRIBUTION_REWARDS[reward](text, gold, tol)
