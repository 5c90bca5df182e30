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
import signal
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
    return [sys.executable, "-m", "reasonlab.cli", *job.argv, *flags(out, job)]


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


class _Grid:
    """The state of one run of the grid: what waits, what runs, what finished."""

    def __init__(self, jobs: Sequence[Job], out: Path, n_jobs: int,
                 on_done: Callable[[Outcome], None] | None) -> None:
        self.jobs, self.out, self.n_jobs, self.on_done = list(jobs), out, n_jobs, on_done
        self.threads = max(1, (os.cpu_count() or 1) // n_jobs)
        self.pending = list(jobs)
        self.running: dict[str, tuple[Job, subprocess.Popen, float, object]] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.failed: list[Outcome] = []

    def _ok(self, key: str) -> bool:
        return key in self.outcomes and self.outcomes[key].status in ("done", "skipped")

    def start_ready(self) -> int:
        """Skip done jobs, start ready ones up to ``n_jobs``; returns how many were skipped."""
        done = [j for j in self.pending if is_done(self.out, j)]
        for job in done:
            self.pending.remove(job)
            self.outcomes[job.key] = Outcome(job.key, "skipped", 0.0, log_path(self.out, job))
        ready = [j for j in self.pending if all(self._ok(d) for d in j.deps)]
        while ready and len(self.running) < self.n_jobs and not self.failed:
            job = ready.pop(0)
            self.pending.remove(job)
            self.running[job.key] = _start(job, self.out, self.threads)
        if not self.running and self.pending and not self.failed:
            raise ConfigError(f"jobs {', '.join(j.key for j in self.pending)} wait on inputs that did "
                              "not finish")
        return len(done)

    def collect(self) -> int:
        """Record every job that exited; returns how many did."""
        finished = 0
        for key in list(self.running):
            job, proc, start, log = self.running[key]
            if proc.poll() is None:
                continue
            log.close()
            del self.running[key]
            took = time.perf_counter() - start
            if proc.returncode == 0:
                atomic_write_text(state_path(self.out, job), json.dumps(
                    {"fingerprint": job.fingerprint, "argv": list(job.argv), "seconds": round(took, 1)},
                    indent=1) + "\n")
            status = "done" if proc.returncode == 0 else "failed"
            outcome = Outcome(key, status, took, log_path(self.out, job))
            if outcome.status == "failed":
                self.failed.append(outcome)
            self.outcomes[key] = outcome
            if self.on_done is not None:
                self.on_done(outcome)
            finished += 1
        return finished

    def stop(self) -> None:
        """Terminate the running jobs (a training run resumes from its checkpoint next time)."""
        for _, proc, _, log in self.running.values():
            proc.terminate()
            proc.wait()
            log.close()
        self.running.clear()


def run_jobs(jobs: Sequence[Job], out: Path, n_jobs: int = 1, progress: bool = True,
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every job not done yet, ``n_jobs`` at a time, in dependency order. Ctrl-C or SIGTERM
    stops the running jobs too; the next run resumes them."""
    grid = _Grid(jobs, out, n_jobs, on_done)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("jobs"),
                   TimeElapsedColumn(), TimeRemainingColumn(), disable=not progress, transient=False)
    previous = _on_sigterm(_interrupt)
    try:
        with bar:
            task = bar.add_task("experiment", total=len(grid.jobs))
            while grid.pending or grid.running:
                bar.advance(task, grid.start_ready())
                if grid.failed and not grid.running:
                    break
                bar.update(task, description=", ".join(sorted(grid.running)) or "experiment")
                time.sleep(0.2)
                bar.advance(task, grid.collect())
            bar.update(task, description="experiment")
    finally:
        grid.stop()
        if previous is not None:
            _on_sigterm(previous)
    if grid.failed:
        f = grid.failed[0]
        raise ConfigError(f"job {f.key} failed (log {f.log}): {_tail(f.log)}")
    return [grid.outcomes[j.key] for j in grid.jobs if j.key in grid.outcomes]


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _on_sigterm(handler):
    """Install ``handler`` for SIGTERM (main thread only); returns the one it replaces."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _start(job: Job, out: Path, threads: int):
    path = log_path(out, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("w", encoding="utf-8")
    cmd = command(job, out)
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_env(threads))
    return job, proc, time.perf_counter(), log
