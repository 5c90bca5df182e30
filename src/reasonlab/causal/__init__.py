"""The exact causal engine: random SCMs, queries on all three rungs, exact inference, sampling.

Pure numpy (+ opt_einsum/networkx helpers); it never imports torch. Public API::

    from reasonlab.causal import load_model, query, query_many
    model = load_model("model.json")            # or .bif
    r = query(model, "P(v2 | do(v3=1), v0=0)")  # r.values, r.probabilities
    g = query(gmodel, "P(v2_{v0=1} | v2=0.5)")  # Gaussian: r.mean, r.variance
"""

from __future__ import annotations

from collections.abc import Sequence

from .dag import DAG, DagConfig, random_dag
from .discrete import DiscreteSCM, round_distribution
from .discrete_inference import DiscreteResult, solve, solve_many
from .elimination import OpCount
from .errors import (
    CausalError,
    ModelError,
    QueryError,
    QuerySyntaxError,
    ZeroProbabilityEvidence,
)
from .gaussian import GaussianResult, GaussianSCM, solve_gaussian
from .model_io import load_model, model_from_dict, model_to_dict, save_model
from .query import Query, parse_query
from .random_models import DiscreteModelConfig, GaussianModelConfig, ModelConfig, sample_model
from .sampling import Samples, sample

Result = DiscreteResult | GaussianResult


def query(model: DiscreteSCM | GaussianSCM, q: str | Query) -> Result:
    """Exact answer to one query (rung 1, 2 or 3) on a discrete or linear-Gaussian SCM."""
    if isinstance(model, GaussianSCM):
        return solve_gaussian(model, q)
    return solve(model, q)


def query_many(model: DiscreteSCM | GaussianSCM, qs: Sequence[str | Query]) -> list[Result]:
    """Exact answers to many queries on one model; queries of one shape share one contraction."""
    if isinstance(model, GaussianSCM):
        return [solve_gaussian(model, q) for q in qs]
    return solve_many(model, qs)


__all__ = [
    "DAG", "CausalError", "DagConfig", "DiscreteModelConfig", "DiscreteResult", "DiscreteSCM",
    "GaussianModelConfig", "GaussianResult", "GaussianSCM", "ModelConfig", "ModelError",
    "OpCount", "Query", "QueryError", "QuerySyntaxError", "Result", "Samples",
    "ZeroProbabilityEvidence", "load_model", "model_from_dict", "model_to_dict", "parse_query",
    "query", "query_many", "random_dag", "round_distribution", "sample", "sample_model",
    "save_model",
]
