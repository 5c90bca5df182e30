"""The web lab's playground latency and the patching matrix, on the seed model size.

Setting: a GPT-2 of the causal-experiment size (128 wide, 4 layers, 4 heads) on the boolean
world's character vocabulary, saved as a run (``--steps`` SFT steps on the seed world first, so
it writes the 15-character answers of a trained model; 0 keeps it random and every answer runs
to the token cap).

* ours: ``POST /play/<run>/answer`` through Starlette's TestClient -- a toggle to the rendered
  answer fragment (rules, model, field table), the model loaded once and shared under its lock;
  the median of ``--requests`` requests over the 32 inputs. The same with the attention figure
  drawn is printed beside it (no target: matplotlib dominates it).
* anchor: the same route with the model reloaded from disk on every request, the design of the
  original app's v0.2.1.
* the 32 x 32 patching matrix of block 0 (:func:`reasonlab.interp.patch_matrix`), timed once.

``RESULT serve_playground`` ratio = anchor median / ours (goal 20; ours also aims at <= 30 ms);
``RESULT patch_matrix`` ratio = 2 s / ours (goal 1).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from reasonlab.config import validate
from reasonlab.interp import patch_matrix
from reasonlab.models import load_pretrained
from reasonlab.tasks import task_config
from reasonlab.train.sft import SFTConfig, train_sft
from reasonlab.web.app import build_app
from reasonlab.web.catalog import Catalog, Run

TASK = {"task": "boolean_world", "seed": 42, "omit": "", "sizes": {"train": 4000, "dev": 64, "test": 600}}


class Reloading(Catalog):
    """The anchor: every request loads the model from disk again."""

    def model(self, run: Run) -> tuple:
        import threading

        model, tok = load_pretrained(run.model_folder())
        return model.eval(), tok, threading.Lock()


def _run(root: Path, steps: int) -> Path:
    cfg = validate(SFTConfig, {"name": "seed", "run_dir": str(root), "seed": 0, "data": {"task": TASK},
                               "model": {"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 64},
                               "batch_size": 16, "max_steps": max(steps, 1), "eval_every": max(steps, 1),
                               "save_every": max(steps, 1), "optim": {"lr": 1e-3, "warmup_steps": 10}})
    return train_sft(cfg, progress=False)


def _latency(catalog: Catalog, n: int, draw: bool) -> float:
    client = TestClient(build_app(catalog))
    run = catalog.runs()[0]
    inputs = [",".join(str(i >> k & 1) for k in range(5)) for i in range(32)]
    client.post(f"/play/{run.id}/answer", data={"inputs": inputs[0]})  # load once, warm up
    times = []
    for i in range(n):
        form = {"inputs": inputs[i % 32], **({"attention": "on"} if draw else {})}
        start = time.perf_counter()
        r = client.post(f"/play/{run.id}/answer", data=form, headers={"HX-Request": "true"})
        times.append(time.perf_counter() - start)
        assert r.status_code == 200 and 'id="model-text"' in r.text, r.text[:300]
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="SFT steps before timing (0: random model)")
    ap.add_argument("--requests", type=int, default=64)
    ap.add_argument("--anchor-requests", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = _run(Path(tmp), args.steps)
        ours = _latency(Catalog([run]), args.requests, draw=False)
        drawn = _latency(Catalog([run]), max(4, args.requests // 8), draw=True)
        anchor = _latency(Reloading([run]), args.anchor_requests, draw=False)
        model, tok = load_pretrained(run / "final")
        task, cfg = task_config(TASK)
        seen: dict[str, object] = {}
        for i in range(cfg.sizes.test):
            e = task.generate(cfg, "test", i)
            seen.setdefault(e.text(), e)
        examples = list(seen.values())
        start = time.perf_counter()
        m, _ = patch_matrix(model, tok, examples, layer=0, max_new_tokens=16)
        patch_s = time.perf_counter() - start
    print(f"playground answer (median): ours {1000 * ours:.1f} ms, with the attention figure "
          f"{1000 * drawn:.0f} ms, reloading per request {1000 * anchor:.1f} ms")
    print(f"patching matrix {m.shape[0]} x {m.shape[1]} (block 0): {patch_s:.2f} s")
    print(f"RESULT serve_playground ours={1000 * ours:.1f}ms anchor={1000 * anchor:.1f}ms "
          f"ratio={anchor / ours:.1f} goal=20")
    print(f"RESULT patch_matrix ours={patch_s:.2f}s anchor=2.00s ratio={2.0 / patch_s:.2f} goal=1")


if __name__ == "__main__":
    main()
