"""Difficulty metadata of a question and the original causal-reasoning study's easy/medium/hard
bins (docs/origins.md).

Metrics come from :func:`reasonlab.causal.metrics.query_metrics` plus the arithmetic of the
exact elimination (``ve_sums``, ``ve_products``; none for Gaussian models, which are solved in
closed form). Bins follow the study's breakdown config:

==============  ======  ========  ======
metric          easy    medium    hard
==============  ======  ========  ======
ve_ops          <= 10   11-20     > 20
longest_path    <= 1    2-3       > 3
ancestor_size   <= 2    3-4       > 4
treewidth       0       1         > 1
==============  ======  ========  ======

``bin`` (used by ``filters.bins`` and export subsets) is the ``ve_ops`` bin for discrete models
and the ``ancestor_size`` bin for Gaussian ones.
"""

from __future__ import annotations

from typing import Any

from ...causal.metrics import query_metrics

EDGES = {"ve_ops": (10, 20), "longest_path": (1, 3), "ancestor_size": (2, 4), "treewidth": (0, 1)}


def bin_of(metric: str, value: int) -> str:
    easy, medium = EDGES[metric]
    return "easy" if value <= easy else "medium" if value <= medium else "hard"


def difficulty(model, query, ops=None) -> dict[str, Any]:
    """Metadata dict for one query; ``ops`` is the :class:`OpCount` of its elimination."""
    meta: dict[str, Any] = dict(query_metrics(model, query))
    meta["cardinalities"] = list(getattr(model, "cards", ()))
    if ops is not None:
        meta["ve_sums"], meta["ve_products"] = ops.sums, ops.products
        meta["ve_ops"] = ops.sums + ops.products
    bins = {m: bin_of(m, int(meta[m])) for m in EDGES if m in meta}
    meta["bins"] = bins
    meta["bin"] = bins.get("ve_ops", bins["ancestor_size"])
    return meta
