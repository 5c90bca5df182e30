"""An experiment as a list of jobs: each one ``reasonlab`` command, its inputs and its outputs.

The grid is data stages (``reasonlab generate``), training runs (arms x seeds, ``reasonlab
train``) and evaluations (``reasonlab eval`` of each final model on its eval set). A job's
*fingerprint* hashes its command, its config file's content and its inputs' fingerprints, so
changing an arm's overrides or its preset re-runs that arm and everything downstream of it, and
nothing else. Commands are plain argv lists: ``reasonlab experiment run --dry-run`` prints them
for a cluster scheduler.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..config import read_yaml
from .spec import Experiment


@dataclass(frozen=True)
class Job:
    key: str  # "data/<stage>", "train/<arm>-s<seed>", "eval/<arm>-s<seed>"
    kind: str  # "data", "train" or "eval"
    argv: tuple[str, ...]  # after `reasonlab`
    deps: tuple[str, ...]
    fingerprint: str
    output: Path  # the folder or file it writes


@dataclass(frozen=True)
class RunRef:
    """One training run of the grid: arm, seed and folder."""

    arm: str
    seed: int
    path: Path


def run_name(arm: str, seed: int) -> str:
    return f"{arm}-s{seed}"


def results_name(data_stage: str, split: str) -> str:
    """The eval file name ``reasonlab eval`` gives ``--data <stage folder>/<split>``."""
    return f"{data_stage}-{split}"


def _digest(argv: tuple[str, ...], config: dict | None, deps: list[Job], out: Path) -> str:
    """The job's identity: its command with the output folder written as ``$OUT`` (a moved or
    copied experiment folder stays done), the config file's content after ``base:`` merging (an
    edited preset re-runs its arms), and its inputs' fingerprints."""
    where = str(out)
    portable = [a.replace(where, "$OUT") for a in argv]
    blob = json.dumps([portable, config, [d.fingerprint for d in deps]], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan(exp: Experiment, home: Path, out: Path) -> list[Job]:
    """Every job of the experiment, in an order where each comes after its dependencies.
    ``home`` is the experiment file's folder (relative paths start there), ``out`` the output
    folder (``data/``, ``runs/`` under it)."""
    jobs: dict[str, Job] = {}

    def add(key: str, kind: str, argv: list[str], deps: list[str], output: Path,
            config: Path | None = None) -> None:
        t = tuple(argv)
        content = read_yaml(config) if config is not None else None
        jobs[key] = Job(key, kind, t, tuple(deps), _digest(t, content, [jobs[d] for d in deps], out), output)

    for stage, d in exp.data.items():
        folder, config = out / "data" / stage, (home / d.config).resolve()
        add(f"data/{stage}", "data", ["generate", str(config), "-o", str(folder), *d.overrides], [], folder,
            config)
    for arm in _arm_order(exp):
        spec = exp.arms[arm]
        for seed in exp.seeds_of(arm):
            extra, deps = [], []
            if spec.data is not None:
                extra += [f"data.path={out / 'data' / spec.data}", "data.task=null"]
                deps.append(f"data/{spec.data}")
            if spec.init is not None:
                init_seeds = exp.seeds_of(spec.init)
                s = init_seeds[0] if len(init_seeds) == 1 else seed
                extra.append(f"init={out / 'runs' / run_name(spec.init, s)}")
                deps.append(f"train/{run_name(spec.init, s)}")
            name = run_name(arm, seed)
            config = (home / spec.config).resolve()
            argv = ["train", spec.train, str(config), *spec.overrides, *extra,
                    f"device={exp.device}", f"run_dir={out / 'runs'}", f"name={name}", f"seed={seed}"]
            add(f"train/{name}", "train", argv, deps, out / "runs" / name, config)
            ev = exp.eval_set(arm)
            if ev is not None:
                run = out / "runs" / name
                split = out / "data" / ev.data / ev.split
                add(f"eval/{name}", "eval", ["eval", str(run), "--data", str(split)],
                    [f"train/{name}", f"data/{ev.data}"],
                    run / "eval" / f"{results_name(ev.data, ev.split)}.jsonl")
    return list(jobs.values())


def _arm_order(exp: Experiment) -> list[str]:
    """Arms with their ``init`` arm first."""
    done: list[str] = []

    def visit(arm: str) -> None:
        if arm in done:
            return
        if exp.arms[arm].init is not None:
            visit(exp.arms[arm].init)
        done.append(arm)

    for arm in exp.arms:
        visit(arm)
    return done


def runs(exp: Experiment, out: Path) -> list[RunRef]:
    """The training runs of the grid."""
    return [RunRef(arm, seed, out / "runs" / run_name(arm, seed))
            for arm in exp.arms for seed in exp.seeds_of(arm)]
