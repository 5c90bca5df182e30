"""Linear-Gaussian SCMs and their exact inference on all three rungs, in closed form.

The model is ``X_i = b_i + sum_j w_ij X_j + sigma_i * eps_i`` with ``eps ~ N(0, I)``. In matrix
form ``X = m + L eps`` with ``A = (I - W)^-1``, ``m = A b`` and ``L = A diag(sigma)``.

* Rung 2: ``do(X_k = c)`` zeroes row ``k`` of ``W`` and of ``diag(sigma)`` and sets ``b_k = c``.
* Rungs 1-2 then condition the Gaussian ``N(m, L L^T)`` on the evidence by the Schur complement.
* Rung 3 is abduction-action-prediction done exactly: the posterior of the noise given the
  factual evidence is ``N(mu, S)`` with ``mu = L_E^T (L_E L_E^T)^-1 (e - m_E)`` and
  ``S = I - L_E^T (L_E L_E^T)^-1 L_E``; the counterfactual target ``Y* = m*_Y + L*_Y eps`` under
  the intervened model then has mean ``m*_Y + L*_Y mu`` and variance ``L*_Y S L*_Y^T``.

Answers are float64 means and variances, and tail probabilities ``P(Y > t)`` from them. (pgmpy's
linear-Gaussian network rounds its joint to 8 decimals and has no ``do``; see
docs/origins.md, §5.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ..validation import show_value
from .dag import DAG
from .errors import ModelError, QueryError, ZeroProbabilityEvidence
from .query import Query, finite_number, parse_query


@dataclass(frozen=True, eq=False)
class GaussianSCM:
    """A linear-Gaussian SCM; ``weights[i]`` is aligned with ``dag.parents[i]``."""

    dag: DAG
    weights: tuple[np.ndarray, ...]
    intercepts: np.ndarray
    sigmas: np.ndarray

    family = "gaussian"

    def __post_init__(self) -> None:
        n = self.dag.n
        w = tuple(np.array(x, dtype=np.float64).reshape(-1) for x in self.weights)
        b = np.array(self.intercepts, dtype=np.float64).reshape(-1)
        s = np.array(self.sigmas, dtype=np.float64).reshape(-1)
        if len(w) != n or b.shape != (n,) or s.shape != (n,):
            raise ModelError(f"need weights, an intercept and a sigma for each of the {n} variables")
        for i, wi in enumerate(w):
            if wi.shape != (len(self.dag.parents[i]),):
                raise ModelError(f"{show_value(self.dag.names[i])} has {len(self.dag.parents[i])} parents "
                                 f"but {wi.size} weights")
        names = self.dag.names
        for i, wi in enumerate(w):
            if not np.all(np.isfinite(wi)):
                raise ModelError(f"{show_value(names[i])} has the weights {show_value(wi.tolist())}; "
                                 "weights must be finite numbers")
        for what, arr in (("intercept", b), ("sigma", s)):
            bad = ~np.isfinite(arr) | ((arr <= 0) if what == "sigma" else False)
            if bad.any():
                i = int(np.argmax(bad))
                need = "a positive finite number" if what == "sigma" else "a finite number"
                raise ModelError(f"{show_value(names[i])} has {what} {float(arr[i])!r}; it must be {need}")
        for arr in (*w, b, s):
            arr.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "intercepts", b)
        object.__setattr__(self, "sigmas", s)

    @property
    def n(self) -> int:
        return self.dag.n

    @property
    def names(self) -> tuple[str, ...]:
        return self.dag.names

    @property
    def parents(self) -> tuple[tuple[int, ...], ...]:
        return self.dag.parents

    def weight_matrix(self) -> np.ndarray:
        """``W`` with ``W[i, j]`` the weight of parent ``j`` in the equation of ``i``."""
        w = np.zeros((self.n, self.n))
        for i, pa in enumerate(self.parents):
            w[i, list(pa)] = self.weights[i]
        return w

    def linear_form(self, do: dict[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(m, L)`` with ``X = m + L eps`` in the model mutilated by ``do``."""
        w, b, s = self.weight_matrix(), self.intercepts.copy(), self.sigmas.copy()
        for k, c in (do or {}).items():
            w[k] = 0.0
            b[k] = c
            s[k] = 0.0
        a = np.linalg.inv(np.eye(self.n) - w)
        return a @ b, a * s[None, :]

    def rounded(self, decimals: int) -> GaussianSCM:
        """The model with weights, intercepts and sigmas rounded to ``decimals`` places."""
        sig = np.maximum(np.round(self.sigmas, decimals), 10.0**-decimals)
        return GaussianSCM(dag=self.dag, weights=tuple(np.round(w, decimals) for w in self.weights),
                           intercepts=np.round(self.intercepts, decimals), sigmas=sig)

    def __repr__(self) -> str:
        return f"GaussianSCM(n={self.n}, edges={len(self.dag.edges)})"


@dataclass(frozen=True)
class GaussianResult:
    """Mean and variance of the target (and a tail probability for ``P(Y > t | ...)``)."""

    query: Query
    variable: str
    mean: float
    variance: float
    probability: float | None = None

    def to_dict(self) -> dict:
        out = {"query": str(self.query), "mean": self.mean, "variance": self.variance}
        if self.probability is not None:
            out["probability"] = self.probability
        return out


def _number(model: GaussianSCM, name: str, text: str) -> tuple[int, float]:
    """Variable index and finite value of ``name=text`` (errors name the assignment)."""
    var = model.dag.index(name)
    try:
        float(text)
    except ValueError:
        raise QueryError(f"{name}={show_value(text)}: values of a Gaussian model are numbers") from None
    return var, finite_number(text, f"{name}={show_value(text)}")


def _condition(m: np.ndarray, cov: np.ndarray, y: int, ev: dict[int, float]) -> tuple[float, float]:
    """Mean and variance of ``X_y`` given ``X_E = e`` under ``N(m, cov)`` (Schur complement)."""
    if y in ev:
        return ev[y], 0.0
    if not ev:
        return float(m[y]), float(cov[y, y])
    e = list(ev)
    k = np.linalg.solve(cov[np.ix_(e, e)], cov[e, y])
    mean = m[y] + k @ (np.array([ev[v] for v in e]) - m[e])
    return float(mean), float(max(cov[y, y] - k @ cov[e, y], 0.0))


def _tail(q: Query, mean: float, var: float) -> float | None:
    if q.comparison is None:
        return None
    t = q.threshold
    if var == 0.0:
        return float({">": mean > t, ">=": mean >= t, "<": mean < t, "<=": mean <= t}[q.comparison])
    z = (t - mean) / np.sqrt(var)
    return float(norm.sf(z) if q.comparison in (">", ">=") else norm.cdf(z))


def solve_gaussian(model: GaussianSCM, query: str | Query) -> GaussianResult:
    """Exact answer to one query on a linear-Gaussian SCM; an answer that float64 cannot hold
    (values near 1e308, noise scales near 1e-308) is a :class:`QueryError`, never a NaN."""
    q = parse_query(query)
    try:
        with np.errstate(all="ignore"):
            result = _solve(model, q)
    except np.linalg.LinAlgError:
        raise QueryError(f"{q}: the evidence covariance is singular in float64 (noise scales too "
                         "small?); rescale the model") from None
    values = (result.mean, result.variance, 0.0 if result.probability is None else result.probability)
    if not all(np.isfinite(values)):
        raise QueryError(f"{q}: the answer is not a finite number in float64 (mean {result.mean!r}, "
                         f"variance {result.variance!r}); use smaller values or rescale the model")
    return result


def _solve(model: GaussianSCM, q: Query) -> GaussianResult:
    """:func:`solve_gaussian` without the checks of the answer."""
    if q.target_value is not None:
        raise QueryError(f"{q}: a Gaussian target has a density; ask P({q.target} | ...) for its "
                         f"mean and variance or P({q.target} > t | ...) for a tail probability")
    y = model.dag.index(q.target)
    iv = dict(_number(model, k, v) for k, v in q.interventions)
    ev = dict(_number(model, k, v) for k, v in q.evidence)
    if q.rung == 3:
        m, lf = model.linear_form()
        e = list(ev)
        if e:
            le = lf[e]  # (|E|, n)
            gain = np.linalg.solve(le @ le.T, le).T  # (n, |E|) = L_E^T (L_E L_E^T)^-1
            mu = gain @ (np.array([ev[v] for v in e]) - m[e])
            post = np.eye(model.n) - gain @ le
        else:
            mu, post = np.zeros(model.n), np.eye(model.n)
        m_cf, l_cf = model.linear_form(iv)
        mean = float(m_cf[y] + l_cf[y] @ mu)
        var = float(max(l_cf[y] @ post @ l_cf[y], 0.0))
    else:
        for x, v in iv.items():
            if x in ev and ev.pop(x) != v:
                raise ZeroProbabilityEvidence(f"{q}: the evidence contradicts the intervention "
                                              f"on {model.names[x]}")
        m, lf = model.linear_form(iv)
        mean, var = _condition(m, lf @ lf.T, y, ev)
    return GaussianResult(query=q, variable=model.names[y], mean=mean, variance=var,
                          probability=_tail(q, mean, var))
