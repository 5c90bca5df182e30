"""Gold reasoning traces for SFT: the exact computation in readable steps.

Discrete models (the engine's own elimination, :func:`reasonlab.causal.discrete_inference.elimination`):

1. surgery (rung 2: edges into intervened variables removed) or the twin network (rung 3: a
   starred copy of every variable downstream of the counterfactual intervention, sharing the
   noise of its factual twin; ``T(X, X* | ...)`` is the joint of a node and its copy);
2. pruning: only the target, the evidence and their ancestors matter;
3. the evidence and intervened values plugged into the factors;
4. one line per eliminated variable: the factors multiplied, the variable summed out, the
   intermediate table (4 decimals);
5. the product of what is left, normalised.

Linear-Gaussian models: means and covariances propagated in closed form, then conditioning.
Tables are printed as nested lists, axes in the order of the factor's variables. Each answer
format ends a discrete trace with its own lines (:meth:`.formats.AnswerFormat.trace_answer`).
"""

from __future__ import annotations

import numpy as np

from ...causal import GaussianSCM, Query
from ...causal.discrete_inference import elimination
from .rounding import distribution_text, number_text


def _name(model, v: int) -> str:
    return model.names[v % model.n] + ("*" if v >= model.n else "")


def _table(t: np.ndarray) -> str:
    return str(np.round(t, 4).tolist()) if t.ndim else f"{float(t):.4g}"


def _factor_name(model, labels, fixed, twins) -> str:
    n = model.n
    shown = [f"{_name(model, v)}={model.states[v % n][fixed[v]]}" if v in fixed else _name(model, v)
             for v in labels]
    if labels and labels[-1] >= n and labels[-1] - n in twins:
        *pa, x, xs = shown
        pa = list(dict.fromkeys(pa))  # a parent shared by both worlds appears once
        return f"T({x}, {xs}" + (f" | {', '.join(pa)})" if pa else ")")
    *pa, x = shown
    return f"P({x}" + (f" | {', '.join(pa)})" if pa else ")")


def discrete_trace(model, q: Query, d: int) -> tuple[list[str], np.ndarray]:
    """Lines of the trace and the normalised distribution it ends with."""
    e = elimination(model, q)
    lines = [f"Query: {q}"]
    if q.do:
        lines.append(f"Surgery: do({', '.join(f'{k}={v}' for k, v in q.do)}) removes the edges "
                     "into the intervened variables and fixes their values.")
    if q.counterfactual:
        lines.append("Twin network: variables downstream of "
                     f"{', '.join(k for k, _ in q.counterfactual)} get a counterfactual copy (*) "
                     "that shares its noise with the factual variable; "
                     f"{', '.join(f'{k}*={v}' for k, v in q.counterfactual)} is set.")
    kept = sorted({_name(model, v) for labels, _ in e.factors for v in labels})
    lines.append(f"Relevant variables: {', '.join(kept)}.")
    if q.evidence:
        lines.append(f"Evidence: {', '.join(f'{k}={v}' for k, v in q.evidence)}.")
    live: list[tuple[str, tuple[int, ...], np.ndarray]] = []
    for labels, table in e.factors:
        name = _factor_name(model, labels, e.fixed, e.twins)
        index = tuple(e.fixed[v] if v in e.fixed else slice(None) for v in labels)
        free = tuple(v for v in labels if v not in e.fixed)
        live.append((name, free, table[index]))
    for k, v in enumerate(e.order, start=1):
        used = [f for f in live if v in f[1]]
        live = [f for f in live if v not in f[1]]
        out, table = _contract(used, drop=v)
        fname = f"f{k}({', '.join(_name(model, u) for u in out)})"
        lines.append(f"Eliminate {_name(model, v)}: {fname} = sum_{_name(model, v)} "
                     f"{' * '.join(f[0] for f in used)} = {_table(table)}")
        live.append((fname, out, table))
    out, table = _contract(live, drop=None, keep=(e.target,) if e.target not in e.fixed else ())
    y = e.target
    if len(live) > 1:
        lines.append(f"Multiply what is left: {' * '.join(f[0] for f in live)}.")
    if y in e.fixed:
        probs = np.zeros(model.cards[y % model.n])
        probs[e.fixed[y]] = 1.0
        lines.append(f"{_name(model, y)} is fixed by the evidence, so its distribution is "
                     f"{distribution_text(probs, d)}.")
        return lines, probs
    total = float(table.sum())
    probs = table / total
    lines.append(f"Unnormalised: {_table(table)}; total {total:.4g}.")
    lines.append(f"Normalise: P({_name(model, y)}) = {_table(probs)}")
    return lines, probs


def _contract(factors, drop, keep=None):
    """Multiply ``factors`` (name, labels, table) and sum out ``drop`` (or all but ``keep``)."""
    labels = list(dict.fromkeys(v for _, lab, _ in factors for v in lab))
    out = tuple(v for v in labels if v != drop) if keep is None else tuple(keep)
    ids = {v: i for i, v in enumerate(labels + [v for v in out if v not in labels])}
    args: list = []
    for _, lab, table in factors:
        args += [table, [ids[v] for v in lab]]
    if not args:
        return out, np.ones(())
    return out, np.einsum(*args, [ids[v] for v in out])


def gaussian_trace(model: GaussianSCM, q: Query, d: int) -> list[str]:
    lines = [f"Query: {q}"]
    iv = {model.dag.index(k): float(v) for k, v in q.interventions}
    m, lf = model.linear_form(iv if q.rung == 2 else None)
    if q.rung == 2:
        lines.append(f"Surgery: {', '.join(f'{k}={v}' for k, v in q.do)} replaces those equations "
                     "by constants.")
    order = model.dag.order
    lines.append("Means in topological order: "
                 + ", ".join(f"E[{model.names[v]}]={number_text(m[v], 4)}" for v in order) + ".")
    cov = lf @ lf.T
    y = model.dag.index(q.target)
    ev = [model.dag.index(k) for k, _ in q.evidence]
    covs = "".join(f", Cov[{q.target}, {model.names[e]}]={number_text(cov[y, e], 4)}" for e in ev)
    lines.append(f"Var[{q.target}]={number_text(cov[y, y], 4)}{covs}.")
    if q.rung == 3:
        lines.append("Abduction: the noise posterior given the evidence; action: set "
                     f"{', '.join(f'{k}={v}' for k, v in q.counterfactual)}; prediction: propagate "
                     "the posterior noise through the modified equations.")
    elif ev:
        lines.append("Condition on the evidence with the Schur complement: mean = E[Y] + "
                     "Cov[Y,E] Cov[E,E]^-1 (e - E[E]), variance = Var[Y] - Cov[Y,E] Cov[E,E]^-1 Cov[E,Y].")
    return lines


def gaussian_result_trace(model: GaussianSCM, q: Query, r, d: int) -> list[str]:
    """The Gaussian trace ending with its result: mean, variance (and a tail probability)."""
    tail = (f", P({q.target} > {q.threshold!r}) = {number_text(r.probability, d)}"
            if r.probability is not None else "")
    return [*gaussian_trace(model, q, d),
            f"Result: mean {number_text(r.mean, d)}, variance {number_text(r.variance, d)}{tail}."]
