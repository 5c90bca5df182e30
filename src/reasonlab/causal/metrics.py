"""Structural difficulty metrics of a query on a model (the dataset's difficulty metadata).

All metrics are taken on the graph after surgery (incoming edges of intervened nodes removed):

* ``ancestor_size``: the target and its ancestors;
* ``relevant_size``: the target, the evidence and all their ancestors (what elimination touches);
* ``treewidth``: min-fill upper bound on the treewidth of the moral graph of the relevant set;
* ``longest_path``: edges on the longest directed path ending at the target;
* ``on_path``: some intervened node has a directed path to the target (true when the target is
  itself intervened, as in the original study's generator);
* ``ve_sums`` / ``ve_products``: arithmetic of the exact elimination (see :mod:`.elimination`).
"""

from __future__ import annotations

from .discrete import DiscreteSCM
from .gaussian import GaussianSCM
from .query import Query, parse_query


def query_metrics(model: DiscreteSCM | GaussianSCM, q: str | Query) -> dict[str, int | bool]:
    """Difficulty metadata of ``q`` on ``model`` (structure only; no inference is run)."""
    q = parse_query(q)
    dag = model.dag
    y = dag.index(q.target)
    cut = {dag.index(k) for k, _ in q.interventions}
    evidence = {dag.index(k) for k, _ in q.evidence}
    relevant = dag.ancestors({y} | evidence, cut)
    return {
        "rung": q.rung,
        "n_vars": model.n,
        "ancestor_size": len(dag.ancestors([y], cut)),
        "relevant_size": len(relevant),
        "treewidth": dag.moral_treewidth(relevant, cut),
        "longest_path": dag.longest_path_to(y, cut),
        "on_path": any(dag.has_path(x, y, cut - {x}) for x in cut),
    }
