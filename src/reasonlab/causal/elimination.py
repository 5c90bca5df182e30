"""Variable elimination compiled once per query shape, evaluated per query values.

A *contraction* takes factors (``labels``: variable ids, ``table``: one axis per label), a set of
``fixed`` variables whose values are given at evaluation time (evidence, interventions) and a list
of ``keep`` variables, and returns the sum over all other variables of the product of the factors,
as a table over ``keep``.

:func:`compile_contraction` does all the work that does not depend on the values: which axes to
slice, a greedy min-fill elimination order (ties broken by table size, then variable id), and for
each elimination the ``numpy.einsum`` call that multiplies the factors mentioning the variable and
sums it out. It also counts the arithmetic a textbook run of that order performs, the difficulty
metadata ``causal_qa`` records per question (docs/origins.md):

* eliminating ``v`` from ``k`` factors whose joint scope has ``S`` entries costs ``(k-1)*S``
  products and ``S - S/card(v)`` sums;
* the final product over the kept variables costs ``(k-1)*S`` products.

:meth:`Contraction.evaluate` then slices the fixed values and runs the einsum steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import prod

import numpy as np

from ..validation import check_limit, limit
from .errors import cells

Labels = tuple[int, ...]
BIG_STEP = 1 << 16  # entries above which a multi-factor einsum step uses a pairwise path
Factor = tuple[Labels, np.ndarray]
Slicer = tuple[tuple[int, int], ...]  # (axis, fixed var) pairs of one factor
Step = tuple[tuple[int, ...], list[Labels], Labels, bool]  # slots, labels, output, big
_FIX = "ask about fewer variables, or use a model whose graph has a smaller treewidth"


@dataclass(frozen=True)
class OpCount:
    """Arithmetic of one elimination run: additions (``sums``) and multiplications."""

    sums: int = 0
    products: int = 0

    def __add__(self, other: OpCount) -> OpCount:
        return OpCount(self.sums + other.sums, self.products + other.products)


@dataclass
class Contraction:
    """A compiled elimination: ``slices`` then ``steps`` (see module docstring)."""

    keep: Labels
    tables: list[np.ndarray]
    slicers: list[tuple[tuple[int, int], ...]]  # per factor: (axis, fixed var) pairs
    steps: list[tuple[tuple[int, ...], list[Labels], Labels, bool]]  # slots, labels, output, big
    order: tuple[int, ...]
    ops: OpCount
    n_vars: int = 0
    width: int = 0  # largest number of variables in one intermediate table

    def evaluate(self, fixed: Mapping[int, int]) -> np.ndarray:
        """The contraction for the given values of the fixed variables, as a table over keep."""
        slots: list[np.ndarray] = []
        for table, slicer in zip(self.tables, self.slicers, strict=True):
            if slicer:
                index: list[object] = [slice(None)] * table.ndim
                for axis, var in slicer:
                    index[axis] = fixed[var]
                table = table[tuple(index)]
            slots.append(table)
        return self.run(slots)

    def run(self, slots: list[np.ndarray]) -> np.ndarray:
        """Run the einsum steps on the (already sliced) factor tables; returns the last table.
        Steps multiplying three or more large tables let numpy pick a pairwise (BLAS) path."""
        for inputs, labels, out, big in self.steps:
            args: list[object] = []
            for slot, lab in zip(inputs, labels, strict=True):
                args += [slots[slot], list(lab)]
            slots.append(np.einsum(*args, list(out), optimize=big))
        return slots[-1]


def _local(labels_list: Sequence[Labels], out: Labels) -> tuple[list[Labels], Labels]:
    """Relabel variable ids to 0..k-1 (numpy.einsum accepts at most 52 distinct labels)."""
    ids: dict[int, int] = {}
    for lab in (*labels_list, out):
        for v in lab:
            ids.setdefault(v, len(ids))
    return [tuple(ids[v] for v in lab) for lab in labels_list], tuple(ids[v] for v in out)


def dedupe_labels(labels: Labels, table: np.ndarray) -> Factor:
    """A factor whose label list repeats a variable becomes one with unique labels (diagonal)."""
    unique = tuple(dict.fromkeys(labels))
    if len(unique) == len(labels):
        return labels, table
    loc, out = _local([labels], unique)
    return unique, np.einsum(table, list(loc[0]), list(out))


def _score(v: int, adj: dict[int, set[int]], cards: Mapping[int, int]) -> tuple[int, int, int]:
    """Greedy min-fill key of eliminating ``v``: fill-in edges, then table size, then id."""
    nb = adj[v]
    fill = sum(len(nb - adj[a]) - 1 for a in nb) // 2
    return fill, prod(cards[u] for u in nb) * cards[v], v


def _slice_factors(factors: Sequence[Factor], keep: Labels, fixed_set: set[int], cards: Mapping[int, int]
                   ) -> tuple[list[np.ndarray], list[Slicer], list[Labels], set[int]]:
    """Per factor (labels made unique): its table, the ``(axis, fixed var)`` pairs to slice and
    the scope left once they are sliced; then a constant-one factor for each ``keep`` variable
    that no factor mentions. Also returns the variables the factors' scopes mention."""
    tables: list[np.ndarray] = []
    slicers: list[Slicer] = []
    scopes: list[Labels] = []
    for labels, table in factors:
        labels, table = dedupe_labels(labels, table)
        slicers.append(tuple((ax, v) for ax, v in enumerate(labels) if v in fixed_set))
        tables.append(table)
        scopes.append(tuple(v for v in labels if v not in fixed_set))
    mentioned = {v for s in scopes for v in s}
    for v in keep:
        if v not in mentioned:
            tables.append(np.ones(cards[v]))
            slicers.append(())
            scopes.append((v,))
    return tables, slicers, scopes, mentioned


def _interaction_graph(scopes: Sequence[Labels]) -> dict[int, set[int]]:
    """Variable -> the variables it shares a factor with."""
    adj: dict[int, set[int]] = {}
    for s in scopes:
        for v in s:
            adj.setdefault(v, set()).update(u for u in s if u != v)
    return adj


def _remove_vertex(v: int, adj: dict[int, set[int]], scores: dict[int, tuple[int, int, int]],
                   cards: Mapping[int, int]) -> None:
    """Eliminate ``v`` from the interaction graph (its neighbours become a clique) and rescore
    the variables whose fill-in count may have changed."""
    nb = adj.pop(v)
    for u in nb:
        adj[u].discard(v)
        adj[u] |= nb
        adj[u].discard(u)
    # only v's neighbours and their neighbours can have a new fill-in count
    for u in nb.union(*(adj[a] for a in nb)):
        if u in scores:
            scores[u] = _score(u, adj, cards)


def _step(used: list[int], live: Mapping[int, Labels], out: Labels, size: int, big_factor: int) -> Step:
    """The einsum step multiplying the factors in slots ``used`` into a table over ``out``."""
    loc, loc_out = _local([live[s] for s in used], out)
    return tuple(used), loc, loc_out, len(used) > 2 and size * big_factor > BIG_STEP


def _eliminate_all(scopes: list[Labels], keep: Labels, cards: Mapping[int, int], cap: int, big_factor: int,
                   what: str) -> tuple[list[Step], list[int], OpCount, int, dict[int, Labels]]:
    """Greedy min-fill elimination of every variable not in ``keep``: the einsum steps, the
    order, their operation count, the width, and the scopes of the factors left (by slot)."""
    live = dict(enumerate(scopes))  # slot -> scope of factors not yet consumed
    adj = _interaction_graph(scopes)
    scores = {v: _score(v, adj, cards) for v in adj if v not in keep}
    steps: list[Step] = []
    order: list[int] = []
    ops, width = OpCount(), 0
    next_slot = len(scopes)
    while scores:
        v = min(scores.values())[2]
        del scores[v]
        order.append(v)
        used = [slot for slot, s in live.items() if v in s]
        union = tuple(dict.fromkeys(u for slot in used for u in live[slot]))
        out = tuple(u for u in union if u != v)
        size = prod(cards[u] for u in union)
        if size // cards[v] > cap:
            check_limit("factor_cells", what, cells(size // cards[v]), _FIX)
        ops += OpCount(sums=size - size // cards[v], products=(len(used) - 1) * size)
        width = max(width, len(union))
        steps.append(_step(used, live, out, size, big_factor))
        for slot in used:
            del live[slot]
        live[next_slot] = out
        next_slot += 1
        _remove_vertex(v, adj, scores, cards)
    return steps, order, ops, width, live


def compile_contraction(factors: Sequence[Factor], keep: Sequence[int],
                        fixed: Sequence[int], cards: Mapping[int, int],
                        big_factor: int = 1,
                        what: str = "an intermediate table of variable elimination") -> Contraction:
    """Compile the elimination of every variable not in ``keep`` or ``fixed``.

    ``keep`` variables that no factor mentions get a constant-one factor (the answer does not
    depend on them). ``keep`` and ``fixed`` must be disjoint. ``big_factor`` scales the table
    sizes used to decide which steps are big enough for a pairwise einsum path (a batch axis
    compiled with card 1 is later evaluated with many rows). Every table the order creates is
    checked against the limit ``factor_cells`` before anything is computed (``what`` names it
    in the error).
    """
    cap = limit("factor_cells")
    keep = tuple(keep)
    tables, slicers, scopes, mentioned = _slice_factors(factors, keep, set(fixed), cards)
    steps, order, ops, width, live = _eliminate_all(scopes, keep, cards, cap, big_factor, what)
    used = list(live)
    if not used:  # nothing to multiply: the empty product
        tables.append(np.ones(()))
        slicers.append(())
        used = [len(tables) - 1]
        live[used[0]] = ()
    size = prod(cards[u] for u in keep)
    check_limit("factor_cells", what, cells(size), _FIX)
    ops += OpCount(products=max(len(used) - 1, 0) * size)
    steps.append(_step(used, live, keep, size, big_factor))
    return Contraction(keep=keep, tables=tables, slicers=slicers, steps=steps, order=tuple(order),
                       ops=ops, n_vars=len(mentioned | set(keep)), width=max(width, len(keep)))
