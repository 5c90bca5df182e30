"""Whether a claim held: the tests an experiment's claims are decided by, and the verdict.

A claim is a statement over per-seed values of a measure (:mod:`.measures`): one value per
(arm, seed). Each test returns a :class:`Verdict` -- ``held``, ``not held`` or ``inconclusive``
-- with its statistic, a 95% CI or a p-value, n, and for an inconclusive verdict how many seeds
would give the test 80% power at the effect observed (``seeds_needed``; None when the observed
effect points the other way, where no number of seeds would confirm the claim).

* ``greater`` / ``less``: the mean of side ``a`` exceeds (is below) side ``b``. With the same
  seeds on both sides the seeds are paired (a one-sided paired t-test of ``a - b``); against a
  single value (a warm-up shared by every seed) a one-sample t-test; otherwise Welch's test.
  ``held``: p < alpha; ``not held``: the opposite one-sided test has p < alpha; else
  inconclusive. A sign-flip permutation test would be distribution-free but cannot reach
  p < 0.05 with fewer than five seeds (its smallest p is ``2**-n``), so the t-test it is, and the
  verdict says so.
* ``at_least`` / ``at_most``: every seed's value is >= (<=) ``value`` -- a claim about each seed
  ("100% held-out exact in every seed"); held when all pass, not held when one fails,
  inconclusive with fewer than ``min_seeds`` seeds.
* ``increases`` / ``decreases``: the measure rises (falls) with an arm parameter (``by``):
  Spearman's rank correlation over every (arm, seed) point, one-sided; seeds needed from the
  Fisher z approximation. The per-level means are reported beside it.

Zero variance is decided, not divided by: identical differences that all point one way are
p = 0 for that direction, and all-equal values are inconclusive.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..config import ConfigError

HELD, NOT_HELD, INCONCLUSIVE = "held", "not held", "inconclusive"
POWER = 0.8
MAX_SEEDS = 1000

Values = Mapping[int, float]  # seed -> value


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim's test."""

    verdict: str
    test: str
    statistic: str
    value: float
    ci: tuple[float, float] | None
    p: float | None
    n: int
    seeds_needed: int | None
    detail: str


def _finite(values: Values, side: str) -> dict[int, float]:
    out = {s: float(v) for s, v in values.items() if v is not None and math.isfinite(float(v))}
    if not out:
        raise ConfigError(f"claim side {side!r} has no finite value in any seed; check its measure")
    return out


def _decide(p_claim: float, p_other: float, alpha: float) -> str:
    if p_claim < alpha:
        return HELD
    return NOT_HELD if p_other < alpha else INCONCLUSIVE


def _t_power_seeds(effect: float, alpha: float, paired: bool) -> int | None:
    """Seeds for a one-sided t-test to reach :data:`POWER` at standardised effect ``effect``
    (one-sample/paired; Welch with equal groups otherwise), or None if effect <= 0."""
    if not effect > 0:
        return None
    for n in range(2, MAX_SEEDS + 1):
        df = n - 1 if paired else 2 * n - 2
        nc = effect * math.sqrt(n if paired else n / 2)
        crit = stats.t.ppf(1 - alpha, df)
        if stats.nct.sf(crit, df, nc) >= POWER:
            return n
    return MAX_SEEDS + 1


def _one_sample(d: np.ndarray, alpha: float) -> tuple[float, float, tuple[float, float], float]:
    """(mean, p of mean > 0, 95% t CI, standardised effect) of differences ``d``."""
    mean = float(d.mean())
    if len(d) < 2:
        return mean, math.nan, (math.nan, math.nan), math.nan
    sd = float(d.std(ddof=1))
    if sd <= 1e-12 * max(1.0, abs(mean)):  # identical up to rounding: no t statistic
        p = 0.0 if mean > 0 else (1.0 if mean < 0 else math.nan)
        return mean, p, (mean, mean), math.inf if mean > 0 else (-math.inf if mean < 0 else math.nan)
    res = stats.ttest_1samp(d, 0.0, alternative="greater")
    half = stats.t.ppf(0.975, len(d) - 1) * sd / math.sqrt(len(d))
    return mean, float(res.pvalue), (mean - half, mean + half), mean / sd


def greater(a: Values, b: Values, alpha: float = 0.05, sign: int = 1) -> Verdict:
    """``mean(a) > mean(b)`` (``sign=-1``: ``<``), paired by seed where the seeds match."""
    a, b = _finite(a, "a"), _finite(b, "b")
    name = "greater" if sign > 0 else "less"
    if len(b) == 1 and (len(a) > 1 or set(a) != set(b)):
        (ref,) = b.values()
        d, how, paired = sign * (np.array(list(a.values())) - ref), "one-sample t-test against b", True
    elif set(a) == set(b):
        seeds = sorted(a)
        d = sign * np.array([a[s] - b[s] for s in seeds])
        how, paired = "paired t-test over seeds", True
    else:
        return _welch(a, b, alpha, sign, name)
    mean, p, ci, effect = _one_sample(d, alpha)
    if math.isnan(p):
        note = "one value per side: no test" if len(d) < 2 else "no difference in any seed"
        return Verdict(INCONCLUSIVE, name, "mean difference a - b", sign * mean, None, None, len(d),
                       _t_power_seeds(effect, alpha, True) if len(d) >= 2 else 3, note)
    verdict = _decide(p, 1.0 - p, alpha)  # the opposite one-sided test
    ci_signed = (sign * ci[0], sign * ci[1]) if sign > 0 else (sign * ci[1], sign * ci[0])
    needed = _t_power_seeds(effect, alpha, paired) if verdict == INCONCLUSIVE else None
    return Verdict(verdict, name, "mean difference a - b", sign * mean, ci_signed, p, len(d), needed,
                   f"{how}, one-sided, alpha {alpha}")


def _welch(a: dict[int, float], b: dict[int, float], alpha: float, sign: int, name: str) -> Verdict:
    x, y = np.array(list(a.values())), np.array(list(b.values()))
    diff = float(x.mean() - y.mean())
    if len(x) < 2 or len(y) < 2 or max(x.std(), y.std()) <= 1e-12 * max(1.0, abs(diff)):
        p = 0.0 if sign * diff > 0 else (1.0 if sign * diff < 0 else math.nan)
        verdict = INCONCLUSIVE if math.isnan(p) or len(x) + len(y) < 4 else _decide(p, 1 - p, alpha)
        return Verdict(verdict, name, "mean difference a - b", diff, None, None if math.isnan(p) else p,
                       len(x) + len(y), 3 if verdict == INCONCLUSIVE else None, "too few values for Welch")
    res = stats.ttest_ind(x, y, equal_var=False, alternative="greater" if sign > 0 else "less")
    p = float(res.pvalue)
    pooled = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    verdict = _decide(p, 1.0 - p, alpha)
    needed = _t_power_seeds(sign * diff / pooled, alpha, False) if verdict == INCONCLUSIVE else None
    return Verdict(verdict, name, "mean difference a - b", diff, None, p, len(x) + len(y), needed,
                   f"Welch's t-test (different seeds), one-sided, alpha {alpha}")


def at_least(a: Values, value: float, min_seeds: int = 3, sign: int = 1) -> Verdict:
    """Every seed's value >= ``value`` (``sign=-1``: <=)."""
    a = _finite(a, "a")
    name = "at_least" if sign > 0 else "at_most"
    passed = [s for s, v in a.items() if sign * (v - value) >= -1e-12]
    failed = sorted(set(a) - set(passed))
    worst = min(a.values()) if sign > 0 else max(a.values())
    if failed:
        verdict, needed = NOT_HELD, None
        detail = f"{len(passed)}/{len(a)} seeds pass; failing seeds {failed}"
    elif len(a) < min_seeds:
        verdict, needed = INCONCLUSIVE, min_seeds
        detail = f"all {len(a)} seeds pass, but the claim asks for at least {min_seeds} seeds"
    else:
        verdict, needed, detail = HELD, None, f"all {len(a)} seeds pass"
    return Verdict(verdict, name, "worst seed" + (f" (need >= {value})" if sign > 0 else
                   f" (need <= {value})"), worst, None, None, len(a), needed, detail)


def trend(points: Sequence[tuple[float, int, float]], alpha: float = 0.05, sign: int = 1) -> Verdict:
    """Spearman correlation of value with level over ``(level, seed, value)`` points, one-sided
    (``sign=-1``: decreasing)."""
    pts = [(float(x), float(v)) for x, _, v in points if v is not None and math.isfinite(float(v))]
    name = "increases" if sign > 0 else "decreases"
    levels = sorted({x for x, _ in pts})
    means = {x: float(np.mean([v for lx, v in pts if lx == x])) for x in levels}
    shown = ", ".join(f"{x:g}: {m:.3g}" for x, m in means.items())
    if len(levels) < 2 or len(pts) < 3:
        return Verdict(INCONCLUSIVE, name, "Spearman rho", math.nan, None, None, len(pts), 3,
                       f"needs at least two levels and three points; means {shown}")
    x, y = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    if np.all(y == y[0]):
        return Verdict(INCONCLUSIVE, name, "Spearman rho", math.nan, None, None, len(pts), None,
                       f"the measure is the same everywhere ({y[0]:g})")
    res = stats.spearmanr(x, y, alternative="greater" if sign > 0 else "less")
    rho, p = float(res.statistic), float(res.pvalue)
    other = float(stats.spearmanr(x, y, alternative="less" if sign > 0 else "greater").pvalue)
    verdict = _decide(p, other, alpha)
    needed = None
    if verdict == INCONCLUSIVE and sign * rho > 0:
        z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(POWER)
        total = (z / math.atanh(min(abs(rho), 0.999999))) ** 2 + 3
        needed = min(MAX_SEEDS + 1, math.ceil(total / len(levels)))
    monotone = all(sign * (means[b] - means[a]) >= 0 for a, b in itertools.pairwise(levels))
    return Verdict(verdict, name, "Spearman rho", rho, None, p, len(pts), needed,
                   f"means by level {shown}; {'monotone' if monotone else 'not monotone'}; "
                   f"one-sided, alpha {alpha}")


@dataclass(frozen=True)
class TestKind:
    """How a claim's test reads its sides: two sides (a, b), one side and a value, or a trend."""

    shape: str  # "pair", "value" or "trend"
    run: Callable[..., Verdict]


TESTS: dict[str, TestKind] = {
    "greater": TestKind("pair", lambda a, b, alpha, **_: greater(a, b, alpha, 1)),
    "less": TestKind("pair", lambda a, b, alpha, **_: greater(a, b, alpha, -1)),
    "at_least": TestKind("value", lambda a, value, min_seeds, **_: at_least(a, value, min_seeds, 1)),
    "at_most": TestKind("value", lambda a, value, min_seeds, **_: at_least(a, value, min_seeds, -1)),
    "increases": TestKind("trend", lambda points, alpha, **_: trend(points, alpha, 1)),
    "decreases": TestKind("trend", lambda points, alpha, **_: trend(points, alpha, -1)),
}
