"""Forward sampling from SCMs, with interventions and with replayed noise.

``sample(model, n, seed, do=..., noise=...)`` returns the sampled values and the exogenous noise
that produced them: ``U ~ Uniform(0, 1)`` pushed through the canonical inverse-CDF mechanism for
discrete models, ``eps ~ N(0, 1)`` for linear-Gaussian ones. Passing the returned noise back with
an intervention replays the same units in the intervened world: that is the Monte Carlo
counterpart of a rung-3 query, and how tests check every exact answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..validation import InputError, check_limit, check_seed, show_value
from .discrete import DiscreteSCM
from .gaussian import GaussianSCM
from .query import finite_number


@dataclass(frozen=True)
class Samples:
    """``values[s, i]``: variable ``i`` in sample ``s`` (state index or real); ``noise`` alike."""

    names: tuple[str, ...]
    values: np.ndarray  # (n_samples, n_vars)
    noise: np.ndarray  # (n_samples, n_vars)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]


def _resolve_do(model: DiscreteSCM | GaussianSCM, do: Mapping[str, object] | None) -> dict:
    out = {}
    for name, value in (do or {}).items():
        var = model.dag.index(name)
        out[var] = (model.state_index(var, value) if isinstance(model, DiscreteSCM)
                    else finite_number(value, f"do({name}={show_value(value)})"))
    return out


def sample(model: DiscreteSCM | GaussianSCM, n: int, seed: int | np.random.SeedSequence = 0,
           do: Mapping[str, object] | None = None, noise: np.ndarray | None = None) -> Samples:
    """Draw ``n`` joint samples (or replay ``noise`` of shape ``(n, n_vars)``) under ``do``.
    ``n * n_vars`` is checked against the limit ``model_cells``; ``seed`` may be an integer
    (0 <= seed < 2**63), a ``SeedSequence`` or a ``Generator``."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise InputError(f"the number of samples n = {show_value(n)} must be a whole number >= 0")
    check_limit("model_cells", f"{n} samples of {model.n} variables", int(n) * model.n,
                "draw fewer samples")
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        check_seed(int(seed))
    rng = np.random.default_rng(seed)
    gaussian = isinstance(model, GaussianSCM)
    if noise is None:
        noise = (rng.standard_normal((n, model.n)) if gaussian
                 else rng.random((n, model.n)))
    noise = np.asarray(noise, dtype=np.float64)
    if noise.shape != (n, model.n):
        raise InputError(f"noise has shape {noise.shape}, expected {(n, model.n)}")
    if not np.all(np.isfinite(noise)):
        raise InputError("noise holds non-finite values (nan or inf); give finite noise")
    clamp = _resolve_do(model, do)
    values = np.zeros((n, model.n), dtype=np.float64 if gaussian else np.int64)
    for v in model.dag.order:
        if v in clamp:
            values[:, v] = clamp[v]
            continue
        pa = model.parents[v]
        if gaussian:
            values[:, v] = (model.intercepts[v] + values[:, list(pa)] @ model.weights[v]
                            + model.sigmas[v] * noise[:, v])
        else:
            rows = model.cdf(v)[model.parent_config_index(v, [values[:, p] for p in pa])]
            values[:, v] = (rows < noise[:, v, None]).sum(axis=1)  # min{k: CDF_k >= u}
    return Samples(names=model.names, values=values, noise=noise)
