"""The comparison statistics against direct computations: the permutation p-value against
exhaustive enumeration and against scipy, Holm by hand, bootstrap CI coverage by simulation,
the between-seed t interval by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from reasonlab.analysis.stats import bootstrap_ci, holm, paired_pvalues, seed_ci, swap_signs


def test_permutation_pvalue_equals_exhaustive_enumeration():
    a = np.array([1, 1, 0, 1, 1, 0, 1, 1], dtype=float)
    b = np.array([0, 1, 0, 0, 1, 1, 0, 0], dtype=float)
    d = a - b
    observed = d.mean()  # 0.375
    null = [np.mean(np.array(s) * d) for s in itertools.product((1, -1), repeat=len(d))]
    less = np.mean([x <= observed + 1e-12 for x in null])
    greater = np.mean([x >= observed - 1e-12 for x in null])
    expected = min(1.0, 2 * min(less, greater))
    got = paired_pvalues(a[:, None], b[:, None], n_resamples=9999)[0]
    assert got == pytest.approx(expected, abs=1e-15)
    # by hand: the nonzero d are (1, 1, 1, 1, -1); mean >= 3/8 needs 4 of 5 signs right -> 6/32 of
    # the 2**5 sign patterns of the nonzero pairs
    assert got == pytest.approx(2 * 6 / 32)


def test_permutation_pvalues_match_one_scipy_call_per_pair():
    rng = np.random.default_rng(3)
    a = (rng.random((60, 5)) < 0.55).astype(float)
    b = (rng.random((60, 5)) < 0.45).astype(float)
    a[:, 4], b[:, 4] = rng.random(60), rng.random(60)  # non-binary (means over seeds)
    ours = paired_pvalues(a, b, n_resamples=999, seed=11)
    ref = [stats.permutation_test((a[:, j], b[:, j]), lambda x, y, axis: x.mean(axis) - y.mean(axis),
                                  permutation_type="samples", n_resamples=999, vectorized=True,
                                  rng=np.random.default_rng(11)).pvalue for j in range(5)]
    np.testing.assert_array_equal(ours, ref)


def test_swap_signs_exact_below_the_resample_count():
    signs, exact = swap_signs(3, 9999, seed=0)
    assert exact and signs.shape == (8, 3) and {tuple(s) for s in signs} == set(
        itertools.product((1.0, -1.0), repeat=3))
    signs, exact = swap_signs(20, 500, seed=0)
    assert not exact and signs.shape == (500, 20) and set(np.unique(signs)) == {-1.0, 1.0}


def test_holm_by_hand():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 with m = 4: 0.04, 0.09, max(0.09, 0.08) = 0.09, max(0.09, 0.5)
    np.testing.assert_allclose(holm(p), [0.04, 0.09, 0.09, np.nan, 0.5])
    assert holm(np.array([0.6, 0.7]))[1] == 1.0  # capped


def test_bootstrap_ci_covers_the_truth_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    truth, n, trials = 0.3, 120, 400
    data = (rng.random((n, trials)) < truth).astype(float)  # each column one simulated dataset
    lo, hi = bootstrap_ci(data, n_resamples=1000, seed=1)
    coverage = np.mean((lo <= truth) & (truth <= hi))
    assert 0.91 <= coverage <= 0.98, coverage


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    x = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    assert bootstrap_ci(x, 500, seed=4) == bootstrap_ci(x, 500, seed=4)
    lo, hi = bootstrap_ci(x, 500, seed=4)
    assert lo[0] <= 0.6 <= hi[0]


def test_seed_ci_is_the_t_interval():
    m = np.array([0.5, 0.7, 0.6])
    lo, hi = seed_ci(m)
    half = 4.302652729911275 * np.std(m, ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert (lo, hi) == pytest.approx((0.6 - half, 0.6 + half))
    assert np.isnan(seed_ci(np.array([0.4]))[0])
