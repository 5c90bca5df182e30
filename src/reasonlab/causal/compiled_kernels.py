"""The numba kernels of compiled variable elimination (see :mod:`.compiled` for the entry points).

The numpy engine (:mod:`.elimination`, :mod:`.discrete_inference`) spends most of a query's
time in Python: building the pruned network, choosing the order, and one ``einsum`` call per
eliminated variable (``bench/inference.py`` profiles). :func:`solve_one` runs the same
algorithm for one query inside compiled code, on scratch arrays the caller allocates once per
batch:

1. *pruning*: the target and the evidence and their ancestors in the mutilated graph (intervened
   nodes keep no CPT; their value enters through their children's CPTs);
2. *factors*: each relevant CPT sliced at the observed and intervened values;
3. *order*: greedy min-fill on the factors' interaction graph (ties: smaller table, lower id),
   the heuristic of :func:`.elimination.compile_contraction`;
4. *elimination*: for each variable, the product of the factors that mention it, summed over it
   (an odometer over the union of their scopes);
5. the product of what is left: the unnormalised ``P(Y = k, e | do(x))``.

This module holds the algorithm only, every function a top-level ``@njit(cache=True)`` kernel
working on plain arrays; the encoding of models and queries into those arrays, and the batch
loop that carves the scratch buffers, are in :mod:`.compiled`. numba's cache notices edits to a
kernel's own file only: after changing this file, :func:`.compiled.solve_into` (which calls
:func:`solve_one`) keeps its cached code until ``compiled.py`` changes too or the
``__pycache__`` entries are removed.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _relevant(target, values, cut, pptr, parents, rel, stack):
    """Mark factor nodes in ``rel``: ancestors of the target and the observed nodes, not through
    intervened nodes (which own no factor)."""
    n = rel.size
    rel[:] = False
    top = 0
    stack[top] = target
    top += 1
    for v in range(n):
        if values[v] >= 0 and not cut[v]:
            stack[top] = v
            top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        if cut[v] or rel[v]:
            continue
        rel[v] = True
        for j in range(pptr[v], pptr[v + 1]):
            stack[top] = parents[j]
            top += 1


@njit(cache=True)
def _grow(pool, used, need):
    if used + need <= pool.size:
        return pool
    bigger = np.empty(max(2 * pool.size, used + need), np.float64)
    bigger[:used] = pool[:used]
    return bigger


@njit(cache=True)
def _score(u, k, adj, present, cards, ids):
    """Min-fill key of eliminating local variable ``u``: (fill-in edges, table size)."""
    fill = 0
    size = cards[ids[u]]
    for a in range(k):
        if adj[u, a] and present[a]:
            size *= cards[ids[a]]
            for b in range(a + 1, k):
                if adj[u, b] and present[b] and not adj[a, b]:
                    fill += 1
    return fill, size


@njit(cache=True)
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True)
def _lowest(x):
    """Index of the lowest set bit of a non-zero mask."""
    return _popcount((x & (~x + np.uint64(1))) - np.uint64(1))


@njit(cache=True)
def _score_bits(u, masks, cards, ids):
    """Min-fill key of eliminating local variable ``u``: (fill-in edges, table size)."""
    nb = masks[u]
    fill = np.uint64(0)
    size = cards[ids[u]]
    rest = nb
    while rest:
        a = _lowest(rest)
        rest &= rest - np.uint64(1)
        fill += _popcount(nb & ~masks[a])
        size *= cards[ids[a]]
    # each neighbour a counts itself (a is in nb, not in masks[a]); pairs counted twice
    return (np.int64(fill) - np.int64(_popcount(nb))) // 2, size


@njit(cache=True)
def _order_bits(k, lt, fscope, flen, nf, loc, ids, cards, order, masks, fill, size):
    """Greedy min-fill order (ties: smaller table, lower variable id) of the ``k <= 64`` local
    variables except the target ``lt``, on adjacency bitmasks; rescoring only the vertices
    whose neighbourhood, or whose neighbours' adjacency, changed."""
    one = np.uint64(1)
    for a in range(k):
        masks[a] = np.uint64(0)
    for f in range(nf):
        for a in range(flen[f]):
            la = loc[fscope[f, a]]
            for b in range(flen[f]):
                lb = loc[fscope[f, b]]
                if la != lb:
                    masks[la] |= one << np.uint64(lb)
    alive = np.uint64(0)
    for a in range(k):
        alive |= one << np.uint64(a)
    for u in range(k):
        fill[u], size[u] = _score_bits(u, masks, cards, ids)
    steps = k - 1 if lt >= 0 else k
    for step in range(steps):
        lv = -1
        for u in range(k):
            if not (alive >> np.uint64(u)) & one or u == lt:
                continue
            if (lv < 0 or fill[u] < fill[lv] or (fill[u] == fill[lv] and size[u] < size[lv])
                    or (fill[u] == fill[lv] and size[u] == size[lv] and ids[u] < ids[lv])):
                lv = u
        order[step] = lv
        bit = one << np.uint64(lv)
        alive &= ~bit
        nb = masks[lv]
        touched = np.uint64(0)
        rest = nb
        while rest:
            a = _lowest(rest)
            rest &= rest - one
            masks[a] = (masks[a] | nb) & ~(one << np.uint64(a)) & ~bit
            touched |= masks[a]
        touched = (touched | nb) & alive
        while touched:
            a = _lowest(touched)
            touched &= touched - one
            fill[a], size[a] = _score_bits(a, masks, cards, ids)


@njit(cache=True)
def _order_matrix(k, lt, fscope, flen, nf, loc, ids, cards, order, adj, present, fill, size,
                  dirty, mark):
    """:func:`_order_bits` on a boolean adjacency matrix, for more than 64 variables."""
    for a in range(k):
        for b in range(k):
            adj[a, b] = False
        present[a] = True
    for f in range(nf):
        for a in range(flen[f]):
            for b in range(flen[f]):
                if a != b:
                    adj[loc[fscope[f, a]], loc[fscope[f, b]]] = True
    for u in range(k):
        fill[u], size[u] = _score(u, k, adj, present, cards, ids)
    steps = k - 1 if lt >= 0 else k
    for step in range(steps):
        lv = -1
        for u in range(k):
            if not present[u] or u == lt:
                continue
            if (lv < 0 or fill[u] < fill[lv] or (fill[u] == fill[lv] and size[u] < size[lv])
                    or (fill[u] == fill[lv] and size[u] == size[lv] and ids[u] < ids[lv])):
                lv = u
        order[step] = lv
        for a in range(k):
            dirty[a] = False
        for a in range(k):
            if adj[lv, a] and present[a]:
                dirty[a] = True
                for b in range(k):
                    if b != a and adj[lv, b] and present[b]:
                        adj[a, b] = True
        present[lv] = False
        for a in range(k):
            if dirty[a]:
                for b in range(k):
                    if adj[a, b] and present[b]:
                        mark[b] = True
        for a in range(k):
            if present[a] and (dirty[a] or mark[a]):
                fill[a], size[a] = _score(a, k, adj, present, cards, ids)
            mark[a] = False


@njit(cache=True)
def solve_one(target, values, cut, cards, pptr, parents, cptr, cpts, out, w, pool, cap):
    """Unnormalised ``P(target, e | do)`` into ``out``; ``w`` holds scratch arrays (see
    :func:`.compiled.solve_into`), ``pool`` the factor tables. Returns ``(pool, over)``: the
    pool (it may grow) and 0.0, or the entries of the first intermediate table over ``cap``
    (then nothing is computed and ``out`` is left as it was)."""
    (rel, stack, fscope, flen, fstart, alive, tmp, tmp2, tmp3, loc, ids, adj, present, fill,
     size, dirty, union, inunion, used_f, st, idx, isfree, order, masks) = w
    n = cards.size
    _relevant(target, values, cut, pptr, parents, rel, stack)
    used = 0
    nf = 0
    # ---- relevant CPTs, sliced at the observed and intervened values
    for v in range(n):
        if not rel[v]:
            continue
        k = pptr[v + 1] - pptr[v] + 1
        for j in range(k - 1):
            tmp[j] = parents[pptr[v] + j]  # the family, CPT axis order
        tmp[k - 1] = v
        base = cptr[v]
        s = 1
        m = 0
        for j in range(k - 1, -1, -1):
            x = tmp[j]
            if values[x] >= 0:
                base += values[x] * s
            else:
                m += 1
            s *= cards[x]
        # free axes in axis order, with their strides in the CPT
        q = 0
        s = 1
        for j in range(k - 1, -1, -1):
            x = tmp[j]
            if values[x] < 0:
                q += 1
                fscope[nf, m - q] = x
                tmp2[m - q] = s
            s *= cards[x]
        size_f = 1
        for a in range(m):
            size_f *= cards[fscope[nf, a]]
            tmp3[a] = 0
        flen[nf] = m
        pool = _grow(pool, used, size_f)
        fstart[nf] = used
        src = base
        for t in range(size_f):
            pool[used + t] = cpts[src]
            pos = m - 1
            while pos >= 0:
                tmp3[pos] += 1
                src += tmp2[pos]
                if tmp3[pos] < cards[fscope[nf, pos]]:
                    break
                src -= tmp2[pos] * cards[fscope[nf, pos]]
                tmp3[pos] = 0
                pos -= 1
        used += size_f
        alive[nf] = True
        nf += 1
    # ---- interaction graph of the free variables, relabelled 0..k-1
    k = 0
    for f in range(nf):
        for a in range(flen[f]):
            x = fscope[f, a]
            if loc[x] < 0:
                loc[x] = k
                ids[k] = x
                k += 1
    lt = loc[target]
    remaining = k - 1 if lt >= 0 else k
    if k <= 64:
        _order_bits(k, lt, fscope, flen, nf, loc, ids, cards, order, masks, fill, size)
    else:
        _order_matrix(k, lt, fscope, flen, nf, loc, ids, cards, order, adj, present, fill, size,
                      dirty, isfree)
    for step in range(remaining):
        v = ids[order[step]]
        # ---- multiply the factors mentioning v and sum v out (v innermost)
        nu = 0
        nuf = 0
        for f in range(nf):
            if not alive[f]:
                continue
            has = False
            for a in range(flen[f]):
                if fscope[f, a] == v:
                    has = True
            if not has:
                continue
            used_f[nuf] = f
            nuf += 1
            for a in range(flen[f]):
                x = fscope[f, a]
                if x != v and not inunion[x]:
                    inunion[x] = True
                    union[nu] = x
                    nu += 1
        union[nu] = v
        nu += 1
        total = 1
        ftotal = 1.0  # the same in float64, which cannot wrap around
        for p in range(nu):
            total *= cards[union[p]]
            ftotal *= cards[union[p]]
            tmp3[p] = 0
            if p < nu - 1:
                inunion[union[p]] = False
        if ftotal / cards[v] > cap:
            for a in range(k):
                loc[ids[a]] = -1
            return pool, ftotal / cards[v]
        for i in range(nuf):
            f = used_f[i]
            idx[i] = 0
            for p in range(nu):
                st[i, p] = 0
            s = 1
            for a in range(flen[f] - 1, -1, -1):
                x = fscope[f, a]
                for p in range(nu):
                    if union[p] == x:
                        st[i, p] = s
                s *= cards[x]
        cv = cards[v]
        out_size = total // cv
        pool = _grow(pool, used, out_size)
        start = used
        # odometer over the output axes; v (the last union axis) summed in the inner loop
        last = nu - 1
        for t in range(out_size):
            acc = 0.0
            for j in range(cv):
                prod = 1.0
                for i in range(nuf):
                    prod *= pool[fstart[used_f[i]] + idx[i] + j * st[i, last]]
                acc += prod
            pool[start + t] = acc
            pos = last - 1
            while pos >= 0:
                tmp3[pos] += 1
                for i in range(nuf):
                    idx[i] += st[i, pos]
                if tmp3[pos] < cards[union[pos]]:
                    break
                for i in range(nuf):
                    idx[i] -= st[i, pos] * cards[union[pos]]
                tmp3[pos] = 0
                pos -= 1
        used += out_size
        for i in range(nuf):
            alive[used_f[i]] = False
        for p in range(nu - 1):
            fscope[nf, p] = union[p]
        flen[nf] = nu - 1
        fstart[nf] = start
        alive[nf] = True
        nf += 1
    for a in range(k):
        loc[ids[a]] = -1
    # ---- product of what is left (scopes within {target})
    for t in range(cards[target]):
        out[t] = 1.0
    for f in range(nf):
        if not alive[f]:
            continue
        if flen[f] == 0:
            for t in range(cards[target]):
                out[t] *= pool[fstart[f]]
        else:
            for t in range(cards[target]):
                out[t] *= pool[fstart[f] + t]
    return pool, 0.0
