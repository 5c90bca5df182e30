"""Independent oracles for the causal engine's tests.

Brute force by enumeration (every joint assignment, every joint noise interval), written without
the engine's pruning, elimination orders or twin factors, and random query generators.
"""

from __future__ import annotations

import itertools

import numpy as np

from reasonlab.causal import DagConfig, DiscreteModelConfig, DiscreteSCM, Query, sample_model


def random_small_model(seed: int, max_nodes: int = 6, decimals: int | None = None) -> DiscreteSCM:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_nodes + 1))
    cfg = DiscreteModelConfig(
        dag=DagConfig(nodes=n, parents=(1, int(rng.integers(1, 4)))),
        states=(2, 3), decimals=decimals, alpha=float(rng.choice([0.3, 1.0, 3.0])))
    return sample_model(cfg, seed)


def random_query(model: DiscreteSCM, rng: np.random.Generator, rung: int) -> Query:
    n = model.n
    target = model.names[int(rng.integers(n))]
    k_int = int(rng.integers(1, min(2, n) + 1)) if rung > 1 else 0
    k_ev = int(rng.integers(0, min(2, n) + 1))
    picks = rng.permutation(n)
    iv = {model.names[i]: int(rng.integers(model.cards[i])) for i in picks[:k_int]}
    # evidence may overlap target and intervened variables (rung 3 allows both)
    ev_pool = rng.permutation(n)[:k_ev]
    ev = {model.names[i]: int(rng.integers(model.cards[i])) for i in ev_pool}
    if rung == 2:
        ev = {k: v for k, v in ev.items() if k not in iv or rng.random() < 0.3}
    return Query(target=target, do=iv if rung == 2 else {}, counterfactual=iv if rung == 3 else {},
                 evidence=ev)


def _bound(model: DiscreteSCM, q: Query):
    idx = model.dag.index
    return (idx(q.target), {idx(k): model.state_index(idx(k), v) for k, v in q.interventions},
            {idx(k): model.state_index(idx(k), v) for k, v in q.evidence})


def brute_interventional(model: DiscreteSCM, q: Query) -> np.ndarray | None:
    """P(target | do, evidence) by summing the truncated factorisation over all assignments.
    Returns None when the evidence has probability zero."""
    y, do, ev = _bound(model, q)
    joint_y = np.zeros(model.cards[y])
    for assign in itertools.product(*(range(c) for c in model.cards)):
        if any(assign[k] != v for k, v in do.items()) or any(assign[k] != v for k, v in ev.items()):
            continue
        p = 1.0
        for i in range(model.n):
            if i in do:
                continue
            p *= model.cpts[i][(*tuple(assign[j] for j in model.parents[i]), assign[i])]
        joint_y[assign[y]] += p
    total = joint_y.sum()
    return None if total == 0 else joint_y / total


def _mechanism(model: DiscreteSCM, i: int, pa_values: tuple[int, ...], u: float) -> int:
    cdf = np.cumsum(model.cpts[i][pa_values])
    cdf[-1] = 1.0
    return int(np.argmax(cdf >= u))


def _world(model: DiscreteSCM, u: list[float], do: dict[int, int]) -> list[int]:
    x = [0] * model.n
    for i in model.dag.order:
        x[i] = do[i] if i in do else _mechanism(
            model, i, tuple(x[j] for j in model.parents[i]), u[i])
    return x


def noise_intervals(model: DiscreteSCM, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints and lengths of the intervals between all CDF breakpoints of variable i."""
    cdf = np.cumsum(model.cpts[i].reshape(-1, model.cards[i]), axis=1)
    cdf[:, -1] = 1.0
    bp = np.unique(np.concatenate([[0.0], cdf.ravel()]))
    return (bp[:-1] + bp[1:]) / 2, np.diff(bp)


def brute_counterfactual(model: DiscreteSCM, q: Query) -> np.ndarray | None:
    """P(target_{iv} | evidence) by enumerating every joint noise interval and evaluating the
    mechanism at the interval midpoints in both worlds."""
    y, iv, ev = _bound(model, q)
    per_var = [noise_intervals(model, i) for i in range(model.n)]
    out = np.zeros(model.cards[y])
    for combo in itertools.product(*(range(len(m)) for m, _ in per_var)):
        u = [per_var[i][0][j] for i, j in enumerate(combo)]
        fact = _world(model, u, {})
        if any(fact[k] != v for k, v in ev.items()):
            continue
        w = float(np.prod([per_var[i][1][j] for i, j in enumerate(combo)]))
        out[_world(model, u, iv)[y]] += w
    total = out.sum()
    return None if total == 0 else out / total


def n_noise_combos(model: DiscreteSCM) -> int:
    return int(np.prod([len(noise_intervals(model, i)[0]) for i in range(model.n)]))
