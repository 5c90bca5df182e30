"""Conversion to pgmpy, the independent oracle of tests and the anchor of ``bench/inference.py``.

pgmpy is a dev/bench dependency, never a runtime one, so it is imported inside the function.
pgmpy's ``TabularCPD`` stores a CPT as ``(card, n_parent_configs)`` with the first parent
slowest, i.e. the transpose of our row layout.
"""

from __future__ import annotations

from typing import Any

from .discrete import DiscreteSCM


def to_pgmpy(model: DiscreteSCM) -> Any:
    """A ``pgmpy.models.DiscreteBayesianNetwork`` with the same graph, states and CPTs."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    net = DiscreteBayesianNetwork()
    net.add_nodes_from(model.names)
    net.add_edges_from(model.dag.edges)
    cpds = []
    for i, name in enumerate(model.names):
        pa = model.parents[i]
        cpds.append(TabularCPD(
            variable=name, variable_card=model.cards[i],
            values=model.cpts[i].reshape(-1, model.cards[i]).T,
            evidence=[model.names[p] for p in pa] or None,
            evidence_card=[model.cards[p] for p in pa] or None,
            state_names={model.names[j]: list(model.states[j]) for j in (*pa, i)}))
    net.add_cpds(*cpds)
    return net
