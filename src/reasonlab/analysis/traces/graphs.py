"""The graph a question needs, built once per (model, query) and shared by the annotators.

* rung 1: the model's DAG;
* rung 2: the mutilated DAG (edges into every ``do()`` variable removed);
* rung 3: the twin network of the engine (:mod:`reasonlab.causal.discrete_inference`): every
  intervened variable and every descendant of one gets a starred copy ``v*``; an intervened copy
  ``X*`` has no parents, another copy ``v*`` has the copies (or shared originals) of ``v``'s
  parents, and ``v`` and ``v*`` share a latent noise node ``U_v`` (a common parent), which is
  what couples the two worlds. Variables that are not downstream of the intervention are shared
  by both worlds (``v2*`` in a trace means ``v2``).

Variable sets (ids of the graph, latent noise nodes never included):

* ``fixed``: the intervened variables (``X`` on rung 2, ``X*`` on rung 3), constants of the
  graph; claims are checked with them observed unless the claim is about one of them;
* ``ancestral``: the target, the evidence and their ancestors (barren variables sum to one);
* ``required``: ancestral variables other than the target, the evidence and ``fixed`` that are
  d-connected to the target given the evidence and ``fixed`` -- these must be summed out by any
  correct derivation. This departs from "every ancestor": an ancestor d-separated from the target
  (e.g. a parent of the evidence when the evidence is the target's only parent) may be skipped,
  since ``P(Y | Z)`` can then be read off without it; a target fixed by its own evidence
  (rung 3) needs nothing;
* ``allowed``: what may be summed out without it counting as *extra*: the ancestral variables
  and, on rung 3, what the engine's twin factors bring in (the factual twin of a copied variable
  and its factual parents' ancestors, which all sum to one).

:func:`query_graph` caches the graph per model object (weakly) and query text.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ...causal import Query, parse_query
from ...config import ConfigError
from .dsep import ancestors, connected


@dataclass(frozen=True, eq=False)
class QueryGraph:
    """The needed graph of one query. Ids ``< n`` are the model's variables; copies and latent
    noise nodes (rung 3) come after them."""

    query: Query
    model_names: tuple[str, ...]
    model_parents: tuple[tuple[int, ...], ...]  # the model's own DAG (CPTs are over these)
    names: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]
    children: tuple[tuple[int, ...], ...]
    lookup: dict[str, int]  # variable name as a trace writes it (``v3``, ``v3*``) -> id
    latent: frozenset[int]
    target: int
    evidence: frozenset[int]
    fixed: frozenset[int]
    ancestral: frozenset[int]
    required: frozenset[int]
    allowed: frozenset[int]

    @property
    def rung(self) -> int:
        return self.query.rung

    @property
    def n(self) -> int:
        return len(self.model_names)

    @cached_property
    def intervened(self) -> frozenset[int]:
        """The model ids of the intervened variables (``X``, whichever world)."""
        return frozenset(self.model_names.index(k) for k, _ in self.query.interventions)

    @cached_property
    def downstream(self) -> frozenset[int]:
        """The intervened variables and their descendants in the model's own DAG."""
        children = _children(self.model_parents)
        seen, stack = set(self.intervened), list(self.intervened)
        while stack:
            for c in children[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return frozenset(seen)

    def resolve(self, token: str) -> int | None:
        """The id of a variable as written (``v3``, ``v3*``), None for anything else."""
        return self.lookup.get(token)

    @cached_property
    def sort_keys(self) -> tuple[tuple, ...]:
        return tuple(_natural(name) for name in self.names)

    def label(self, ids) -> tuple[str, ...]:
        """Names of ``ids`` sorted by name (``v2 < v10``)."""
        keys = self.sort_keys
        return tuple(self.names[i] for i in sorted(ids, key=keys.__getitem__))


@lru_cache(maxsize=1 << 14)
def _natural(name: str) -> tuple:
    digits = "".join(c for c in name if c.isdigit())
    return (name.rstrip("0123456789*"), int(digits) if digits else -1, name)


def _model_index(names: tuple[str, ...], name: str, q: Query) -> int:
    try:
        return names.index(name)
    except ValueError:
        raise ConfigError(f"meta.query = {str(q)!r}: variable {name!r} is not in the model "
                          f"({', '.join(names)}); is models/<model_id>.json the question's model?") from None


def _twin(names: tuple[str, ...], parents: tuple[tuple[int, ...], ...], order, cut: set[int]):
    """Names, parents and the star map of the twin network (see the module docstring)."""
    n = len(names)
    star: dict[int, int] = {}
    all_names, all_parents = list(names), [tuple(p) for p in parents]
    for v in order:
        if v in cut or any(star[p] != p for p in parents[v]):
            star[v] = len(all_names)
            all_names.append(names[v] + "*")
            all_parents.append(() if v in cut else tuple(star[p] for p in parents[v]))
        else:
            star[v] = v
    latent = set()
    for v in range(n):
        if star[v] != v and v not in cut:
            u = len(all_names)
            latent.add(u)
            all_names.append(f"U_{names[v]}")
            all_parents.append(())
            all_parents[v] = (*all_parents[v], u)
            all_parents[star[v]] = (*all_parents[star[v]], u)
    return tuple(all_names), tuple(all_parents), star, frozenset(latent)


def _children(parents: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    ch: list[list[int]] = [[] for _ in parents]
    for v, pa in enumerate(parents):
        for p in pa:
            ch[p].append(v)
    return tuple(tuple(c) for c in ch)


def build(model, q: Query) -> QueryGraph:
    """The needed graph of ``q`` on ``model`` (any SCM with ``names``, ``parents``, ``dag``)."""
    names, parents = tuple(model.names), tuple(tuple(p) for p in model.parents)
    idx = {k: _model_index(names, k, q) for k in
           [q.target, *(k for k, _ in q.interventions), *(k for k, _ in q.evidence)]}
    cut = {idx[k] for k, _ in q.interventions}
    lookup = {name: i for i, name in enumerate(names)} | {f"{name}*": i for i, name in enumerate(names)}
    latent: frozenset[int] = frozenset()
    if q.rung == 3:
        g_names, g_parents, star, latent = _twin(names, parents, model.dag.order, cut)
        lookup |= {f"{names[v]}*": s for v, s in star.items()}
        target, fixed = star[idx[q.target]], frozenset(star[x] for x in cut)
    else:
        g_names = names
        g_parents = tuple(() if v in cut else pa for v, pa in enumerate(parents))
        target, fixed, star = idx[q.target], frozenset(cut), {}
    evidence = frozenset(idx[k] for k, _ in q.evidence)
    children = _children(g_parents)
    anc = frozenset(ancestors(g_parents, {target, *evidence}) - latent)
    observed = set(evidence | fixed)
    required: frozenset[int] = frozenset()
    if target not in observed:
        reach = connected(g_parents, children, [target], observed)
        required = frozenset((anc & reach) - observed - {target})
    allowed = anc
    if q.rung == 3:
        allowed = anc | _engine_closure(parents, star, target, evidence, cut)
    allowed = frozenset(allowed - observed - {target})
    return QueryGraph(q, names, parents, g_names, g_parents, children, lookup, latent, target,
                      evidence, fixed, anc, required, allowed)


def _engine_closure(parents, star: dict[int, int], target: int, evidence, cut: set[int]) -> set[int]:
    """Variables the engine's twin factors involve: a copied variable brings its factual twin
    and both worlds' parents (``reasonlab.causal.discrete_inference``'s pruning)."""
    factual = {s: v for v, s in star.items() if s != v}
    needed, seen = [target, *evidence], set()
    while needed:
        node = needed.pop()
        v = factual.get(node, node)
        if v in seen or (node in factual and v in cut):
            continue  # an intervened copy is a constant with no inputs
        seen.add(v)
        twin = star.get(v, v) != v and v not in cut
        needed += list(parents[v]) + ([star[p] for p in parents[v]] if twin else [])
    return seen | {star[v] for v in seen if star.get(v, v) != v and v not in cut}


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def query_graph(model, query: str | Query) -> QueryGraph:
    """:func:`build`, cached per model object and query text."""
    per_model = _CACHE.get(model)
    if per_model is None:
        per_model = _CACHE[model] = {}
    key = str(query)
    g = per_model.get(key)
    if g is None:
        g = per_model[key] = build(model, query if isinstance(query, Query) else _parse(key))
    return g


@lru_cache(maxsize=1 << 16)
def _parse(text: str) -> Query:
    """:func:`reasonlab.causal.parse_query`, cached: the same query text recurs across models
    named alike (``v0 .. v9``), and a :class:`Query` is immutable."""
    return parse_query(text)
