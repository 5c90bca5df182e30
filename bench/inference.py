"""Exact discrete inference: reasonlab vs pgmpy on the same random models and queries.

Method (the pgmpy comparison of docs/origins.md, section 5): for n in {5, 10, 15, 20, 30} and 2 or 3
states, a random DAG in a fixed topological order where node i > 0 gets 1..min(3, i) parents
drawn from earlier nodes, Dirichlet(1) CPTs; K queries P(Y | do(X=x), E=e) with X a node that has
descendants, Y one of them, 0-2 evidence nodes elsewhere, uniform values.

* anchor: pgmpy ``VariableElimination`` on ``model.do([X])``, one object per X built *before*
  timing (the cached setting, the anchor's best case), queried with evidence {X: x, **E};
* ours, one by one: ``query(model, q)`` per query on a fresh model object each pass (no plans
  cached from an earlier pass; plans built inside the timed pass);
* ours, batched: ``query_many(model, queries)``, also fresh each pass.

Rates are queries/second, best of 7 passes (anchor and ours interleaved in each pass). Every
answer is compared with pgmpy (max abs diff).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from reasonlab.causal import (
    DagConfig,
    DiscreteModelConfig,
    DiscreteSCM,
    Query,
    query,
    query_many,
    sample_model,
)
from reasonlab.causal.interop import to_pgmpy

ROWS = [(5, 2), (5, 3), (10, 2), (10, 3), (15, 2), (15, 3), (20, 2), (20, 3), (30, 2), (30, 3)]
GOAL = 30.0


def make_model(n: int, states: int, seed: int) -> DiscreteSCM:
    cfg = DiscreteModelConfig(dag=DagConfig(nodes=n, roots=(1, 1), parents=(1, 3), shuffle_names=False),
                              states=states, decimals=None)
    return sample_model(cfg, seed)


def make_queries(model: DiscreteSCM, k: int, seed: int) -> list[Query]:
    rng = np.random.default_rng(seed)
    with_desc = [x for x in range(model.n) if len(model.dag.descendants([x])) > 1]
    out = []
    for _ in range(k):
        x = int(rng.choice(with_desc))
        y = int(rng.choice(sorted(model.dag.descendants([x]) - {x})))
        others = [v for v in range(model.n) if v not in (x, y)]
        ev = rng.choice(others, size=int(rng.integers(0, 3)), replace=False)
        out.append(Query(target=model.names[y], do={model.names[x]: int(rng.integers(model.cards[x]))},
                         evidence={model.names[v]: int(rng.integers(model.cards[v])) for v in ev}))
    return out


def fresh(model: DiscreteSCM) -> DiscreteSCM:
    return DiscreteSCM(dag=model.dag, states=model.states, cpts=model.cpts)


def best_of(fns, passes: int = 7) -> list[tuple[float, object]]:
    """Best time of each function over ``passes`` rounds, the functions interleaved within a
    round so that load on a shared machine hits anchor and ours alike."""
    best: list[float] = [float("inf")] * len(fns)
    outs: list[object] = [None] * len(fns)
    for _ in range(passes):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            outs[i] = fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return list(zip(best, outs, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", type=int, default=200, help="queries per row")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()
    from pgmpy.inference import VariableElimination

    warnings.filterwarnings("ignore")
    header = (f"{'n':>3} {'st':>2} {'tw':>3} {'pgmpy q/s':>10} {'ours q/s':>10} {'ratio':>7} "
              f"{'batched q/s':>11} {'ratio':>7} {'max|diff|':>9}")
    print(header)
    results = []
    for n, states in ROWS:
        model = make_model(n, states, args.seed + n * 10 + states)
        qs = make_queries(model, args.k, args.seed)
        net = to_pgmpy(model)
        engines = {x: VariableElimination(net.do([x])) for x in {q.do[0][0] for q in qs}}

        def run_pgmpy(qs=qs, engines=engines):
            out = []
            for q in qs:
                ev = {k: v for k, v in q.evidence} | {q.do[0][0]: q.do[0][1]}
                r = engines[q.do[0][0]].query([q.target], evidence=ev, show_progress=False)
                out.append(np.asarray(r.values))
            return out

        (t_pg, ans_pg), (t_one, ans_one), (t_many, ans_many) = best_of([
            run_pgmpy,
            lambda m=model, qs=qs: [query(fresh_m, q).probabilities for fresh_m in [fresh(m)] for q in qs],
            lambda m=model, qs=qs: [r.probabilities for r in query_many(fresh(m), qs)]])
        diff = max(max(np.abs(a - b).max() for a, b in zip(ans_one, ans_pg, strict=True)),
                   max(np.abs(a - b).max() for a, b in zip(ans_many, ans_pg, strict=True)))
        tw = model.dag.moral_treewidth(range(n))
        k = len(qs)
        row = (n, states, tw, k / t_pg, k / t_one, t_pg / t_one, k / t_many, t_pg / t_many, diff)
        results.append(row)
        print(f"{n:>3} {states:>2} {tw:>3} {row[3]:>10.0f} {row[4]:>10.0f} {row[5]:>7.1f} "
              f"{row[6]:>11.0f} {row[7]:>7.1f} {diff:>9.1e}", flush=True)
    ok = all(r[8] <= 1e-9 for r in results)
    print(f"answers equal to 1e-9: {ok}")
    for n, states, _, pg, one, r1, many, r2, _ in results:
        print(f"RESULT inference_n{n}_s{states} ours={one:.0f} anchor={pg:.0f} ratio={r1:.1f} goal={GOAL:g}")
        print(f"RESULT inference_batched_n{n}_s{states} ours={many:.0f} anchor={pg:.0f} ratio={r2:.1f} "
              f"goal={GOAL:g}")
    worst = min(r[5] for r in results)
    print(f"RESULT inference_min_ratio ours={worst:.1f} anchor=1 ratio={worst:.1f} goal={GOAL:g}")


if __name__ == "__main__":
    main()
