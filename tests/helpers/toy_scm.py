"""A six-variable binary SCM for the trace-annotator tests:
v0 -> v2 <- v1, v2 -> v3, v1 -> v4, v3 -> v5 <- v4."""

from __future__ import annotations

from reasonlab.causal import model_from_dict


def _var(name, parents, cpt):
    return {"name": name, "states": ["0", "1"], "parents": parents, "cpt": cpt}


TOY = model_from_dict({"format": "reasonlab-scm", "version": 1, "family": "discrete", "variables": [
    _var("v0", [], [[0.4, 0.6]]), _var("v1", [], [[0.7, 0.3]]),
    _var("v2", ["v0", "v1"], [[0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [0.2, 0.8]]),
    _var("v3", ["v2"], [[0.8, 0.2], [0.3, 0.7]]), _var("v4", ["v1"], [[0.6, 0.4], [0.1, 0.9]]),
    _var("v5", ["v3", "v4"], [[0.5, 0.5], [0.4, 0.6], [0.2, 0.8], [0.1, 0.9]])]})
