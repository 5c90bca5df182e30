"""``reasonlab demo`` (what ``make demo`` runs): the pipeline on built-in defaults.

1. The exact engine: a random discrete SCM and a linear-Gaussian one, one query per rung of
   each, every exact answer beside a Monte Carlo estimate (rung 3 by replaying the sampled noise
   under the intervention).
2. A reduced experiment (``--study``, on by default; a few minutes on 2 CPU cores): the
   ``demo`` profile of ``spo_vs_drgrpo`` -- one SFT warm-up of a tiny GPT-2 on the boolean world,
   Dr.GRPO and SPO 3.2 from it over 3 seeds, each final model scored on the test split, the
   claims over those arms decided (verdict table) and ``report.html`` written, all under
   ``experiments/spo_vs_drgrpo-demo/``. See ``reasonlab experiment`` and docs/experiments.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ..causal import (
    DagConfig,
    DiscreteModelConfig,
    GaussianModelConfig,
    Query,
    query,
    sample,
    sample_model,
)
from ..causal.metrics import query_metrics
from ..validation import SEED_MAX
from .causal import print_model

console = Console()


def _pick(model, rng: np.random.Generator) -> tuple[int, int, int]:
    """An intervened node x with a descendant y, and a third node z (all distinct)."""
    dag = model.dag
    for x in rng.permutation(model.n):
        desc = sorted(dag.descendants([x]) - {x})
        if desc:
            y = desc[-1] if len(desc) == 1 else desc[int(rng.integers(len(desc)))]
            z = next(int(v) for v in rng.permutation(model.n) if v not in (x, y))
            return int(x), int(y), z
    raise RuntimeError("the demo model has no edges; try another --seed")


def _mc_discrete(model, q: Query, n: int, seed: int) -> tuple[np.ndarray, int]:
    fact = sample(model, n, seed=seed, do=dict(q.do))
    world = sample(model, n, do=dict(q.counterfactual), noise=fact.noise) if q.rung == 3 else fact
    keep = np.ones(n, dtype=bool)
    for k, v in q.evidence:
        keep &= fact.column(k) == model.state_index(model.dag.index(k), v)
    y = world.column(q.target)[keep]
    return np.bincount(y, minlength=model.cards[model.dag.index(q.target)]) / max(len(y), 1), len(y)


def _mc_gaussian(model, q: Query, n: int, seed: int) -> tuple[float, float]:
    """Mean and variance of the target given the evidence, by least squares on samples
    (exact in expectation for jointly Gaussian variables)."""
    fact = sample(model, n, seed=seed, do=dict(q.do))
    world = sample(model, n, do=dict(q.counterfactual), noise=fact.noise) if q.rung == 3 else fact
    y = world.column(q.target)
    ev = [(k, float(v)) for k, v in q.evidence]
    design = np.column_stack([np.ones(n)] + [fact.column(k) for k, _ in ev])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.concatenate([[1.0], [v for _, v in ev]]) @ coef), float((y - design @ coef).var())


def _discrete_part(seed: int, nodes: int, samples: int) -> None:
    cfg = DiscreteModelConfig(dag=DagConfig(nodes=nodes, roots=(1, 2), parents=(1, 2)),
                              states=(2, 3), decimals=2)
    model = sample_model(cfg, seed)
    console.rule(f"[bold]A random discrete SCM (seed {seed}); CPTs shown with 2 decimals, which "
                 "are the parameters answers are computed from")
    print_model(model)
    rng = np.random.default_rng(seed)
    x, y, z = _pick(model, rng)
    n = model.names
    fact = sample(model, 1, seed=seed)  # a plausible factual world for the evidence values
    xv, yv, zv = (int(fact.values[0, i]) for i in (x, y, z))
    queries = [
        Query(target=n[y], evidence={n[z]: zv}),
        Query(target=n[y], do={n[x]: 1 - min(xv, 1)}, evidence={n[z]: zv}),
        Query(target=n[y], counterfactual={n[x]: 1 - min(xv, 1)}, evidence={n[x]: xv, n[y]: yv}),
    ]
    for q in queries:
        r = query(model, q)
        est, kept = _mc_discrete(model, q, samples, seed + 1)
        m = query_metrics(model, q)
        t = Table(title=f"rung {q.rung}: {q}", title_justify="left")
        for col in (n[y], "exact", f"Monte Carlo ({kept:,} samples)", "|diff| / s.e."):
            t.add_column(col, justify="right")
        for v, p, e in zip(r.values, r.probabilities, est, strict=True):
            se = max(np.sqrt(p * (1 - p) / max(kept, 1)), 1e-12)
            t.add_row(v, f"{p:.6f}", f"{e:.6f}", f"{abs(e - p) / se:.2f}")
        t.caption = (f"VE sums {r.ops.sums}, products {r.ops.products}; ancestor_size "
                     f"{m['ancestor_size']}, treewidth {m['treewidth']}, longest_path "
                     f"{m['longest_path']}, on_path {m['on_path']}")
        console.print(t)


def _gaussian_part(seed: int, nodes: int, samples: int) -> None:
    model = sample_model(GaussianModelConfig(dag=DagConfig(nodes=nodes, roots=(1, 2)), decimals=2), seed)
    console.rule(f"[bold]A random linear-Gaussian SCM (seed {seed})")
    print_model(model)
    x, y, z = _pick(model, np.random.default_rng(seed))
    n = model.names
    queries = [
        Query(target=n[y], evidence={n[z]: 0.5}),
        Query(target=n[y], do={n[x]: 1.0}, evidence={n[z]: 0.5}),
        Query(target=n[y], counterfactual={n[x]: 1.0}, evidence={n[x]: 0.0, n[z]: 0.5}),
    ]
    t = Table(title="exact mean/variance vs Monte Carlo (least squares on samples)", title_justify="left")
    for col in ("rung", "query", "mean", "MC mean", "variance", "MC variance"):
        t.add_column(col, justify="right")
    for q in queries:
        r = query(model, q)
        mean, var = _mc_gaussian(model, q, samples, seed + 1)
        t.add_row(str(q.rung), str(q), f"{r.mean:.5f}", f"{mean:.5f}", f"{r.variance:.5f}", f"{var:.5f}")
    console.print(t)


def demo(
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="seed of the example models")] = 7,
    nodes: Annotated[int, typer.Option(help="variables per model")] = 6,
    samples: Annotated[int, typer.Option(help="Monte Carlo samples per query")] = 400_000,
    study: Annotated[bool, typer.Option(help="also run the reduced experiment (a few minutes)")] = True,
    experiment: Annotated[str, typer.Option(help="the experiment it runs (a shipped name or a file)")]
    = "spo_vs_drgrpo",
    profile: Annotated[str, typer.Option(help="the experiment's profile")] = "demo",
    jobs: Annotated[int, typer.Option(min=1, help="jobs run in parallel")] = 2,
    out: Annotated[Path | None, typer.Option(help="output folder (default experiments/<name>-<profile>)")]
    = None,
) -> None:
    """The exact engine on a built-in example (checked by Monte Carlo), then a reduced experiment:
    data, training over seeds, evaluation, verdicts and report.html."""
    _discrete_part(seed, nodes, samples)
    _gaussian_part(seed, nodes, samples)
    if study:
        from .experiment import run_cmd

        console.rule(f"[bold]A reduced experiment: {experiment} (profile {profile}), end to end")
        console.print("finished jobs are skipped on a rerun; delete the output folder to start over",
                      style="dim")
        run_cmd(experiment, jobs=jobs, profile=profile, out=out, dry_run=False, progress=True)
    console.print("\nTry next:  reasonlab causal sample-model --nodes 10 --states 3 --seed 7 -o model.json"
                  '\n           reasonlab causal query model.json "P(v2 | do(v3=1), v0=0)"'
                  "\n           reasonlab experiment run spo_vs_drgrpo --jobs 2   # the full experiment"
                  "\n           reasonlab experiment run heldout --dry-run       # every command it runs"
                  "\n           reasonlab serve experiments/                     # the lab over these runs")
