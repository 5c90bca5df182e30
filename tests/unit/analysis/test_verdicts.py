"""The verdict logic on synthetic results whose answer is known: held, not held, underpowered
(with the seeds a test would need), against scipy computed directly and exhaustive cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reasonlab.analysis.verdicts import (
    HELD,
    INCONCLUSIVE,
    NOT_HELD,
    TESTS,
    _t_power_seeds,
    at_least,
    greater,
    trend,
)
from reasonlab.config import ConfigError


def test_paired_greater_held_matches_a_direct_t_test():
    a = {0: 0.9, 1: 0.8, 2: 0.85, 3: 0.95}
    b = {0: 0.5, 1: 0.55, 2: 0.4, 3: 0.6}
    v = greater(a, b)
    d = np.array([a[s] - b[s] for s in range(4)])
    assert v.verdict == HELD and v.n == 4 and v.seeds_needed is None
    want = stats.ttest_rel(list(a.values()), list(b.values()), alternative="greater")
    assert v.p == pytest.approx(want.pvalue)
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert v.value == pytest.approx(d.mean()) and v.ci == pytest.approx((d.mean() - half, d.mean() + half))


def test_the_opposite_direction_is_not_held_and_less_is_the_mirror():
    a, b = {0: 0.1, 1: 0.2, 2: 0.15}, {0: 0.6, 1: 0.7, 2: 0.65}
    assert greater(a, b).verdict == NOT_HELD
    v = greater(a, b, sign=-1)
    assert v.verdict == HELD and v.test == "less" and v.value == pytest.approx(-0.5)
    assert v.ci[0] < -0.5 < v.ci[1] or v.ci == pytest.approx((-0.5, -0.5))


def test_noisy_small_effect_is_inconclusive_with_the_seeds_needed():
    rng = np.random.default_rng(0)
    b = {s: 0.5 + 0.1 * rng.standard_normal() for s in range(3)}
    a = {s: b[s] + 0.02 + 0.05 * rng.standard_normal() for s in range(3)}
    v = greater(a, b)
    assert v.verdict == INCONCLUSIVE
    d = np.array([a[s] - b[s] for s in range(3)])
    effect = d.mean() / d.std(ddof=1)
    n = v.seeds_needed
    assert n is not None and n > 3
    # n is the first seed count whose one-sided paired t-test has power >= 0.8 at that effect
    power = lambda k: stats.nct.sf(stats.t.ppf(0.95, k - 1), k - 1, effect * math.sqrt(k))  # noqa: E731
    assert power(n) >= 0.8 > power(n - 1)


def test_power_by_simulation():
    """Seeds needed for d = 1: simulated power of the t-test at that n is about 0.8."""
    n = _t_power_seeds(1.0, 0.05, paired=True)
    rng = np.random.default_rng(1)
    d = rng.standard_normal((20_000, n)) + 1.0
    p = stats.ttest_1samp(d, 0.0, axis=1, alternative="greater").pvalue
    assert n == 8 and abs((p < 0.05).mean() - 0.8) < 0.03


def test_identical_differences_are_decided_without_dividing_by_zero():
    assert greater({0: 1.0, 1: 1.0, 2: 1.0}, {0: 0.0, 1: 0.0, 2: 0.0}).verdict == HELD
    assert greater({0: 0.0, 1: 0.0}, {0: 1.0, 1: 1.0}).verdict == NOT_HELD
    tie = greater({0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.5})
    assert tie.verdict == INCONCLUSIVE and "no difference" in tie.detail


def test_against_one_shared_value_is_a_one_sample_test():
    a = {0: 0.7, 1: 0.75, 2: 0.8}
    v = greater(a, {0: 0.5})
    assert v.p == pytest.approx(stats.ttest_1samp([0.2, 0.25, 0.3], 0.0, alternative="greater").pvalue)
    assert "one-sample" in v.detail and v.verdict == HELD


def test_different_seeds_use_welch():
    a, b = {0: 0.9, 1: 0.8, 2: 0.85}, {5: 0.5, 6: 0.4, 7: 0.45}
    v = greater(a, b)
    want = stats.ttest_ind([0.9, 0.8, 0.85], [0.5, 0.4, 0.45], equal_var=False, alternative="greater")
    assert v.p == pytest.approx(want.pvalue) and "Welch" in v.detail and v.verdict == HELD


def test_at_least_every_seed():
    assert at_least({0: 1.0, 1: 1.0, 2: 1.0}, 1.0).verdict == HELD
    bad = at_least({0: 1.0, 1: 0.9375, 2: 1.0}, 1.0)
    assert bad.verdict == NOT_HELD and bad.value == 0.9375 and "failing seeds [1]" in bad.detail
    few = at_least({0: 1.0}, 1.0, min_seeds=3)
    assert few.verdict == INCONCLUSIVE and few.seeds_needed == 3
    assert at_least({0: 0.1, 1: 0.2, 2: 0.0}, 0.2, sign=-1).verdict == HELD


def test_trend_matches_spearman_and_reports_means():
    points = [(k, s, 0.1 * k + 0.02 * s) for k in (1, 2, 4, 8) for s in range(3)]
    v = trend(points)
    x, y = [p[0] for p in points], [p[2] for p in points]
    want = stats.spearmanr(x, y, alternative="greater")
    assert v.verdict == HELD and v.value == pytest.approx(want.statistic)
    assert v.p == pytest.approx(want.pvalue)
    assert "monotone" in v.detail and "1: 0.12" in v.detail
    assert trend(points, sign=-1).verdict == NOT_HELD
    flat = trend([(k, s, 0.5) for k in (1, 2) for s in range(3)])
    assert flat.verdict == INCONCLUSIVE and "the same everywhere" in flat.detail


def test_weak_trend_is_inconclusive_with_seeds_needed():
    rng = np.random.default_rng(3)
    points = [(k, s, 0.01 * k + rng.standard_normal()) for k in (1, 2, 4, 8) for s in range(2)]
    v = trend(points)
    if v.value > 0:
        assert v.verdict == INCONCLUSIVE and v.seeds_needed > 2
    else:
        assert v.seeds_needed is None


def test_registry_and_bad_values():
    assert set(TESTS) == {"greater", "less", "at_least", "at_most", "increases", "decreases"}
    with pytest.raises(ConfigError, match="no finite value"):
        greater({0: math.nan}, {0: 1.0})
