"""Systems side by side: accuracy at each tolerance, overall and per slice, with CIs and
significance against the best system of each column.

A column is (slice, tolerance). Slices come from the examples' own metadata: ``overall``, rung,
subset, held-out, and the easy/medium/hard bin of every difficulty metric (VE operations,
longest path, ancestor size, treewidth). Tolerances are TVD thresholds (accuracy@t, the causal
study's metric: default 0.01, 0.02, 0.03) for tasks whose verifier reports a TVD, else the
task's own exact verdict.

The unit of the statistics is the distinct prompt by default: rows that repeat a prompt (a
boolean world's test split holds 2,000 rows of 32 inputs; greedy decoding answers copies alike)
are one observation, their mean, so 16 copies of one held-out input weigh as one piece of
evidence, not 16 (``unit="example"`` counts rows, as the original pipeline did; with distinct
prompts, as in causal QA, the two agree). Each cell: mean x 100 over units, a 95% CI (a
seeded bootstrap over units for one seed; a t interval over seed means for several, clipped to
[0, 1]), n rows and the number of distinct prompts. Each system is tested against the column's
best by the paired sign-flip permutation test (9,999 resamples, two-sided, seeded; paired per unit, on the
unit's mean over seeds), Holm-corrected across the systems of the column by default
(``correction="none"`` reproduces the original pipeline, which had none). The best system and
every system not significantly worse are marked bold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import ConfigError
from .results import System, common_ids
from .stats import CORRECTIONS, bootstrap_ci, paired_pvalues, seed_ci

TOLERANCES = (0.01, 0.02, 0.03)
UNITS = ("prompt", "example")
DIFFICULTY = ("ve_ops", "longest_path", "ancestor_size", "treewidth")
_BIN_ORDER = {"easy": 0, "medium": 1, "hard": 2}
_GROUP_ORDER = ("overall", "rung", "subset", "held_out", *DIFFICULTY)


@dataclass(frozen=True)
class Column:
    """A slice (``group``, e.g. ``ve_ops``; ``slice``, e.g. ``ve_ops=easy``) at a tolerance."""

    group: str
    slice: str
    tolerance: float | None

    @property
    def label(self) -> str:
        t = "exact" if self.tolerance is None else f"t={self.tolerance:g}"
        return f"{self.slice} {t}"


@dataclass(frozen=True)
class Cell:
    system: str
    column: Column
    mean: float  # in [0, 1]
    lo: float
    hi: float
    n: int
    prompts: int
    seeds: int
    p: float | None  # vs the column's best (None for the best itself)
    p_adjusted: float | None
    best: bool
    bold: bool


@dataclass(frozen=True)
class Comparison:
    systems: tuple[str, ...]
    columns: tuple[Column, ...]
    cells: tuple[Cell, ...]
    correction: str
    alpha: float
    n_resamples: int
    seed: int

    def cell(self, system: str, column: Column) -> Cell:
        return self._index[(system, column)]

    @property
    def _index(self) -> dict[tuple[str, Column], Cell]:
        return {(c.system, c.column): c for c in self.cells}


def slice_groups(system: System, ids: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """``{group: {slice: [row positions]}}`` from the first results file of ``system``."""
    by_id = {r.id: r for r in system.files[0].rows}
    groups: dict[str, dict[str, list[int]]] = {"overall": {"all": list(range(len(ids)))}}
    for pos, i in enumerate(ids):
        for key in by_id[i].slices:
            group = "held_out" if key in ("held_out", "not_held_out") else key.split("=", 1)[0]
            groups.setdefault(group, {}).setdefault(key, []).append(pos)
    if any(m in groups for m in DIFFICULTY):
        groups.pop("bin", None)  # the primary bin repeats one difficulty metric's bins
    rank = {g: i for i, g in enumerate(_GROUP_ORDER)}
    out = {}
    for g in sorted(groups, key=lambda g: (rank.get(g, len(rank)), g)):
        out[g] = dict(sorted(groups[g].items(),
                             key=lambda kv: (_BIN_ORDER.get(kv[0].split("=")[-1], 9), kv[0])))
    return out


def tolerances_for(systems: Sequence[System], tolerances: Sequence[float]) -> tuple[float | None, ...]:
    """The TVD tolerances when every system's results carry a TVD, else the exact verdict only."""
    return tuple(tolerances) if all(s.has_tvd for s in systems) else (None,)


def compare(systems: Sequence[System], tolerances: Sequence[float] = TOLERANCES,
            groups: Sequence[str] | None = None, correction: str = "holm", alpha: float = 0.05,
            n_resamples: int = 9999, n_bootstrap: int = 2000, seed: int = 0,
            unit: str = "prompt") -> Comparison:
    """The full comparison table of ``systems`` (see the module docstring)."""
    if unit not in UNITS:
        raise ConfigError(f"--unit {unit!r}: choose prompt (repeated prompts count once) or example")
    if correction not in CORRECTIONS:
        raise ConfigError(f"correction {correction!r} is not known; choose one of {', '.join(CORRECTIONS)}")
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise ConfigError(f"system names repeat ({', '.join(names)}); give each --system a distinct name")
    ids = common_ids(systems)
    tols = tolerances_for(systems, tolerances)
    slices = slice_groups(systems[0], ids)
    if groups:
        unknown = sorted(set(groups) - set(slices))
        if unknown:
            raise ConfigError(f"--slices {','.join(unknown)}: these results have no such slice group; "
                              f"choose from {', '.join(slices)}")
        slices = {g: v for g, v in slices.items() if g in groups}
    prompts = [r.prompt for r in systems[0].files[0].rows]
    by_id = dict(zip([r.id for r in systems[0].files[0].rows], prompts, strict=True))
    values = {(s.name, t): s.values(ids, t) for s in systems for t in tols}  # (n, seeds) each
    cells: list[Cell] = []
    columns: list[Column] = []
    for group, members in slices.items():
        for key, positions in members.items():
            block = [Column(group, key, t) for t in tols]
            columns += block
            prompt_units = unit_index([by_id[ids[p]] for p in positions])
            cells += _slice_cells(systems, block, values, np.asarray(positions),
                                  prompt_units if unit == "prompt" else None, int(prompt_units.max()) + 1,
                                  correction, alpha, n_resamples, n_bootstrap, seed)
    return Comparison(tuple(names), tuple(columns), tuple(cells), correction, alpha, n_resamples, seed)


def unit_index(prompts: Sequence[str]) -> np.ndarray:
    """The distinct-prompt number of each row (first-seen order)."""
    first: dict[str, int] = {}
    return np.array([first.setdefault(p, len(first)) for p in prompts], dtype=np.int64)


def collapse(rows: np.ndarray, units: np.ndarray | None) -> np.ndarray:
    """``rows: (n, k)`` averaged within each unit -> ``(u, k)`` (None: rows unchanged)."""
    if units is None:
        return rows
    u = int(units.max()) + 1
    sums = np.zeros((u, rows.shape[1]))
    np.add.at(sums, units, rows)
    return sums / np.bincount(units, minlength=u)[:, None]


def _slice_cells(systems, block, values, positions, units, n_prompts, correction, alpha, n_resamples,
                 n_bootstrap, seed) -> list[Cell]:
    """The cells of one slice: every system at every tolerance of ``block``; the statistics run
    over ``units`` (distinct prompts, each the mean of its rows) or over rows when None."""
    k = len(systems)
    per_seed = {(s.name, c.tolerance): collapse(values[(s.name, c.tolerance)][positions], units)
                for s in systems for c in block}
    mean_ex = np.stack([per_seed[(s.name, c.tolerance)].mean(axis=1) for c in block for s in systems],
                       axis=1)  # (units, len(block) * k): per-unit mean over seeds
    means = mean_ex.mean(axis=0)
    lo, hi = bootstrap_ci(mean_ex, n_bootstrap, seed)
    best = [int(np.argmax(means[j * k : (j + 1) * k])) for j in range(len(block))]
    a_cols = [j * k + i for j in range(len(block)) for i in range(k) if i != best[j]]
    b_cols = [j * k + best[j] for j in range(len(block)) for i in range(k) if i != best[j]]
    p_all = paired_pvalues(mean_ex[:, a_cols], mean_ex[:, b_cols], n_resamples, seed) if a_cols else []
    cells, at = [], 0
    for j, column in enumerate(block):
        p = np.full(k, np.nan)
        for i in range(k):
            if i != best[j]:
                p[i], at = p_all[at], at + 1
        adjusted = CORRECTIONS[correction](p)
        for i, s in enumerate(systems):
            col = j * k + i
            ci = (lo[col], hi[col])
            if s.seeds > 1:
                seed_means = per_seed[(s.name, column.tolerance)].mean(axis=0)
                ci = tuple(np.clip(seed_ci(seed_means), 0.0, 1.0))
            is_best = i == best[j]
            cells.append(Cell(s.name, column, float(means[col]), float(ci[0]), float(ci[1]), len(positions),
                              n_prompts, s.seeds, None if is_best else float(p[i]),
                              None if is_best else float(adjusted[i]), is_best,
                              is_best or bool(adjusted[i] >= alpha)))
    return cells
