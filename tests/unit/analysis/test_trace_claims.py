"""d-separation (against networkx) and independence claims (hand-written traces with known
verdicts and open paths) of the rule-based trace annotators."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from helpers.toy_scm import TOY
from reasonlab.analysis.traces import find_claims, query_graph, split_trace
from reasonlab.analysis.traces.dsep import ancestors, connected, d_separated, describe_path, open_path
from reasonlab.causal import DagConfig, random_dag


def _children(parents):
    ch = [[] for _ in parents]
    for v, pa in enumerate(parents):
        for p in pa:
            ch[p].append(v)
    return ch


def _active(path, parents, zs) -> bool:
    """Whether ``path`` is a simple path of the DAG that is open given ``zs``."""
    if len(set(path)) != len(path):
        return False
    an_z = ancestors(parents, zs)
    for a, b in itertools.pairwise(path):
        if a not in parents[b] and b not in parents[a]:
            return False
    for i in range(1, len(path) - 1):
        a, v, b = path[i - 1], path[i], path[i + 1]
        collider = a in parents[v] and b in parents[v]
        if (collider and v not in an_z) or (not collider and v in zs):
            return False
    return True


@pytest.mark.parametrize("seed", range(12))
def test_d_separation_matches_networkx_on_random_dags(seed):
    rng = np.random.default_rng(seed)
    dag = random_dag(DagConfig(nodes=8, parents=(1, 3)), rng)
    parents, children = dag.parents, _children(dag.parents)
    g = nx.DiGraph()
    g.add_nodes_from(range(dag.n))
    g.add_edges_from((p, v) for v, pa in enumerate(parents) for p in pa)
    checked = 0
    for x, y in itertools.combinations(range(dag.n), 2):
        rest = [v for v in range(dag.n) if v not in (x, y)]
        for size in (0, 1, 2, 3):
            z = set(rng.choice(rest, size=size, replace=False).tolist())
            expected = nx.is_d_separator(g, {x}, {y}, z)
            assert d_separated(parents, children, [x], [y], z) == expected
            path = open_path(parents, children, [x], [y], z)
            assert (path is None) == expected
            if path is not None:
                assert path[0] == x and path[-1] == y and _active(path, parents, z)
            checked += 1
    assert checked == 28 * 4


def test_connected_returns_every_d_connected_node():
    parents = TOY.parents
    reach = connected(parents, _children(parents), [0], {3})
    assert reach == {1, 2, 4, 5}  # v0 -> v2 (-> v3 observed) <- v1 -> v4 -> v5; v2 is a collider above v3


def test_describe_path_names_colliders_and_observed_descendants():
    names = TOY.names
    assert describe_path([0, 2, 1], TOY.parents, names, {2}) == "v0 -> v2 <- v1 with v2 observed"
    assert describe_path([0, 2, 1], TOY.parents, names, {5}) == \
        "v0 -> v2 <- v1 with v5 (a descendant of v2) observed"
    assert describe_path([4, 1, 2], TOY.parents, names, set()) == "v4 <- v1 -> v2"


TEXT = """THOUGHT PROCESS
v0 is independent of v1.
So v0 ⊥ v1 | v2.
Also v0 _||_ v1 | v3, and v4 and v2 are independent given v1.
v3 does not depend on v0. Given v1, v4 is conditionally independent of v0.
v0 is independent of v5 given the evidence.
v0 \\perp v1 \\mid v2, v3
v0 is not independent of v2. v1 ⊥̸ v4. v0 and v1 are dependent.
{v0, v1} ⊥ v4 | v2
v0 is independent of w9.
ANSWER
[0.5, 0.5]"""


def test_claims_rung1_verdicts_and_open_paths():
    claims = find_claims(split_trace(TEXT), query_graph(TOY, "P(v3)"))
    got = [(c.line, c.x, c.y, c.given, c.holds, c.open_path) for c in claims]
    assert got == [
        (2, ("v0",), ("v1",), (), True, None),
        (3, ("v0",), ("v1",), ("v2",), False, "v0 -> v2 <- v1 with v2 observed"),
        (4, ("v0",), ("v1",), ("v3",), False, "v0 -> v2 <- v1 with v3 (a descendant of v2) observed"),
        (4, ("v4",), ("v2",), ("v1",), True, None),
        (5, ("v0",), ("v3",), (), False, "v0 -> v2 -> v3"),
        (5, ("v4",), ("v0",), ("v1",), True, None),
        (7, ("v0",), ("v1",), ("v2", "v3"), False, "v0 -> v2 <- v1 with v2 observed"),
        (9, ("v0", "v1"), ("v4",), ("v2",), False, "v1 -> v4"),
    ]
    assert claims[1].text == "v0 ⊥ v1 | v2"


def test_claims_rung2_use_the_mutilated_graph():
    g = query_graph(TOY, "P(v3 | do(v2=1))")
    text = "v3 is independent of v0. v3 does not depend on v2. v4 ⊥ v0 | v5"
    got = [(c.x, c.y, c.holds, c.open_path) for c in find_claims(split_trace(text), g)]
    # v0 -> v2 is cut; v2 itself still causes v3; v5's parents v3 <- v2 (fixed) and v4
    assert got == [(("v3",), ("v0",), True, None), (("v2",), ("v3",), False, "v2 -> v3"),
                   (("v4",), ("v0",), True, None)]


def test_claims_rung3_use_the_twin_network():
    g = query_graph(TOY, "P(v3_{v2=1} | v3=0)")
    assert g.names[6:] == ("v2*", "v3*", "v5*", "U_v3", "U_v5")
    text = "v3* is independent of v0 given v3. v3* ⊥ v0. v4 ⊥ v3*"
    got = [(c.x, c.y, c.given, c.holds, c.open_path) for c in find_claims(split_trace(text), g)]
    assert got == [
        (("v3*",), ("v0",), ("v3",), False, "v3* <- U_v3 -> v3 <- v2 <- v0 with v3 observed"),
        (("v3*",), ("v0",), (), True, None),
        (("v4",), ("v3*",), (), True, None),
    ]


def test_claims_checked_against_networkx_in_the_needed_graph():
    g = query_graph(TOY, "P(v5_{v2=0} | v4=1)")
    nxg = nx.DiGraph()
    nxg.add_nodes_from(range(len(g.names)))
    nxg.add_edges_from((p, v) for v, pa in enumerate(g.parents) for p in pa)
    fixed = set(g.fixed)
    for a, b in itertools.combinations(["v0", "v1", "v3", "v4", "v5", "v3*", "v5*"], 2):
        claims = find_claims(split_trace(f"{a} ⊥ {b} | v2"), g)
        x, y = g.resolve(a), g.resolve(b)
        assert len(claims) == 1
        assert claims[0].holds == nx.is_d_separator(nxg, {x}, {y}, {g.resolve("v2")} | fixed)
