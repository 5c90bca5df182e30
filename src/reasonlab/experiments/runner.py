"""Run an experiment's jobs as separate ``reasonlab`` processes, resumably, with progress.

* A job is *done* when ``state/<job>.json`` holds its fingerprint (written after it exits 0):
  done jobs are skipped, so a rerun of a finished experiment costs nothing.
* A training job that is not done runs with ``--resume`` (a killed run continues from its last
  checkpoint; one that never started begins fresh); one whose fingerprint changed (the
  experiment file was edited) runs with ``--overwrite``.
* ``jobs`` processes at a time, each a ready job (its inputs done), each with
  ``cores // jobs`` torch threads so that parallel runs do not oversubscribe the CPU. A job's
  output goes to ``logs/<job>.log``. After a failure no new job starts; the running ones
  finish, and the error names the job and the end of its log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..config import ConfigError
from ..files import atomic_write_text
from .plan import Job


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str  # "done", "skipped" or "failed"
    seconds: float
    log: Path


def _slug(key: str) -> str:
    return key.replace("/", "__")


def state_path(out: Path, job: Job) -> Path:
    return out / "state" / f"{_slug(job.key)}.json"


def log_path(out: Path, job: Job) -> Path:
    return out / "logs" / f"{_slug(job.key)}.log"


def recorded(out: Path, job: Job) -> str | None:
    """The fingerprint the job last finished with, if any."""
    try:
        return json.loads(state_path(out, job).read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def is_done(out: Path, job: Job) -> bool:
    return recorded(out, job) == job.fingerprint


def flags(out: Path, job: Job) -> list[str]:
    """The options a job runs with beyond its argv: how a training run continues."""
    if job.kind != "train":
        return []
    stale = recorded(out, job) not in (None, job.fingerprint)
    return ["--no-progress", "--overwrite" if stale else "--resume"]


def command(job: Job, out: Path) -> list[str]:
    return [sys.executable, "-m", "reasonlab", *job.argv, *flags(out, job)]


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _tail(path: Path, lines: int = 6) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(t.strip() for t in text[-lines:] if t.strip())


def run_jobs(jobs: Sequence[Job], out: Path, n_jobs: int = 1, progress: bool = True,
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every job not done yet, ``n_jobs`` at a time, in dependency order."""
    threads = max(1, (os.cpu_count() or 1) // n_jobs)
    outcomes: dict[str, Outcome] = {}
    pending = [j for j in jobs]
    running: dict[str, tuple[Job, subprocess.Popen, float, object]] = {}
    failed: list[Outcome] = []
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("jobs"),
                   TimeElapsedColumn(), TimeRemainingColumn(), disable=not progress, transient=False)
    with bar:
        task = bar.add_task("experiment", total=len(jobs))
        while pending or running:
            for job in [j for j in pending if is_done(out, j)]:
                pending.remove(job)
                outcomes[job.key] = Outcome(job.key, "skipped", 0.0, log_path(out, job))
                bar.advance(task)
            ready = [j for j in pending if all(outcomes.get(d, Outcome("", "", 0, out)).status
                                               in ("done", "skipped") for d in j.deps)]
            while ready and len(running) < n_jobs and not failed:
                job = ready.pop(0)
                pending.remove(job)
                running[job.key] = _start(job, out, threads)
                bar.update(task, description=", ".join(sorted(running)))
            if failed and not running:
                break
            if not running and pending and not ready:
                blocked = ", ".join(j.key for j in pending)
                raise ConfigError(f"jobs {blocked} wait on inputs that did not finish")
            time.sleep(0.2)
            for key in list(running):
                job, proc, start, log = running[key]
                if proc.poll() is None:
                    continue
                log.close()
                del running[key]
                took = time.perf_counter() - start
                if proc.returncode == 0:
                    atomic_write_text(state_path(out, job), json.dumps(
                        {"fingerprint": job.fingerprint, "argv": list(job.argv), "seconds": round(took, 1)},
                        indent=1) + "\n")
                    outcome = Outcome(key, "done", took, log_path(out, job))
                else:
                    outcome = Outcome(key, "failed", took, log_path(out, job))
                    failed.append(outcome)
                outcomes[key] = outcome
                if on_done is not None:
                    on_done(outcome)
                bar.advance(task)
                bar.update(task, description=", ".join(sorted(running)) or "experiment")
    if failed:
        f = failed[0]
        raise ConfigError(f"job {f.key} failed (log {f.log}): {_tail(f.log)}")
    return [outcomes[j.key] for j in jobs if j.key in outcomes]


def _start(job: Job, out: Path, threads: int):
    path = log_path(out, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("w", encoding="utf-8")
    cmd = command(job, out)
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_env(threads))
    return job, proc, time.perf_counter(), log
