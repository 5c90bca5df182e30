"""``reasonlab compare``'s statistics vs the original pipeline's way of computing them.

Setting (the causal study's main table): 14 systems x 2,000 examples x 4 difficulty metrics x 3
bins (+ overall) x 3 tolerances, 9,999 resamples per permutation test. The original pipeline ran
one ``scipy.stats.permutation_test`` call per (column, system vs best) pair, not vectorised.

* ours: :func:`reasonlab.analysis.compare.compare` on the whole grid (bootstrap CIs included);
* anchor: one seeded ``scipy.stats.permutation_test`` per pair, as the original did. Its calls all
  cost the same (each draws 9,999 x n swaps), so the anchor is timed on a random sample of
  ``--anchor-calls`` pairs and its total is that mean time x the number of pairs; each sampled
  p-value must equal ours exactly (same seeded resampling).

``RESULT compare_vs_scipy_loop`` ratio = anchor seconds / ours; goal 20.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

from reasonlab.analysis.compare import compare
from reasonlab.analysis.results import System, load_eval

GOAL = 20.0
METRICS = ("ve_ops", "longest_path", "ancestor_size", "treewidth")
BINS = ("easy", "medium", "hard")


def write_system(path: Path, rng: np.random.Generator, skill: float, n: int) -> None:
    bins = rng.integers(0, 3, size=(n, 4))
    lines = []
    for i in range(n):
        meta = {m: BINS[bins[i, j]] for j, m in enumerate(METRICS)}
        tvd = float(np.round(rng.exponential(skill * (1 + bins[i, 0])), 4))
        lines.append(json.dumps({"id": f"q{i:05d}", "prompt": f"p{i}", "answer": "", "samples": [""],
                                 "correct": [tvd < 0.01], "details": [{"tvd": tvd}],
                                 "slices": [f"{m}={b}" for m, b in meta.items()], "meta": {"bins": meta}}))
    path.write_text("\n".join(lines) + "\n")


def anchor_p(a: np.ndarray, b: np.ndarray, resamples: int, seed: int) -> float:
    return float(stats.permutation_test((a, b), lambda x, y, axis: x.mean(axis) - y.mean(axis),
                                        permutation_type="samples", n_resamples=resamples, vectorized=True,
                                        rng=np.random.default_rng(seed)).pvalue)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", type=int, default=14)
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--resamples", type=int, default=9999)
    ap.add_argument("--anchor-calls", type=int, default=12)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        systems = []
        for k in range(args.systems):
            path = Path(tmp) / f"s{k}.jsonl"
            write_system(path, rng, 0.004 + 0.001 * k, args.examples)
            systems.append(System(f"s{k}", (load_eval(path),)))
        t0 = time.perf_counter()
        cmp = compare(systems, n_resamples=args.resamples, seed=0)
        ours = time.perf_counter() - t0
    pairs = [c for c in cmp.cells if c.p is not None]
    pick = np.random.default_rng(1).choice(len(pairs), size=min(args.anchor_calls, len(pairs)), replace=False)
    ids = [r.id for r in systems[0].files[0].rows]
    spent, same = 0.0, 0
    for j in pick:
        cell = pairs[j]
        best = next(c for c in cmp.cells if c.column == cell.column and c.best)
        rows = [i for i, r in enumerate(systems[0].files[0].rows)
                if cell.column.slice == "all" or cell.column.slice in r.slices]
        sys_of = {s.name: s for s in systems}
        a = sys_of[cell.system].values(ids, cell.column.tolerance)[rows, 0]
        b = sys_of[best.system].values(ids, cell.column.tolerance)[rows, 0]
        t0 = time.perf_counter()
        p = anchor_p(a, b, args.resamples, 0)
        spent += time.perf_counter() - t0
        same += p == cell.p
    anchor = spent / len(pick) * len(pairs)
    print(f"{len(cmp.columns)} columns x {args.systems} systems: {len(pairs)} permutation tests, "
          f"{args.resamples} resamples, n = {args.examples} (overall) / ~{args.examples // 3} (bins)")
    print(f"ours (whole table, CIs included): {ours:.2f} s")
    print(f"anchor: {spent / len(pick):.3f} s per scipy call on {len(pick)} sampled pairs -> {anchor:.1f} s "
          f"for all {len(pairs)}; p-values identical on {same}/{len(pick)}")
    print(f"RESULT compare_vs_scipy_loop ours={ours:.2f} anchor={anchor:.1f} ratio={anchor / ours:.1f} "
          f"goal={GOAL:g}")
    if same != len(pick):
        raise SystemExit("p-values differ from scipy's")


if __name__ == "__main__":
    main()
