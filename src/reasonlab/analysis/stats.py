"""The statistics of a comparison: bootstrap CIs, a paired sign-flip permutation test, Holm.

* :func:`bootstrap_ci`: percentile bootstrap of the mean over examples, many columns at once. A
  resample is a multinomial count vector ``w`` (how often each example is drawn), so the means of
  every column of one resample are one matrix product ``W @ V / n``.
* :func:`paired_pvalues`: the paired sign-flip permutation test of ``mean(a - b) = 0``,
  two-sided, for many pairs at once. It draws the same swaps ``scipy.stats.permutation_test(...,
  permutation_type="samples")`` draws with the same ``Generator`` seed (``rng.permuted`` of the
  pair indices), enumerates all ``2**n`` swaps when that is no more than ``n_resamples`` (as
  scipy does), and counts ties with scipy's relative tolerance, so every p-value equals what one
  scipy call per pair gives -- the original pipeline's way, at a fraction of the cost (one
  matrix product per block of resamples for all pairs of a slice).
* :func:`holm`: Holm's step-down adjustment (the original pipeline had no correction).
* :func:`seed_ci`: a t interval over seeds (between-seed variation).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

_BLOCK = 1024  # resamples per matrix product (bounds memory: block x n floats)


def bootstrap_ci(values: np.ndarray, n_resamples: int = 2000, seed: int = 0,
                 level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CI of the column means of ``values: (n, k)``; returns ``(lo, hi)``, each ``(k,)``."""
    values = np.asarray(values, dtype=np.float64)
    n, k = values.shape
    if n == 0:
        return np.full(k, np.nan), np.full(k, np.nan)
    rng = np.random.default_rng(seed)
    means = np.empty((n_resamples, k))
    for start in range(0, n_resamples, _BLOCK):
        size = min(_BLOCK, n_resamples - start)
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=size)  # (size, n) counts
        means[start : start + size] = w @ values / n
    alpha = (1.0 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def swap_signs(n: int, n_resamples: int, seed: int) -> tuple[np.ndarray, bool]:
    """``(signs, exact)``: ``signs: (R, n)`` in {+1, -1}, -1 where pair ``i`` is swapped, drawn as
    ``scipy.stats.permutation_test`` draws them for a paired two-sample test."""
    if 2**n <= n_resamples:
        signs = np.array(list(itertools.product((1, -1), repeat=n)), dtype=np.float64)
        return signs.reshape(-1, n), True
    rng = np.random.default_rng(seed)
    indices = np.tile(np.arange(2), (n_resamples, n, 1))
    permuted = rng.permuted(indices, axis=-1)  # (R, n, 2): [1, 0] = the pair swapped
    return np.where(permuted[..., 0] == 1, -1.0, 1.0), False


def paired_pvalues(a: np.ndarray, b: np.ndarray, n_resamples: int = 9999, seed: int = 0) -> np.ndarray:
    """Two-sided p-values of ``mean(a[:, j]) = mean(b[:, j])`` for paired columns, ``a, b: (n, k)``.

    Equal, column by column, to ``scipy.stats.permutation_test((a[:, j], b[:, j]),
    lambda x, y, axis: x.mean(axis) - y.mean(axis), permutation_type="samples",
    n_resamples=n_resamples, rng=np.random.default_rng(seed)).pvalue``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n, k = a.shape
    observed = a.mean(axis=0) - b.mean(axis=0)  # (k,)
    signs, exact = swap_signs(n, n_resamples, seed)
    gamma = np.abs(np.finfo(np.float64).eps * 100 * observed)
    less = np.zeros(k, dtype=np.int64)
    greater = np.zeros(k, dtype=np.int64)
    for start in range(0, len(signs), _BLOCK):
        s = signs[start : start + _BLOCK]  # (R', n)
        # a swapped pair exchanges a_i and b_i: each side's mean, as scipy computes the statistic
        x = ((1 + s) / 2) @ a + ((1 - s) / 2) @ b
        y = ((1 - s) / 2) @ a + ((1 + s) / 2) @ b
        null = x / n - y / n  # (R', k)
        less += np.count_nonzero(null <= observed + gamma, axis=0)
        greater += np.count_nonzero(null >= observed - gamma, axis=0)
    adjust = 0 if exact else 1
    total = len(signs) + adjust
    p = np.minimum((less + adjust) / total, (greater + adjust) / total) * 2
    return np.clip(p, 0.0, 1.0)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1); NaNs stay NaN."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


CORRECTIONS = {"holm": holm, "none": lambda p: np.asarray(p, dtype=np.float64)}


def seed_ci(seed_means: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """t interval of the mean over seeds (``seed_means: (m,)``); NaN for fewer than 2 seeds."""
    m = len(seed_means)
    if m < 2:
        return float("nan"), float("nan")
    centre = float(np.mean(seed_means))
    half = float(stats.t.ppf(0.5 + level / 2, m - 1) * np.std(seed_means, ddof=1) / np.sqrt(m))
    return centre - half, centre + half


def sem(values: np.ndarray) -> np.ndarray:
    """Standard error of the column means of ``values: (n, k)`` (0 for one example)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return np.zeros(values.shape[1:])
    return stats.sem(values, axis=0, ddof=1)
