"""Exact inference on discrete SCMs, rungs 1-3, by variable elimination.

Rung 1 and 2. The graph is mutilated (each intervened ``X`` loses its CPT and becomes a variable
whose value is given), pruned to the ancestors of the target and the evidence (barren nodes sum
to one), and eliminated (:mod:`.elimination`).

Rung 3. The twin network of the canonical mechanism. Each noise ``U_i`` is discretised into the
intervals between the CDF breakpoints of *all* parent configurations of ``X_i``; inside one
interval ``X_i`` is a deterministic function of its parents, so ``X_i`` and its counterfactual
copy ``X_i*`` are coupled through the interval they share. Nodes that are not descendants of the
counterfactual interventions are shared by both worlds. For every copied node we eliminate its
noise interval first, locally, which gives the *twin factor*

    T_i[pa, pa*, x, x*] = sum_j len(I_j) [f_i(pa, j) = x] [f_i(pa*, j) = x*],

(variable elimination on the twin network always can start with ``U_i``; its only neighbours are
``pa, pa*, x, x*``), then run the same pruning and elimination as rungs 1-2 with the factual
evidence. Summing ``T_i`` over ``x*`` gives back the CPT, so barren twin nodes still prune.

Variable ids: factual ``X_i`` is ``i``; its counterfactual copy is ``n + i``.

Rungs 1 and 2 run by default in the compiled kernel of :mod:`.compiled` (the same pruning,
order heuristic and elimination, without Python in the loop); the numpy plans below remain the
reference engine (``engine="numpy"``) and serve rung 3 and the operation counts.

Plans (pruned factors + compiled elimination) are cached on the model per query *shape* (target,
intervened and observed variables), so repeated shapes with other values only re-slice and
re-multiply. :func:`solve_many` additionally evaluates a shape once with the intervened and
observed variables kept free, and answers every query of that shape from the one table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from math import prod
from threading import Lock
from typing import NamedTuple

import numpy as np

from ..validation import LimitError, check_limit, limit, show_value
from .discrete import DiscreteSCM
from .elimination import Contraction, Factor, OpCount, compile_contraction
from .errors import QueryError, ZeroProbabilityEvidence
from .query import Query, parse_query

FREE_TABLE_LIMIT = 1 << 16  # largest table (entries) a shape is evaluated with its inputs free



@dataclass(slots=True)
class DiscreteResult:
    """Answer to a discrete query: the distribution of the target, plus how it was computed.

    ``ops`` (sums and products) and ``order`` (eliminated variables, ``X*`` for counterfactual
    copies) describe the textbook elimination of this one query; batched answers compute them on
    first access."""

    query: Query
    variable: str
    values: tuple[str, ...]
    probabilities: np.ndarray
    model_names: tuple[str, ...] = field(repr=False, compare=False, default=())
    plan: Callable[[], Contraction] | None = field(repr=False, compare=False, default=None)

    @property
    def ops(self) -> OpCount:
        return self.plan().ops if self.plan else OpCount()

    @property
    def order(self) -> tuple[str, ...]:
        names, n = self.model_names, len(self.model_names)
        return tuple(names[v % n] + ("*" if v >= n else "") for v in self.plan().order) if self.plan else ()

    @property
    def probability(self) -> float | None:
        """P(target = value) when the query names a target value, else None."""
        if self.query.target_value is None:
            return None
        return float(self.probabilities[self.values.index(self.query.target_value)]
                     if self.query.target_value in self.values
                     else self.probabilities[int(self.query.target_value)])

    def to_dict(self) -> dict:
        out = {"query": str(self.query), "values": list(self.values),
               "probabilities": [float(p) for p in self.probabilities]}
        if self.probability is not None:
            out["probability"] = self.probability
        return out


class _Bound(NamedTuple):
    """A query resolved against a model: variable ids of the (twin) network and state indices."""

    query: Query
    target: int  # id in the network: Y for rungs 1-2, Y* (or a shared Y) for rung 3
    fixed: dict[int, int]  # interventions and evidence
    cut: frozenset[int]  # intervened variables (their factual ids)


def _bind(model: DiscreteSCM, q: Query) -> _Bound:
    if q.comparison is not None:
        raise QueryError(f"{q}: tail probabilities (>, <) need a Gaussian model; for a discrete "
                         "target ask for its distribution, e.g. P(Y | ...) or P(Y=1 | ...)")
    resolve = model.resolve
    y = resolve(q.target, q.target_value)[0]
    interventions: dict[int, int] = {}
    for k, v in q.counterfactual or q.do:
        x, s = resolve(k, v)
        interventions[x] = s
    evidence: dict[int, int] = {}
    for k, v in q.evidence:
        x, s = resolve(k, v)
        evidence[x] = s
    if q.counterfactual:
        n = model.n
        star = _star_map(model, interventions)
        fixed = {n + x: v for x, v in interventions.items()} | evidence
        return _Bound(q, star[y], fixed, frozenset(interventions))
    for x, v in interventions.items():
        if x in evidence and evidence.pop(x) != v:
            raise ZeroProbabilityEvidence(f"{q}: the evidence contradicts the intervention "
                                          f"on {model.names[x]}")
    return _Bound(q, y, interventions | evidence, frozenset(interventions))


def _shape(b: _Bound) -> tuple:
    """What a plan depends on: rung, target, and which variables are intervened on / observed."""
    return (b.query.rung, b.target, tuple(sorted(b.cut)), tuple(sorted(b.fixed)))


def _star_map(model: DiscreteSCM, interventions: Sequence[int]) -> dict[int, int]:
    """Counterfactual id of every variable: ``n+i`` for intervened nodes and their descendants,
    ``i`` (shared with the factual world) for the rest."""
    n, star = model.n, {}
    for v in model.dag.order:
        copied = v in interventions or any(star[p] != p for p in model.parents[v])
        star[v] = n + v if copied else v
    return star


def _twin_factor(model: DiscreteSCM, v: int, q: Query | None = None) -> np.ndarray:
    """``T_v`` over (pa, pa*, x, x*), axes in that order (see module docstring). Where a parent
    is shared by both worlds its two axes carry one label and the elimination takes the diagonal.
    Its size is checked against the limit ``twin_cells`` first (the error names ``q``)."""
    key = ("twin", v)
    if key not in model.memo:
        cdf = model.cdf(v)  # (A, K)
        a, k = cdf.shape
        where = f"{q}: " if q is not None else ""
        check_limit("twin_cells",
                    f"{where}the counterfactual (twin-network) table of {show_value(model.names[v])}",
                    a * a * k * k, "intervene on a variable with fewer descendants, or use a model with "
                    "smaller tables")
        bp = np.unique(np.concatenate(([0.0], cdf.ravel())))
        right, lengths = bp[1:], np.diff(bp)  # intervals (bp[j], bp[j+1]]
        f = (cdf[:, None, :] < right[None, :, None]).sum(-1)  # (A, m): state in interval j
        one_hot = (f[..., None] == np.arange(k)).astype(np.float64)  # (A, m, K)
        t = np.einsum("ajk,j,bjl->abkl", one_hot, lengths, one_hot)  # (A, A, K, K)
        pa_cards = tuple(model.cards[p] for p in model.parents[v])
        model.memo[key] = t.reshape(pa_cards + pa_cards + (k, k))
    return model.memo[key]


def _network(model: DiscreteSCM, b: _Bound) -> tuple[list[Factor], dict[int, int]]:
    """Pruned factors of the (mutilated or twin) network and the cards of every variable id."""
    n, q = model.n, b.query
    cut = b.cut
    star = _star_map(model, cut) if q.rung == 3 else {}
    owner: dict[int, int] = {}
    inputs: dict[int, tuple[int, ...]] = {}
    for v in range(n):
        pa = model.parents[v]
        if q.rung == 3 and star[v] != v and v not in cut:  # twin node
            owner[v] = owner[n + v] = v
            inputs[v] = pa + tuple(star[p] for p in pa)
        elif q.rung == 3 or v not in cut:  # plain CPT node
            owner[v] = v
            inputs[v] = pa
    needed = [b.target] + [var for var in b.fixed if var in owner]
    nodes: set[int] = set()
    while needed:
        node = owner.get(needed.pop())
        if node is not None and node not in nodes:
            nodes.add(node)
            needed.extend(inputs[node])
    factors: list[Factor] = []
    for v in sorted(nodes):
        pa = model.parents[v]
        if owner.get(n + v) == v:
            labels = pa + tuple(star[p] for p in pa) + (v, n + v)
            factors.append((labels, _twin_factor(model, v, q)))
        else:
            factors.append(((*pa, v), model.cpts[v]))
    cards = {i: model.cards[i % n] for i in range(2 * n)}
    return factors, cards


def _plan(model: DiscreteSCM, b: _Bound, free: bool) -> Contraction:
    """Compiled contraction for the bound query's shape, cached on the model."""
    determined = b.target in b.fixed
    key = ("plan", _shape(b), free, determined)
    plan = model.memo.get(key)
    if plan is None:
        factors, cards = _network(model, b)
        fixed_vars = sorted(b.fixed)
        target = () if determined else (b.target,)
        what = f"{b.query}: an intermediate table of variable elimination"
        if free:
            plan = compile_contraction(factors, keep=(*fixed_vars, *target), fixed=(), cards=cards,
                                       what=what)
        else:
            plan = compile_contraction(factors, keep=target, fixed=fixed_vars, cards=cards, what=what)
        model.memo[key] = plan
    return plan


def _zero_evidence(q: Query) -> ZeroProbabilityEvidence:
    return ZeroProbabilityEvidence(f"{q}: the evidence has probability zero"
                                   + (" under the intervention" if q.rung == 2 else "")
                                   + ", so the answer is undefined")


def _finish(model: DiscreteSCM, b: _Bound, table: np.ndarray,
            plan: Callable[[], Contraction], total: float | None = None) -> DiscreteResult:
    """Normalise the unnormalised target table (its sum: ``total``, computed when not given)
    into a result, or raise on zero evidence."""
    total = float(table.sum()) if total is None else float(total)
    q = b.query
    if not total > 0.0:
        raise _zero_evidence(q)
    y = b.target % model.n
    if b.target in b.fixed:
        probs = np.zeros(model.cards[y])
        probs[b.fixed[b.target]] = 1.0
    else:
        probs = table / total
    return DiscreteResult(query=q, variable=model.names[y], values=model.states[y],
                          probabilities=probs, model_names=model.names, plan=plan)


def _compiled_ok(b: _Bound) -> bool:
    return b.query.rung < 3 and b.target not in b.fixed


def solve(model: DiscreteSCM, query: str | Query, engine: str = "compiled") -> DiscreteResult:
    """Exact answer to one query (rung 1, 2 or 3) on a discrete SCM. ``engine="numpy"`` runs
    rungs 1-2 on the numpy plans instead of the compiled kernel (same answers; tests use both)."""
    b = _bind(model, query if isinstance(query, Query) else parse_query(query))
    if engine == "compiled" and _compiled_ok(b):
        return _compiled_one(model, b)
    if engine not in ENGINES:
        raise QueryError(f"engine {show_value(engine)}: choose one of {sorted(ENGINES)}")
    plan = _plan(model, b, free=False)
    return _finish(model, b, plan.evaluate(b.fixed), lambda: plan)


def _by_shape(model: DiscreteSCM, bound: list[_Bound], members: list[int],
              results: list[DiscreteResult | None]) -> None:
    """Queries grouped by shape: one plan per shape; shapes asked several times are evaluated
    once with the intervened and observed variables free, then looked up."""
    groups: dict[tuple, list[int]] = {}
    for i in members:
        groups.setdefault((_shape(bound[i]), bound[i].target in bound[i].fixed), []).append(i)
    for group in groups.values():
        first = bound[group[0]]
        plan = _plan(model, first, free=False)
        size = prod(model.cards[v % model.n] for v in [*first.fixed, first.target])
        free = len(group) > 1 and first.target not in first.fixed and size <= FREE_TABLE_LIMIT
        if free:
            try:
                table = _plan(model, first, free=True).evaluate({})
            except LimitError:  # free inputs make tables larger: answer the queries one by one
                free = False
        if free:
            for i in group:
                b = bound[i]
                results[i] = _finish(model, b, table[tuple(b.fixed[v] for v in sorted(b.fixed))],
                                     lambda plan=plan: plan)
        else:
            for i in group:
                results[i] = _finish(model, bound[i], plan.evaluate(bound[i].fixed), lambda plan=plan: plan)


_KERNEL: list = []  # the compiled module, imported on first use (numba loads slowly)


def _kernel():
    if not _KERNEL:
        from . import compiled

        _KERNEL.append(compiled)
    return _KERNEL[0]


def _compiled_one(model: DiscreteSCM, b: _Bound) -> DiscreteResult:
    """One rung-1/2 query in the compiled kernel, through buffers kept on the model (this is
    the hot path of ``query``: every microsecond of Python here shows in the benchmark). The
    limit ``factor_cells`` is read once, when the model answers its first query this way
    (reading the environment costs about as much as a tenth of a query)."""
    state = model.memo.get("one")
    if state is None:
        k = _kernel()
        row = np.full((1, model.n + 1), -1, dtype=np.int64)
        state = model.memo["one"] = (k.solve_into, k.fill_row, *k.flat_model(model), row,
                                       row[0], np.empty((1, max(model.cards) + 1)), Lock(),
                                       limit("factor_cells"))
    solve_into, fill_row, ints, cpts, row, flat, result, lock, cap = state
    y = b.target
    with lock:  # the buffers are shared by every thread querying this model
        fill_row(flat, y, b.fixed, b.cut)
        try:
            solve_into(ints, cpts, row, result, cap)
        finally:
            for v in b.fixed:
                flat[v + 1] = -1
        total = result[0, -1]
        probs = result[0, : model.cards[y]].copy()
    _check_total(b.query, total)
    if not total > 0.0:
        raise _zero_evidence(b.query)
    return DiscreteResult(b.query, model.names[y], model.states[y], probs, model.names,
                          partial(_plan, model, b, False))


def _check_total(q: Query, total: float) -> None:
    """A negative total from the kernel is minus the entries of a table over the limit."""
    if total < 0:
        size = -float(total)  # the kernel counts in float64: it may be inf
        check_limit("factor_cells", f"{q}: an intermediate table of variable elimination",
                    int(size) if size < 1e15 else size,
                    "ask about fewer variables, or use a model whose graph has a smaller treewidth")


def _compiled(model: DiscreteSCM, bound: list[_Bound], members: list[int],
              results: list[DiscreteResult | None]) -> None:
    """Rung-1/2 queries with a free target, all in one call of the compiled kernel."""
    k = _kernel()
    rows = k.query_rows(model.n, [(bound[i].target, bound[i].fixed, bound[i].cut) for i in members])
    probs, totals = k.solve_batch(*k.flat_model(model), rows, limit("factor_cells"))
    names, states, cards = model.names, model.states, model.cards
    for row, i in enumerate(members):
        b = bound[i]
        _check_total(b.query, totals[row])
        if not totals[row] > 0.0:
            raise _zero_evidence(b.query)
        y = b.target
        results[i] = DiscreteResult(b.query, names[y], states[y], probs[row, : cards[y]], names,
                                    partial(_plan, model, b, False))


# rung-1/2 engines of solve_many: the compiled kernel (default) or numpy plans grouped by shape
ENGINES = {"compiled": _compiled, "numpy": _by_shape}


def solve_many(model: DiscreteSCM, queries: Sequence[str | Query],
               engine: str = "compiled") -> list[DiscreteResult]:
    """Exact answers to many queries on one model, sharing work between them.

    Rung-1/2 queries go to ``ENGINES[engine]``: by default all of them in one call of the
    compiled kernel (:mod:`.compiled`). Rung 3, targets fixed by their evidence, and the
    ``numpy`` engine group queries by shape: one compiled plan per shape, and shapes asked
    several times are evaluated once with their inputs free, then looked up."""
    if engine not in ENGINES:
        raise QueryError(f"engine {show_value(engine)}: choose one of {sorted(ENGINES)}")
    bound = [_bind(model, parse_query(q)) for q in queries]
    results: list[DiscreteResult | None] = [None] * len(bound)
    fast = [i for i, b in enumerate(bound) if _compiled_ok(b)]
    if fast:
        ENGINES[engine](model, bound, fast, results)
    _by_shape(model, bound, [i for i, b in enumerate(bound) if results[i] is None], results)
    return results  # type: ignore[return-value]


@dataclass(frozen=True)
class Elimination:
    """The elimination problem of one query, for explaining it step by step (gold traces):
    the pruned factors, the fixed values, the target id and the elimination order of the plan.
    Ids ``>= n`` are counterfactual copies (``names[id % n] + '*'``)."""

    target: int
    fixed: dict[int, int]
    cut: frozenset[int]
    factors: list[Factor]
    cards: dict[int, int]
    order: tuple[int, ...]
    twins: frozenset[int]  # owners of twin factors (rung 3)


def elimination(model: DiscreteSCM, query: str | Query) -> Elimination:
    """The factors and order :func:`solve` eliminates for ``query``."""
    b = _bind(model, parse_query(query))
    factors, cards = _network(model, b)
    plan = _plan(model, b, free=False)
    n = model.n
    twins = frozenset(lab[-2] for lab, _ in factors if len(lab) >= 2 and lab[-1] == lab[-2] + n)
    return Elimination(target=b.target, fixed=dict(b.fixed), cut=b.cut, factors=factors, cards=cards,
                       order=plan.order, twins=twins)
