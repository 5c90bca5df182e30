"""Random DAG generator, graph algorithms and structural metrics."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError

from reasonlab.causal import DAG, DagConfig, ModelError, random_dag
from reasonlab.causal.metrics import query_metrics
from reasonlab.causal.model_io import load_model


def _dag(seed, **kw):
    return random_dag(DagConfig(**kw), np.random.default_rng(seed))


def test_seeded_and_deterministic():
    a, b = _dag(3, nodes=12), _dag(3, nodes=12)
    assert a.parents == b.parents and a.names == b.names
    assert any(_dag(s, nodes=12).parents != a.parents for s in range(4, 10))


@pytest.mark.parametrize("kw", [
    dict(nodes=10, parents=(1, 2)),
    dict(nodes=15, roots=(2, 3), parents=(2, 5), max_in_degree=3),
    dict(nodes=20, roots=(1, 1), parents=(1, 4), edge_density=0.3),
])
def test_respects_knobs(kw):
    for seed in range(30):
        d = _dag(seed, **kw)
        g = d.to_networkx()
        assert nx.is_directed_acyclic_graph(g) and d.n == kw["nodes"]
        roots = [i for i in range(d.n) if not d.parents[i]]
        lo, hi = kw.get("roots") or (1, d.n - 1)
        assert lo <= len(roots) <= hi
        cap = min(kw["parents"][1], kw.get("max_in_degree") or 99)
        assert all(len(pa) <= cap for pa in d.parents)
        # non-roots after the first few have at least min(parents) parents when possible
        assert all(len(pa) >= 1 for i, pa in enumerate(d.parents) if i not in roots)


def test_names_hide_topological_order():
    # with shuffled names, index order is topological far less often than with the original generator's layout
    topo = sum(all(p < i for i, pa in enumerate(_dag(s, nodes=8).parents) for p in pa) for s in range(50))
    plain = sum(all(p < i for i, pa in enumerate(_dag(s, nodes=8, shuffle_names=False).parents)
                    for p in pa) for s in range(50))
    assert plain == 50 and topo < 15


def test_wl_hash_ignores_names_but_not_structure():
    chain = DAG(("a", "b", "c"), ((), (0,), (1,)))
    chain2 = DAG(("z", "y", "x"), ((2,), (0,), ()))  # x -> z -> y
    fork = DAG(("a", "b", "c"), ((), (0,), (0,)))
    collider = DAG(("a", "b", "c"), ((), (), (0, 1)))
    assert chain.wl_hash() == chain2.wl_hash()
    assert len({chain.wl_hash(), fork.wl_hash(), collider.wl_hash()}) == 3
    hashes = {_dag(s, nodes=10, roots=(2, 2)).wl_hash() for s in range(40)}
    assert len(hashes) > 30


def test_invalid_graphs_are_rejected():
    with pytest.raises(ModelError, match="cycle"):
        DAG(("a", "b"), ((1,), (0,)))
    with pytest.raises(ModelError, match="duplicate"):
        DAG(("a", "a"), ((), ()))
    with pytest.raises(ValidationError, match="parents"):
        DagConfig(parents=(3, 1))


def test_graph_algorithms_on_a_hand_graph():
    # a -> b -> d, a -> c -> d, d -> e ; surgery on c removes a -> c
    d = DAG(("a", "b", "c", "d", "e"), ((), (0,), (0,), (1, 2), (3,)))
    assert d.ancestors([3]) == {0, 1, 2, 3}
    assert d.ancestors([2], cut=[2]) == {2}
    assert d.descendants([1]) == {1, 3, 4}
    assert d.longest_path_to(4) == 3
    assert d.longest_path_to(2, cut=[2]) == 0
    assert d.has_path(0, 4) and not d.has_path(4, 0)
    assert d.moral_treewidth({0, 1, 2, 3}) == 2  # moralising b, c makes a 4-cycle with a chord
    assert d.moral_treewidth({0}) == 0


def test_query_metrics_follow_their_definitions():
    d = load_model_from_edges()
    m = query_metrics(d, "P(e | do(c=1), b=0)")
    assert m == {"rung": 2, "n_vars": 5, "ancestor_size": 5, "relevant_size": 5, "treewidth": 2,
                 "longest_path": 3, "on_path": True}
    m = query_metrics(d, "P(b | do(c=1))")
    assert (m["ancestor_size"], m["longest_path"], m["on_path"]) == (2, 1, False)
    assert query_metrics(d, "P(c | do(c=1))")["on_path"] is True
    assert query_metrics(d, "P(e_{b=1} | a=0)")["on_path"] is True


def load_model_from_edges():
    from reasonlab.causal import DiscreteSCM

    d = DAG(("a", "b", "c", "d", "e"), ((), (0,), (0,), (1, 2), (3,)))
    states = (("0", "1"),) * 5
    cpts = tuple(np.full((*tuple(2 for _ in pa), 2), 0.5) for pa in d.parents)
    return DiscreteSCM(dag=d, states=states, cpts=cpts)


def test_classic_network_loads_with_expected_structure():
    from pathlib import Path

    asia = load_model(Path(__file__).parents[2] / "data" / "asia.bif")
    assert asia.dag.edges == sorted([("asia", "tub"), ("smoke", "lung"), ("smoke", "bronc"),
                                     ("tub", "either"), ("lung", "either"), ("either", "xray"),
                                     ("either", "dysp"), ("bronc", "dysp")])
    assert list(itertools.chain(*asia.states))[:2] == ["yes", "no"]


def test_moral_treewidth_matches_networkx_min_fill():
    """Our min-fill width equals networkx's ``treewidth_min_fill_in`` (the oracle) on the moral
    graphs of random DAGs, subsets and surgeries."""
    rng = np.random.default_rng(0)
    for seed in range(150):
        n = int(rng.integers(2, 16))
        dag = random_dag(DagConfig(nodes=n, parents=(1, 3)), np.random.default_rng(seed))
        nodes = {int(v) for v in np.flatnonzero(rng.random(n) < 0.8)} or {0}
        cut = {int(v) for v in np.flatnonzero(rng.random(n) < 0.2)}
        g = nx.Graph()
        adj = dag.moral_graph(nodes, cut)
        g.add_nodes_from(adj)
        g.add_edges_from((a, b) for a, nb in adj.items() for b in nb)
        expected = nx.algorithms.approximation.treewidth_min_fill_in(g)[0] if g.number_of_edges() else 0
        assert dag.moral_treewidth(nodes, cut) == expected
