"""d-separation on small DAGs given as parent/child tuples, with the open path named.

:func:`connected` is Bayes-ball reachability (Koller & Friedman, *Probabilistic Graphical
Models*, algorithm 3.1): a breadth-first search over ``(node, direction)`` states in which a
trail passes a non-collider that is not observed and a collider that is an ancestor of an
observed node (or observed itself). It answers "which nodes are d-connected to ``xs`` given
``zs``" in one pass, so the annotators call it instead of networkx (the tests keep
``networkx.is_d_separator`` as the oracle).

:func:`open_path` returns one *simple* d-connecting path (the trail the search found, or, should
that trail revisit a node, a depth-first search over simple paths with the same rules), and
:func:`describe_path` writes it the way a reader checks it by eye: ``v1 -> v3 <- v2 with v3
observed``.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence

Adjacency = Sequence[Sequence[int]]
_UP, _DOWN = 0, 1  # arrived from a child (moving against the edge) / from a parent


def ancestors(parents: Adjacency, nodes: Iterable[int]) -> set[int]:
    """``nodes`` and everything with a directed path into them."""
    seen = set(nodes)
    stack = list(seen)
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _moves(parents: Adjacency, children: Adjacency, v: int, d: int, zs: set[int],
           an_z: set[int]) -> list[tuple[int, int]]:
    """The states reachable in one step from ``v`` entered in direction ``d``."""
    out: list[tuple[int, int]] = []
    if d == _UP:
        if v not in zs:
            out += [(p, _UP) for p in parents[v]]
            out += [(c, _DOWN) for c in children[v]]
    else:
        if v not in zs:
            out += [(c, _DOWN) for c in children[v]]
        if v in an_z:  # a collider that is observed or has an observed descendant
            out += [(p, _UP) for p in parents[v]]
    return out


def connected(parents: Adjacency, children: Adjacency, xs: Iterable[int],
              zs: Iterable[int]) -> set[int]:
    """Nodes d-connected to some node of ``xs`` given ``zs`` (``xs`` themselves excluded unless
    reached again; observed nodes are never returned)."""
    zs = set(zs)
    an_z = ancestors(parents, zs)
    start = [(x, _UP) for x in xs]
    seen = set(start)
    queue = deque(start)
    reached: set[int] = set()
    while queue:
        v, d = queue.popleft()
        for state in _moves(parents, children, v, d, zs, an_z):
            if state not in seen:
                seen.add(state)
                queue.append(state)
                if state[0] not in zs:
                    reached.add(state[0])
    return reached


def d_separated(parents: Adjacency, children: Adjacency, xs: Iterable[int], ys: Iterable[int],
                zs: Iterable[int]) -> bool:
    """Whether every node of ``xs`` is d-separated from every node of ``ys`` given ``zs``."""
    return not (connected(parents, children, xs, zs) & set(ys))


def open_path(parents: Adjacency, children: Adjacency, xs: Iterable[int], ys: Iterable[int],
              zs: Iterable[int]) -> list[int] | None:
    """One simple d-connecting path from ``xs`` to ``ys`` given ``zs`` (None: d-separated)."""
    xs, ys, zs = list(xs), set(ys), set(zs)
    an_z = ancestors(parents, zs)
    start = [(x, _UP) for x in xs]
    back: dict[tuple[int, int], tuple[int, int] | None] = dict.fromkeys(start)
    queue = deque(start)
    while queue:
        state = queue.popleft()
        if state[0] in ys and back[state] is not None:
            path = [state[0]]
            while back[state] is not None:
                state = back[state]
                path.append(state[0])
            path.reverse()
            if len(set(path)) == len(path):
                return path
            return _simple_path(parents, children, xs, ys, zs, an_z)
        for nxt in _moves(parents, children, *state, zs, an_z):
            if nxt not in back:
                back[nxt] = state
                queue.append(nxt)
    return None


def _simple_path(parents: Adjacency, children: Adjacency, xs: list[int], ys: set[int],
                 zs: set[int], an_z: set[int]) -> list[int] | None:
    """Depth-first search over simple paths with the Bayes-ball rules (rarely needed)."""
    for x in xs:
        stack = [(x, _UP, [x])]
        while stack:
            v, d, path = stack.pop()
            if v in ys and len(path) > 1:
                return path
            for c, d2 in _moves(parents, children, v, d, zs, an_z):
                if c not in path:
                    stack.append((c, d2, [*path, c]))
    return None


def describe_path(path: Sequence[int], parents: Adjacency, names: Sequence[str],
                  zs: Iterable[int]) -> str:
    """``v1 -> v3 <- v2 with v3 observed`` (a collider opened by an observed descendant:
    ``with v5 (a descendant of v3) observed``)."""
    zs = set(zs)
    text = names[path[0]]
    for a, b in itertools.pairwise(path):
        text += f" -> {names[b]}" if a in parents[b] else f" <- {names[b]}"
    notes = []
    for i in range(1, len(path) - 1):
        v = path[i]
        if path[i - 1] in parents[v] and path[i + 1] in parents[v]:
            notes.append(names[v] if v in zs else f"{_observed_descendant(v, parents, names, zs)} "
                         f"(a descendant of {names[v]})")
    return text + (f" with {' and '.join(notes)} observed" if notes else "")


def _observed_descendant(v: int, parents: Adjacency, names: Sequence[str], zs: set[int]) -> str:
    """The name of an observed descendant of ``v`` (the nearest one, ties by id)."""
    order = sorted(zs)
    best = min(order, key=lambda z: (_distance(parents, v, z), z))
    return names[best]


def _distance(parents: Adjacency, src: int, dst: int) -> float:
    """Edges on the shortest directed path ``src -> ... -> dst`` (inf when there is none)."""
    frontier, seen, steps = {dst}, {dst}, 0
    while frontier:
        if src in frontier:
            return steps
        frontier = {p for v in frontier for p in parents[v] if p not in seen}
        seen |= frontier
        steps += 1
    return float("inf")
