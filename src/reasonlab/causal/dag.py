"""Directed acyclic graphs: the structure shared by discrete and linear-Gaussian SCMs.

A :class:`DAG` stores variables by integer index with a parent tuple per variable. The index order
is *not* required to be topological: random graphs are drawn in a topological order and then their
names are shuffled onto indices (``v0 .. v{n-1}``), so that neither names nor the order in which a
model lists its variables leak a topological sort (the original causal-reasoning study's
generator leaked it, see docs/origins.md).

Graph algorithms here are small pure-Python loops over parent tuples: on graphs of tens of nodes
they are faster than building a networkx graph, which is used only where it brings an algorithm
(Weisfeiler-Lehman hashing, min-fill treewidth).
"""

from __future__ import annotations

import difflib
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..validation import check_limit, show_value
from .errors import ModelError, QueryError


@dataclass(frozen=True, eq=False)
class DAG:
    """A DAG over named variables. ``parents[i]`` lists the parent indices of variable ``i``."""

    names: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.names)
        check_limit("nodes", "variables in the model", n, "use a smaller model")
        if len(self.parents) != n:
            raise ModelError(f"DAG has {n} names but {len(self.parents)} parent lists")
        if len(set(self.names)) != n:
            dup = sorted(x for x, c in Counter(self.names).items() if c > 1)
            raise ModelError(f"duplicate variable names {show_value(dup)}; every variable needs its own name")
        for i, pa in enumerate(self.parents):
            if len(set(pa)) != len(pa) or any(not 0 <= p < n or p == i for p in pa):
                raise ModelError(f"variable {show_value(self.names[i])} has invalid parents {pa}")
        _ = self.order  # raises on cycles

    @property
    def n(self) -> int:
        return len(self.names)

    @cached_property
    def index_of(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def index(self, name: str) -> int:
        """Index of ``name``; an unknown name raises :class:`QueryError` with close matches."""
        try:
            return self.index_of[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.names, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(self.names[:12]) + (" ..." if self.n > 12 else "")
            raise QueryError(f"unknown variable {show_value(name)} (the model has {known}){hint}") from None

    @cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        ch: list[list[int]] = [[] for _ in self.names]
        for i, pa in enumerate(self.parents):
            for p in pa:
                ch[p].append(i)
        return tuple(tuple(c) for c in ch)

    @cached_property
    def order(self) -> tuple[int, ...]:
        """A topological order (Kahn's algorithm, smallest index first, so it is deterministic)."""
        indeg = [len(pa) for pa in self.parents]
        ready = sorted(i for i, d in enumerate(indeg) if d == 0)
        out: list[int] = []
        while ready:
            i = ready.pop(0)
            out.append(i)
            for c in self.children[i]:
                indeg[c] -= 1
                if indeg[c] == 0:
                    ready.append(c)
            ready.sort()
        if len(out) != self.n:
            done = set(out)
            cyc = [self.names[i] for i in range(self.n) if i not in done]
            raise ModelError(f"the graph has a directed cycle through {show_value(cyc)}; an SCM must be "
                             "acyclic")
        return tuple(out)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Edges as ``(parent, child)`` name pairs, sorted by name."""
        return sorted((self.names[p], self.names[i]) for i, pa in enumerate(self.parents) for p in pa)

    def ancestors(self, nodes: Iterable[int], cut: Iterable[int] = ()) -> set[int]:
        """``nodes`` and every node with a directed path into them, after removing the incoming
        edges of ``cut`` (graph surgery for interventions)."""
        cut = set(cut)
        seen = set(nodes)
        stack = list(seen)
        while stack:
            v = stack.pop()
            if v in cut:
                continue
            for p in self.parents[v]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    def descendants(self, nodes: Iterable[int]) -> set[int]:
        """``nodes`` and every node reachable from them by directed edges."""
        seen = set(nodes)
        stack = list(seen)
        while stack:
            for c in self.children[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return seen

    def has_path(self, src: int, dst: int, cut: Iterable[int] = ()) -> bool:
        """Whether a directed path ``src -> ... -> dst`` exists after surgery on ``cut``
        (a node reaches itself)."""
        return src in self.ancestors([dst], cut)

    def longest_path_to(self, node: int, cut: Iterable[int] = ()) -> int:
        """Number of edges on the longest directed path ending at ``node`` (after surgery)."""
        cut = set(cut)
        anc = self.ancestors([node], cut)
        depth: dict[int, int] = {}
        for v in self.order:
            if v in anc:
                pa = () if v in cut else self.parents[v]
                depth[v] = max((depth[p] + 1 for p in pa), default=0)
        return depth[node]

    def moral_treewidth(self, nodes: Iterable[int], cut: Iterable[int] = ()) -> int:
        """Min-fill upper bound on the treewidth of the moral graph of the subgraph induced by
        ``nodes`` (after surgery on ``cut``). A single node or an edgeless graph has width 0."""
        nodes, cut = frozenset(nodes), frozenset(cut)
        key = ("treewidth", nodes, cut & nodes)
        if key not in self._memo:
            self._memo[key] = self._moral_treewidth(nodes, cut)
        return self._memo[key]

    @cached_property
    def _memo(self) -> dict:
        """Results of the structural queries above, per argument (the DAG is immutable)."""
        return {}

    def moral_graph(self, nodes: Iterable[int], cut: Iterable[int] = ()) -> dict[int, set[int]]:
        """Adjacency sets of the moral graph of the subgraph induced by ``nodes`` after surgery."""
        cut = set(cut)
        adj: dict[int, set[int]] = {v: set() for v in nodes}
        for v in adj:
            pa = [] if v in cut else [p for p in self.parents[v] if p in adj]
            for k, a in enumerate(pa):
                adj[a].add(v)
                adj[v].add(a)
                for b in pa[k + 1 :]:
                    adj[a].add(b)
                    adj[b].add(a)
        return adj

    def _moral_treewidth(self, nodes: frozenset[int], cut: frozenset[int]) -> int:
        """networkx's ``treewidth_min_fill_in`` (same greedy choices, so the same width; the
        tests keep networkx as the oracle) without building graphs or the decomposition."""
        adj = self.moral_graph(nodes, cut)
        width = 0
        while adj:
            by_degree = sorted(adj, key=lambda x: len(adj[x]))
            if len(adj[by_degree[0]]) == len(adj) - 1:  # complete: one bag holds the rest
                return max(width, len(adj) - 1)
            best, best_fill = None, None
            for v in by_degree:
                nbrs = adj[v]
                fill = sum(len(nbrs - adj[u]) - 1 for u in nbrs) / 2
                if best_fill is None or fill < best_fill:
                    best, best_fill = v, fill
                    if fill == 0:
                        break
            nbrs = adj.pop(best)
            width = max(width, len(nbrs))
            for u in nbrs:
                adj[u] |= nbrs
                adj[u].discard(u)
                adj[u].discard(best)
        return width

    def to_networkx(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(self.names)
        g.add_edges_from(self.edges)
        return g

    def wl_hash(self, iterations: int = 3) -> str:
        """Weisfeiler-Lehman hash of the unlabelled structure (names ignored), used to keep
        graphs unique across dataset splits. Nodes are seeded with (in-degree, out-degree)."""
        key = ("wl", iterations)
        if key not in self._memo:
            self._memo[key] = self._wl_hash(iterations)
        return self._memo[key]

    def _wl_hash(self, iterations: int) -> str:
        g = nx.DiGraph()
        for i in range(self.n):
            g.add_node(i, deg=f"{len(self.parents[i])},{len(self.children[i])}")
        g.add_edges_from((p, i) for i, pa in enumerate(self.parents) for p in pa)
        with warnings.catch_warnings():  # networkx 3.5 notes that directed hashes changed
            warnings.simplefilter("ignore", UserWarning)
            return nx.weisfeiler_lehman_graph_hash(g, node_attr="deg", iterations=iterations)


class DagConfig(BaseModel):
    """Knobs of the random DAG generator.

    Nodes are drawn in a topological order: the first ``r ~ U{roots}`` nodes are roots, every
    later node ``j`` gets ``k ~ U{parents}`` parents drawn uniformly from the nodes before it
    (``k`` capped by ``j`` and ``max_in_degree``). With ``edge_density`` set, each earlier node is
    instead a parent with that probability, and the count is then clamped into the same range.
    The original study's generator is ``roots=None`` (1..n-1), ``parents=(1, 2)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    nodes: int = Field(5, ge=1, description="number of variables (at most the limit 'nodes')")
    roots: tuple[int, int] | None = Field(None, description="range of root counts; None = 1..n-1")
    parents: tuple[int, int] = Field((1, 2), description="range of parent counts of non-roots")
    max_in_degree: int | None = Field(None, ge=1, description="hard cap on parents per node")
    edge_density: float | None = Field(None, gt=0.0, le=1.0, description="P(edge) mode")
    name_prefix: str = Field("v", pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    shuffle_names: bool = Field(True, description="hide the topological order behind names")

    @field_validator("nodes")
    @classmethod
    def _check_nodes(cls, v: int) -> int:
        check_limit("nodes", "variables in a model", v, "use fewer nodes")
        return v

    @field_validator("parents", "roots")
    @classmethod
    def _check_range(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not 1 <= v[0] <= v[1]:
            raise ValueError("need 1 <= min <= max (nodes without parents are set by 'roots')")
        return v


def random_dag(config: DagConfig, rng: np.random.Generator) -> DAG:
    """Draw a DAG from ``config`` with ``rng`` (see :class:`DagConfig` for the distribution)."""
    n = config.nodes
    rlo, rhi = config.roots if config.roots is not None else (1, max(1, n - 1))
    rlo, rhi = min(rlo, n), min(rhi, n)
    n_roots = int(rng.integers(rlo, rhi + 1))
    cap = config.max_in_degree or n
    topo_parents: list[tuple[int, ...]] = []
    for j in range(n):
        if j < n_roots:
            topo_parents.append(())
            continue
        hi = min(config.parents[1], j, cap)
        lo = min(config.parents[0], hi)
        if config.edge_density is None:
            k = int(rng.integers(lo, hi + 1))
            chosen = rng.choice(j, size=k, replace=False)
        else:
            chosen = np.flatnonzero(rng.random(j) < config.edge_density)
            if len(chosen) > hi:
                chosen = rng.choice(chosen, size=hi, replace=False)
            elif len(chosen) < lo:
                rest = np.setdiff1d(np.arange(j), chosen)
                chosen = np.concatenate([chosen, rng.choice(rest, size=lo - len(chosen), replace=False)])
        topo_parents.append(tuple(int(p) for p in chosen))
    perm = rng.permutation(n) if config.shuffle_names else np.arange(n)
    # topological position j becomes index perm[j], named f"{prefix}{perm[j]}"
    parents: list[tuple[int, ...]] = [()] * n
    for j, pa in enumerate(topo_parents):
        parents[int(perm[j])] = tuple(sorted(int(perm[p]) for p in pa))
    names = tuple(f"{config.name_prefix}{i}" for i in range(n))
    return DAG(names=names, parents=tuple(parents))
