"""Sampling questions on one model: rung, target, interventions and evidence, with filters.

Evidence values come from a forward sample of the model the answer is computed from — under the
interventions for rung 2 (the post-intervention world), factual for rungs 1 and 3 — so evidence
never has probability zero. Intervention values are uniform (discrete) or a forward-sample value
(Gaussian). Filters (:class:`.config.Filters`): the target is not intervened on, an intervened
node has a directed path to the target after surgery, no question twice on one model.

A sampled :class:`Draw` (rung, target, evidence, interventions) becomes a :class:`Question`
through the answer format (:mod:`.formats`): a target value, a tail, or a second query to
compare with.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ...causal import DiscreteSCM, GaussianSCM, Query, sample

if TYPE_CHECKING:  # the config imports the formats, which import this module
    from .config import CausalQAConfig
    from .formats import AnswerFormat


@dataclass(frozen=True)
class Question:
    rung: int
    query: Query
    other: Query | None = None  # comparison questions: the query the first is compared with


@dataclass(frozen=True)
class Draw:
    """A sampled question before its answer format shapes it: the target node, evidence and
    intervention values (as text), and the joint sample the evidence was read from."""

    rung: int
    target: int
    evidence: dict[str, str]
    interventions: dict[str, str]
    world: Any  # one joint sample (list or array), or None without evidence (discrete)

    def query(self, model, **extra: Any) -> Query:
        kind = "counterfactual" if self.rung == 3 else "do"
        return Query(target=model.names[self.target], evidence=self.evidence,
                     **{kind: self.interventions}, **extra)

    def target_value(self, model, rng: np.random.Generator) -> str:
        """A uniformly drawn value of the (discrete) target."""
        return model.states[self.target][int(rng.integers(model.cards[self.target]))]


def _value_text(model, var: int, value: float | int, decimals: int) -> str:
    if isinstance(model, GaussianSCM):
        return f"{float(value):.{decimals}f}"
    return model.states[var][int(value)]


def _reachable(model, cut: list[int]) -> set[int]:
    """Nodes with a directed path from some intervened node after surgery (excluding them)."""
    children, seen, stack = model.dag.children, set(), list(cut)
    while stack:
        for c in children[stack.pop()]:
            if c not in seen and c not in cut:
                seen.add(c)
                stack.append(c)
    return seen


def rung_quotas(rungs: dict[int, float], total: int) -> dict[int, int]:
    """Questions per rung for ``total`` questions (largest remainder, ties to the lower rung)."""
    keys = sorted(rungs)
    w = np.array([rungs[k] for k in keys], dtype=float)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return {k: int(b) for k, b in zip(keys, base, strict=True)}


def sample_question(model: DiscreteSCM | GaussianSCM, config: CausalQAConfig,
                    rng: np.random.Generator, rung: int, fmt: AnswerFormat) -> Question | None:
    """One candidate question of ``rung``, or None when this draw cannot satisfy the filters."""
    n, filters = model.n, config.filters
    k_do = int(rng.integers(config.n_interventions[0], config.n_interventions[1] + 1)) if rung > 1 else 0
    if k_do and filters.intervention_matters:
        # the first intervened node must have a child to reach anything (rejection would
        # draw it uniformly among those nodes too, only slower)
        parents_of = [v for v in range(n) if model.dag.children[v]]
        first = parents_of[int(rng.integers(len(parents_of)))]
        cut = [first, *_pick(rng, [v for v in range(n) if v != first], k_do - 1)]
    else:
        cut = _pick(rng, list(range(n)), k_do)
    candidates = [v for v in range(n) if not (filters.target_not_intervened and v in cut)]
    if rung > 1 and filters.intervention_matters:
        reach = _reachable(model, cut)
        candidates = [v for v in candidates if v in reach]
    if not candidates:
        return None
    y = int(candidates[rng.integers(len(candidates))])
    pool = [v for v in range(n) if v != y and v not in cut] if rung < 3 else list(range(n))
    k_ev = min(int(rng.integers(config.n_evidence[0], config.n_evidence[1] + 1)), len(pool))
    ev = sorted(_pick(rng, pool, k_ev))
    if isinstance(model, GaussianSCM):
        world = sample(model, 1, rng).values[0]  # factual world
        # a plausible intervention value: one noise scale away from the factual one
        do_values: dict[int, float | int] = {
            x: world[x] + model.sigmas[x] * rng.normal() for x in cut}
        if rung == 2:
            do = {model.names[x]: _value_text(model, x, v, config.decimals) for x, v in do_values.items()}
            world = sample(model, 1, rng, do=do).values[0]
    else:
        do_values = {x: int(rng.integers(model.cards[x])) for x in cut}
        world = forward(model, rng, do_values if rung == 2 else {}) if ev else None
    d = config.decimals
    evidence = {model.names[v]: _value_text(model, v, world[v], d) for v in ev}
    interventions = {model.names[x]: _value_text(model, x, v, d) for x, v in do_values.items()}
    return fmt.question(model, Draw(rung, y, evidence, interventions, world), rng, d)


def _pick(rng: np.random.Generator, items: list[int], k: int) -> list[int]:
    """``k`` distinct items, uniformly (cheaper than ``rng.choice`` for short lists)."""
    if k <= 0:
        return []
    return [items[i] for i in np.argsort(rng.random(len(items)))[:k].tolist()]


def forward(model: DiscreteSCM, rng: np.random.Generator, do: dict[int, int]) -> list[int]:
    """One joint sample of a discrete model under ``do`` (the canonical mechanism
    ``X = min{k : CDF(k | pa) >= U}``, as :func:`reasonlab.causal.sample`, for a single unit
    without numpy overhead)."""
    cdfs = model.cdf_lists()
    u = rng.random(model.n).tolist()
    values = [0] * model.n
    for v in model.dag.order:
        if v in do:
            values[v] = do[v]
            continue
        row = 0
        for p in model.parents[v]:
            row = row * model.cards[p] + values[p]
        values[v] = bisect_left(cdfs[v][row], u[v])
    return values
