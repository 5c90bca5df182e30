"""Discrete structural causal models with the canonical (inverse-CDF) mechanism.

Each variable ``X_i`` has a conditional probability table ``cpts[i]`` of shape
``(*cards[parents], cards[i])``: one row per parent configuration (first parent slowest, as in
``numpy`` row-major order), each row a distribution over the states of ``X_i``. The structural
equation is the canonical one,

    X_i = min{ k : CDF(k | pa_i) >= U_i },   U_i ~ Uniform(0, 1) independent,

which reproduces the CPTs observationally and makes counterfactuals well defined (rung 3 needs a
mechanism, not only a distribution). ``cdf(i)`` returns these CDFs with the last column pinned to
exactly 1.0 so that every ``U`` in (0, 1] maps to a state.

``rounded(d)`` gives the model whose tables are the ones a prompt would display with ``d``
decimals: each row is rounded by the largest-remainder method, so the displayed numbers are exact
multiples of ``10**-d`` that sum to exactly one. Computing answers from that model is what lets a
perfect solver reading the prompt get every answer right (the original study computed answers
from the unrounded tables it did not show; docs/origins.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..validation import check_limit, show_value
from .dag import DAG
from .errors import ModelError, QueryError
from .errors import cells as approx

ROW_SUM_TOLERANCE = 1e-6


def round_distribution(p: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Round distributions along the last axis to ``decimals`` places, keeping each row's sum at
    exactly one (largest-remainder method; ties, judged at 1e-9, go to the lower state index).

    Returns ``(values, units)`` where ``units`` are the integers ``values * 10**decimals``.
    Rows already on the grid are returned unchanged, so rounding is idempotent.
    """
    scale = 10**decimals
    scaled = np.asarray(p, dtype=np.float64) * scale
    floors = np.floor(scaled + 1e-9)  # 0.29 * 100 = 28.999999999999996 must floor to 29
    # remainders compared at 1e-9, so float noise (0.7034 computed as 0.70340000000000003)
    # cannot break a tie that the exact numbers have: ties go to the lower index
    remainder = np.round(scaled - floors, 9)
    deficit = (scale - floors.sum(axis=-1)).round().astype(np.int64)
    # rank states by remainder, largest first; stable sort keeps ties in index order
    ranks = np.argsort(np.argsort(-remainder, axis=-1, kind="stable"), axis=-1, kind="stable")
    units = (floors + (ranks < deficit[..., None])).astype(np.int64)
    return units / scale, units


def check_sizes(dag: DAG, cards: tuple[int, ...]) -> None:
    """Each CPT and all of them together within the limits ``cpt_cells`` and ``model_cells``."""
    cells = [math.prod(cards[p] for p in pa) * k for pa, k in zip(dag.parents, cards, strict=True)]
    if cells:
        big = max(range(len(cells)), key=cells.__getitem__)
        check_limit("cpt_cells", f"the table of {show_value(dag.names[big])}", approx(cells[big]),
                    "use fewer parents or states")
    check_limit("model_cells", "the tables of the model together", approx(sum(cells)), "use a smaller model")


def _check_states(name: str, states: tuple[str, ...]) -> None:
    """At least one state, all distinct."""
    if not states:
        raise ModelError(f"variable {show_value(name)} has no states; give it at least one")
    seen: set[str] = set()
    for s in states:
        if s in seen:
            raise ModelError(f"duplicate state {show_value(s)} of variable {show_value(name)}: "
                             "state names must be distinct")
        seen.add(s)


@dataclass(frozen=True, eq=False)
class DiscreteSCM:
    """A discrete SCM: a DAG, the state labels of each variable, and one CPT per variable."""

    dag: DAG
    states: tuple[tuple[str, ...], ...]
    cpts: tuple[np.ndarray, ...]

    family = "discrete"

    def __post_init__(self) -> None:
        n = self.dag.n
        if len(self.states) != n or len(self.cpts) != n:
            raise ModelError(f"need states and a CPT for each of the {n} variables")
        cards = tuple(len(s) for s in self.states)
        check_sizes(self.dag, cards)
        fixed = []
        for i, (name, cpt) in enumerate(zip(self.dag.names, self.cpts, strict=True)):
            _check_states(name, self.states[i])
            arr = np.array(cpt, dtype=np.float64)
            shape = (*tuple(cards[p] for p in self.dag.parents[i]), cards[i])
            if arr.shape != shape:
                raise ModelError(f"CPT of {show_value(name)} has shape {arr.shape}, expected {shape} "
                                 "(one row per parent configuration, first parent slowest)")
            arr.setflags(write=False)
            fixed.append(arr)
        # value checks on all tables at once (one numpy pass, not one per variable)
        flat = np.concatenate([a.ravel() for a in fixed]) if fixed else np.zeros(0)
        rows = np.repeat(np.arange(n), [a.size // cards[i] for i, a in enumerate(fixed)])
        starts = np.concatenate(([0], np.cumsum(np.repeat(cards, [a.size // c for a, c in
                                                                 zip(fixed, cards, strict=True)]))[:-1]))
        bad_value = ~np.isfinite(flat) | (flat < 0)
        if bad_value.any():
            at = int(np.argmax(bad_value))
            where = int(np.searchsorted(np.cumsum([a.size for a in fixed]), at, "right"))
            raise ModelError(f"CPT of {show_value(self.dag.names[where])} holds {float(flat[at])!r}, which "
                             "is not a probability; use finite numbers from 0 to 1")
        sums = np.add.reduceat(flat, starts.astype(np.int64)) if flat.size else flat
        bad = np.abs(sums - 1.0) > ROW_SUM_TOLERANCE
        if bad.any():
            k = int(np.argmax(bad))
            var = int(rows[k])
            first = int(np.searchsorted(rows, var))
            row = np.unravel_index(k - first, fixed[var].shape[:-1]) if fixed[var].ndim > 1 else ()
            raise ModelError(f"CPT of {show_value(self.dag.names[var])}: row {tuple(int(r) for r in row)} "
                             f"sums to {sums[k]:.9g}, not 1; normalise each row")
        object.__setattr__(self, "cpts", tuple(fixed))
        object.__setattr__(self, "memo", {})  # derived tables, filled by the engine as needed

    # ------------------------------------------------------------------ structure
    @property
    def n(self) -> int:
        return self.dag.n

    @property
    def names(self) -> tuple[str, ...]:
        return self.dag.names

    @property
    def parents(self) -> tuple[tuple[int, ...], ...]:
        return self.dag.parents

    @cached_property
    def cards(self) -> tuple[int, ...]:
        return tuple(len(s) for s in self.states)

    def resolve(self, name: str, token: str | None) -> tuple[int, int | None]:
        """``(variable index, state index)`` of ``name=token`` (token None: no state), with the
        errors of :meth:`DAG.index` and :meth:`state_index`. Cached lookups: the hot path of
        binding queries."""
        table = self.memo.get("lookup")
        if table is None:  # name -> (index, {label or index text -> state})
            table = self.memo["lookup"] = {
                name_: (i, {str(k): k for k in range(len(labels))} | {s: k for k, s in enumerate(labels)})
                for i, (name_, labels) in enumerate(zip(self.names, self.states, strict=True))}
        entry = table.get(name)
        if entry is None:
            self.dag.index(name)  # raises with close matches
        var, states = entry
        if token is None:
            return var, None
        state = states.get(token)
        return (var, state) if state is not None else (var, self.state_index(var, token))

    def state_index(self, var: int, token: str | int) -> int:
        """Index of a state given its label, or its integer index when no label matches."""
        labels = self.states[var]
        tok = str(token)
        if tok in labels:
            return labels.index(tok)
        if tok.isascii() and tok.isdigit() and int(tok) < len(labels):
            return int(tok)
        raise QueryError(f"{self.names[var]}={show_value(tok)} is out of range: "
                         f"{self.names[var]} takes values {list(labels)}")

    # ------------------------------------------------------------------ mechanism
    def cdf(self, var: int) -> np.ndarray:
        """CDFs of ``var``'s CPT as a ``(n_parent_configs, card)`` array, last column exactly 1."""
        key = ("cdf", var)
        if key not in self.memo:
            c = np.cumsum(self.cpts[var].reshape(-1, self.cards[var]), axis=-1)
            c[:, -1] = 1.0
            c.setflags(write=False)
            self.memo[key] = c
        return self.memo[key]

    def cdf_lists(self) -> list[list[list[float]]]:
        """Every variable's CDF rows as plain Python lists (cached): for drawing one unit at a
        time without numpy's per-call overhead."""
        if "cdf_lists" not in self.memo:
            self.memo["cdf_lists"] = [self.cdf(v).tolist() for v in range(self.n)]
        return self.memo["cdf_lists"]

    def parent_config_index(self, var: int, parent_values: Sequence[np.ndarray]) -> np.ndarray:
        """Row index into ``cdf(var)`` for arrays of parent values (row-major, first slowest)."""
        idx = np.zeros(np.shape(parent_values[0]) if parent_values else (), dtype=np.int64)
        for p, vals in zip(self.parents[var], parent_values, strict=True):
            idx = idx * self.cards[p] + vals
        return idx

    # ------------------------------------------------------------------ variants
    def rounded(self, decimals: int) -> DiscreteSCM:
        """The model whose CPTs are this model's rounded to ``decimals`` (rows still sum to 1)."""
        cpts = tuple(round_distribution(c, decimals)[0] for c in self.cpts)
        return DiscreteSCM(dag=self.dag, states=self.states, cpts=cpts)

    def __repr__(self) -> str:
        cards = ", ".join(map(str, self.cards[:12])) + (", ..." if self.n > 12 else "")
        return f"DiscreteSCM(n={self.n}, cards=[{cards}], edges={len(self.dag.edges)})"
