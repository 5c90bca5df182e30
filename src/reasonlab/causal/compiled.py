"""Compiled variable elimination for rung-1/2 discrete queries (numba), the engine's fast path.

This module is the binding between the engine and the kernels of :mod:`.compiled_kernels` (the
algorithm: pruning, sliced CPTs, min-fill order, elimination): it encodes a model as flat arrays
(:func:`flat_model`, cached on the model) and queries as rows (:func:`fill_row`,
:func:`query_rows`), and runs a whole batch of queries in one compiled call
(:func:`solve_into`, which allocates the scratch buffers once per batch, or
:func:`solve_batch`, which also allocates the result). The two are separate so that each holds
one job: the algorithm there, the data layout and the calling convention here.

The numpy engine stays the reference: tests compare both with brute-force enumeration and
pgmpy, and it still serves rung 3 (twin networks), operation counts and ``Contraction`` plans.
Models are passed as flat arrays (:func:`flat_model`); a query is ``(target, values, cut)`` with
``values[v] = -1`` for free variables.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled_kernels import solve_one
from .discrete import DiscreteSCM

CUT = 1 << 30  # a query row holds x + CUT for a variable intervened on with value x


def flat_model(model: DiscreteSCM) -> tuple[np.ndarray, np.ndarray]:
    """The model as two flat arrays, cached on it: ``ints = [n, cards (n), parent_ptr (n+1),
    cpt_ptr (n+1), parents...]`` and all CPTs concatenated (few arguments: numba's dispatch
    costs per argument, and a one-query call must stay cheap)."""
    if "flat" not in model.memo:
        n = model.n
        pptr = np.zeros(n + 1, dtype=np.int64)
        pptr[1:] = np.cumsum([len(p) for p in model.parents])
        cptr = np.zeros(n + 1, dtype=np.int64)
        cptr[1:] = np.cumsum([c.size for c in model.cpts])
        parents = [p for pa in model.parents for p in pa]
        ints = np.array([n, *model.cards, *pptr, *cptr, *parents], dtype=np.int64)
        cpts = np.concatenate([np.ascontiguousarray(c, dtype=np.float64).ravel() for c in model.cpts])
        model.memo["flat"] = (ints, cpts)
    return model.memo["flat"]


def fill_row(row: np.ndarray, target: int, fixed: dict[int, int], cut: frozenset[int]) -> None:
    """Encode one query into a row of ``-1``: ``[target, value of each variable]`` with x for an
    observed value and x + CUT for an intervened one."""
    row[0] = target
    for v, x in fixed.items():
        row[v + 1] = x + CUT if v in cut else x


def query_rows(n: int, queries: list[tuple[int, dict[int, int], frozenset[int]]]) -> np.ndarray:
    """``(B, n+1)`` rows of :func:`fill_row`."""
    rows = np.full((len(queries), n + 1), -1, dtype=np.int64)
    for r, (target, fixed, cut) in enumerate(queries):
        fill_row(rows[r], target, fixed, cut)
    return rows


def solve_batch(ints: np.ndarray, cpts: np.ndarray, rows: np.ndarray,
                cap: int = 1 << 62) -> tuple[np.ndarray, np.ndarray]:
    """``(probabilities (B, K), totals (B,))`` for the ``B`` rung-1/2 queries of
    :func:`query_rows` on the model of :func:`flat_model`: ``totals[b] = P(e_b | do_b)`` up to
    the rounding of the CPTs, ``probabilities[b, k] = P(Y_b = k | e_b, do_b)`` (zero past the
    target's cardinality; all zero when ``totals[b]`` is zero). Targets must be free. A query
    whose elimination needs a table of more than ``cap`` entries is not computed: its total is
    minus the entries of that table."""
    n = int(ints[0])
    out = np.empty((rows.shape[0], int(ints[1 : n + 1].max()) + 1))
    solve_into(ints, cpts, rows, out, cap)
    return out[:, :-1], out[:, -1]


@njit(cache=True)
def solve_into(ints, cpts, rows, result, cap):
    """:func:`solve_batch` writing into ``result (B, K+1)``: probabilities, then the total
    (returning nothing saves boxing arrays: a one-query call must stay cheap)."""
    n = ints[0]
    cards = ints[1 : n + 1]
    pptr = ints[n + 1 : 2 * n + 2]
    cptr = ints[2 * n + 2 : 3 * n + 3]
    parents = ints[3 * n + 3 :]
    kmax = 0
    for v in range(n):
        kmax = max(kmax, cards[v])
    out = result[:, :kmax]
    maxf = 2 * n + 2
    # scratch: three buffers carved into views (one allocation each, not two dozen)
    sizes = (n + parents.size + 1, maxf * (n + 1), maxf, maxf, n + 1, n + 1, n + 1, n, n, n, n,
             n + 1, maxf, maxf * (n + 1), maxf, n, n)
    ibuf = np.zeros(sum(sizes), np.int64)
    views = []
    at = 0
    for size in sizes:
        views.append(ibuf[at : at + size])
        at += size
    (stack, fscope, flen, fstart, tmp, tmp2, tmp3, loc, ids, fill, size_, union, used_f, st, idx,
     order, values) = views
    fscope = fscope.reshape((maxf, n + 1))
    st = st.reshape((maxf, n + 1))
    loc[:] = -1
    bbuf = np.zeros(n * n + 7 * n + maxf, np.bool_)
    rel, present, dirty, inunion, isfree, cut = (bbuf[0:n], bbuf[n : 2 * n], bbuf[2 * n : 3 * n],
                                                 bbuf[3 * n : 4 * n], bbuf[4 * n : 5 * n],
                                                 bbuf[5 * n : 6 * n])
    alive = bbuf[6 * n : 6 * n + maxf]
    adj = bbuf[6 * n + maxf : 6 * n + maxf + n * n].reshape((n, n))
    masks = np.zeros(max(n, 64), np.uint64)
    w = (rel, stack, fscope, flen, fstart, alive, tmp, tmp2, tmp3, loc, ids, adj, present, fill,
         size_, dirty, union, inunion, used_f, st, idx, isfree, order, masks)
    pool = np.empty(512, np.float64)
    for i in range(rows.shape[0]):
        for v in range(n):
            x = rows[i, v + 1]
            cut[v] = x >= CUT
            values[v] = x - CUT if x >= CUT else x
        for t in range(kmax):
            out[i, t] = 0.0
        pool, over = solve_one(rows[i, 0], values, cut, cards, pptr, parents, cptr, cpts, out[i], w,
                               pool, cap)
        if over > 0.0:
            result[i, kmax] = -over
            continue
        total = 0.0
        for t in range(kmax):
            total += out[i, t]
        result[i, kmax] = total
        if total > 0.0:
            for t in range(kmax):
                out[i, t] /= total
