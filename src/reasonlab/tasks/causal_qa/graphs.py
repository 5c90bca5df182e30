"""The causal models of a dataset: WL-unique DAGs per split, parameters per subset, names.

DAGs are planned once for the whole dataset, in a fixed order (nodes, then train/dev/test, then
model index), each drawn from its own ``SeedSequence(seed, split, "dag", nodes, index, attempt)``
and rejected while its Weisfeiler-Lehman hash is taken (``unique_graphs``: ``global`` = unique
everywhere, ``across_splits`` = no graph shared by two splits, ``off``). Parameters are drawn per
``(subset, split, index)``, so a model never depends on how many processes generate the data.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from ...causal import DAG, DiscreteModelConfig, GaussianModelConfig, random_dag
from ...causal.random_models import discrete_parameters, gaussian_parameters
from ...config import ConfigError
from ..base import SPLITS, item_seed
from .config import CausalQAConfig
from .naming import STATE_LABELS, story_names

_DAG_STREAM, _MODEL_STREAM, _NAME_STREAM = 0, 1, 2


def plan_dags(config: CausalQAConfig) -> dict[tuple[int, str], list[DAG]]:
    """``(nodes, split) -> DAGs`` for the whole dataset (cached per config)."""
    return _plan(config.model_dump_json())


@lru_cache(maxsize=8)
def _plan(config_json: str) -> dict[tuple[int, str], list[DAG]]:
    config = CausalQAConfig.model_validate(json.loads(config_json))
    out: dict[tuple[int, str], list[DAG]] = {}
    for nodes in config.all_nodes():
        taken: dict[str, str] = {}  # WL hash -> split that uses it
        dag_config = config.graph.dag(nodes)
        for split in (s for s in SPLITS if nodes in {n for n, _ in config.subsets(s)}):
            dags = []
            for index in range(getattr(config.n_models, split)):
                dags.append(_unique_dag(config, dag_config, split, nodes, index, taken))
            out[(nodes, split)] = dags
    return out


def _unique_dag(config: CausalQAConfig, dag_config, split: str, nodes: int, index: int,
                taken: dict[str, str]) -> DAG:
    for attempt in range(config.max_graph_tries):
        rng = np.random.default_rng(item_seed(config.seed, split, _DAG_STREAM, nodes, index, attempt))
        dag = random_dag(dag_config, rng)
        if config.unique_graphs == "off":
            return dag
        h = dag.wl_hash()
        owner = taken.get(h)
        if owner is None or (config.unique_graphs == "across_splits" and owner == split):
            taken.setdefault(h, split)
            return dag
    looser = {"global": "unique_graphs=across_splits (a split may reuse its own structures) or off",
              "across_splits": "unique_graphs=off (splits may then share structures)"}
    raise ConfigError(
        f"field n_models: could not find {getattr(config.n_models, split)} {split} graphs with "
        f"{nodes} nodes that are unique by WL hash (unique_graphs={config.unique_graphs!r}, "
        f"{config.max_graph_tries} tries); ask for fewer models, more nodes, other graph knobs, "
        f"or set {looser[config.unique_graphs]}")


def build_model(config: CausalQAConfig, nodes: int, states: int | None, split: str, index: int):
    """The SCM of model ``index`` of ``split`` in the subset ``(nodes, states)``. Its RNG depends
    on those values, not on the other subsets of the config."""
    dag = plan_dags(config)[(nodes, split)][index]
    key = (nodes, states or 0, index)
    rng = np.random.default_rng(item_seed(config.seed, split, _MODEL_STREAM, *key))
    labels = None
    if config.prompt.names == "story":
        names_rng = np.random.default_rng(item_seed(config.seed, split, _NAME_STREAM, *key))
        dag = DAG(names=story_names(dag.n, names_rng), parents=dag.parents)
        labels = STATE_LABELS
    if config.family == "gaussian":
        g = GaussianModelConfig(decimals=config.decimals, answers_from=config.answers_from,
                                **config.gaussian.model_dump())
        return gaussian_parameters(dag, g, rng)
    d = DiscreteModelConfig(states=states, alpha=config.alpha, decimals=config.decimals,
                            answers_from=config.answers_from)
    return discrete_parameters(dag, d, rng, labels=labels)
