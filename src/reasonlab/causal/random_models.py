"""Seeded random SCMs: discrete (Dirichlet CPTs) and linear-Gaussian.

``sample_model(config, seed)`` draws the DAG and the parameters from one
``numpy.random.SeedSequence``, so a (config, seed) pair always gives the same model. ``seed`` may
itself be a ``SeedSequence`` spawned by a dataset generator for one item.

Discrete parameters: per-variable cardinalities drawn from ``states`` (an int or an inclusive
range), each CPT row ~ Dirichlet(alpha). With ``decimals`` set, the tables are rounded (rows still
sum to one) and by default *the answers are computed from the rounded tables*
(``answers_from="displayed"``): the model returned is the rounded one. ``answers_from="exact"``
returns the unrounded model, the original study's behaviour (docs/origins.md), kept for
reproducing its numbers.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..validation import InputError, check_limit, check_seed, show_value
from .dag import DAG, DagConfig, random_dag
from .discrete import DiscreteSCM, check_sizes
from .errors import big, cells
from .gaussian import GaussianSCM


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dag: DagConfig = Field(default_factory=DagConfig)
    decimals: int | None = Field(2, ge=0, le=12, description="displayed precision of parameters")
    answers_from: Literal["displayed", "exact"] = Field(
        "displayed", description="compute answers from the displayed (rounded) or exact parameters")


class DiscreteModelConfig(_Base):
    """Random discrete SCM: DAG knobs, cardinalities, Dirichlet concentration, display rounding."""

    family: Literal["discrete"] = "discrete"
    states: int | tuple[int, int] = Field(2, description="states per variable, or a (min, max) range")
    alpha: float = Field(1.0, gt=0.0, description="Dirichlet concentration of CPT rows")

    @field_validator("states")
    @classmethod
    def _check_states(cls, v: int | tuple[int, int]) -> int | tuple[int, int]:
        lo, hi = (v, v) if isinstance(v, int) else v
        if not 2 <= lo <= hi:
            raise ValueError("need at least 2 states per variable (and min <= max in a range)")
        return v


class GaussianModelConfig(_Base):
    """Random linear-Gaussian SCM: |weight| ~ U(weight_range) with a random sign."""

    family: Literal["gaussian"] = "gaussian"
    weight_range: tuple[float, float] = (0.3, 1.0)
    intercept_range: tuple[float, float] = (-2.0, 2.0)
    sigma_range: tuple[float, float] = (0.5, 1.5)

    @field_validator("weight_range", "intercept_range", "sigma_range")
    @classmethod
    def _check_range(cls, v: tuple[float, float], info: ValidationInfo) -> tuple[float, float]:
        if v[0] > v[1]:
            raise ValueError("min must not exceed max")
        if info.field_name == "sigma_range" and v[0] <= 0:
            raise ValueError("noise scales must be positive")
        return v


ModelConfig = Annotated[DiscreteModelConfig | GaussianModelConfig, Field(discriminator="family")]


def _rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The generator of ``seed`` (an integer 0 <= seed < 2**63, or a ``SeedSequence``)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"seed = {show_value(seed)} is not an integer; use an integer from 0 to 2**63-1")
    return np.random.default_rng(np.random.SeedSequence(check_seed(int(seed))))


def _power(base: int, exp: int) -> int | float:
    """``base ** exp`` for a limit message, without computing a number of millions of digits."""
    return math.inf if exp * base.bit_length() > 1100 else cells(base**exp)


def check_config_sizes(config: DiscreteModelConfig) -> None:
    """The largest CPT and the largest model ``config`` can draw (for any seed) within the limits
    ``cpt_cells`` and ``model_cells``, checked before anything is drawn."""
    d = config.dag
    n, hi = d.nodes, config.states if isinstance(config.states, int) else config.states[1]
    roots = min(d.roots[0], n) if d.roots is not None else 1
    cap = min(d.parents[1], d.max_in_degree or n, n - 1)
    most = cap if n > roots else 0
    formula = f" ({hi}**{most + 1} entries)" if hi < 10**15 else ""
    check_limit("cpt_cells", f"the largest table a model with up to {big(hi)} states and {most} parents "
                f"per variable can draw{formula}", _power(hi, most + 1),
                "use fewer states or parents per variable")
    total = roots * hi + sum(hi ** (min(cap, j) + 1) for j in range(roots, n))
    check_limit("model_cells", f"the tables of the largest model of {n} variables with up to {big(hi)} "
                f"states and {most} parents each", cells(total),
                "use fewer nodes, states or parents per variable")


def random_discrete_scm(config: DiscreteModelConfig, rng: np.random.Generator) -> DiscreteSCM:
    check_config_sizes(config)
    return discrete_parameters(random_dag(config.dag, rng), config, rng)


def discrete_parameters(dag: DAG, config: DiscreteModelConfig, rng: np.random.Generator,
                        labels: dict[int, tuple[str, ...]] | None = None) -> DiscreteSCM:
    """Cardinalities and Dirichlet CPTs for a given DAG (``labels``: state names per card)."""
    lo, hi = (config.states, config.states) if isinstance(config.states, int) else config.states
    cards = [int(c) for c in rng.integers(lo, hi + 1, size=dag.n)]
    check_sizes(dag, tuple(cards))
    cpts = []
    for i in range(dag.n):
        shape = tuple(cards[p] for p in dag.parents[i])
        cpts.append(rng.dirichlet([config.alpha] * cards[i], size=shape or None))
    labels = labels or {}
    states = tuple(labels.get(c, tuple(str(k) for k in range(c))) for c in cards)
    model = DiscreteSCM(dag=dag, states=states, cpts=tuple(np.asarray(c) for c in cpts))
    if config.decimals is not None and config.answers_from == "displayed":
        model = model.rounded(config.decimals)
    return model


def random_gaussian_scm(config: GaussianModelConfig, rng: np.random.Generator) -> GaussianSCM:
    return gaussian_parameters(random_dag(config.dag, rng), config, rng)


def gaussian_parameters(dag: DAG, config: GaussianModelConfig, rng: np.random.Generator) -> GaussianSCM:
    """Weights, intercepts and noise scales for a given DAG."""
    weights = []
    for pa in dag.parents:
        mag = rng.uniform(*config.weight_range, size=len(pa))
        weights.append(mag * rng.choice([-1.0, 1.0], size=len(pa)))
    model = GaussianSCM(dag=dag, weights=tuple(weights),
                        intercepts=rng.uniform(*config.intercept_range, size=dag.n),
                        sigmas=rng.uniform(*config.sigma_range, size=dag.n))
    if config.decimals is not None and config.answers_from == "displayed":
        model = model.rounded(config.decimals)
    return model


_SAMPLERS = {"discrete": random_discrete_scm, "gaussian": random_gaussian_scm}


def sample_model(config: DiscreteModelConfig | GaussianModelConfig,
                 seed: int | np.random.SeedSequence = 0) -> DiscreteSCM | GaussianSCM:
    """Draw a random SCM of ``config.family`` from ``config`` and ``seed`` (sizes are checked
    against the limits before anything is drawn)."""
    rng = _rng(seed)
    return _SAMPLERS[config.family](config, rng)
