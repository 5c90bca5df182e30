"""Training started from the lab: an SFT run on a dataset the rules editor wrote, in a thread,
watched and stopped through the trainer callbacks -- the same run directory the CLI writes, so
the runs list shows it too.

One run at a time per server (a 2-core machine trains one model well, two badly); each job keeps
its metrics rows for the live curve, its state (running, done, stopped, failed with the message)
and a stop flag the callback hands to the trainer."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError, validate
from ..train.callbacks import Callback, Control, StepInfo
from ..train.sft import SFTConfig, train_sft
from ..validation import InputError


@dataclass
class Job:
    id: str
    run: Path
    total: int
    rows: list[dict] = field(default_factory=list)
    step: int = 0
    state: str = "running"  # running, done, stopped, failed
    message: str = ""
    stop: threading.Event = field(default_factory=threading.Event)


class _Watch(Callback):
    def __init__(self, job: Job) -> None:
        self.job = job

    def on_step(self, info: StepInfo, control: Control) -> None:
        self.job.step = info.step
        row = {"step": info.step, **{k: v for k, v in info.metrics.items() if isinstance(v, (int, float))}}
        rows = self.job.rows
        if rows and rows[-1]["step"] == info.step:  # an eval after its step: the same row, grown
            rows[-1] = row
        else:
            rows.append(row)
        if self.job.stop.is_set():
            control.request_stop("stopped from the web lab")

    on_eval = on_step


class Trainer:
    """The lab's one training slot."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, data: Path, root: Path, name: str, steps: str) -> Job:
        with self._lock:
            if any(j.state == "running" for j in self.jobs.values()):
                raise ConfigError("a run is already training; stop it or wait for it to finish")
            cfg = validate(SFTConfig, {
                "name": name, "run_dir": str(root / "runs"), "seed": 0, "data": {"path": str(data)},
                "model": {"n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64}, "batch_size": 16,
                "max_steps": steps, "eval_every": steps, "save_every": steps,
                "optim": {"lr": 1e-3, "warmup_steps": 10}}, "training form")
            if (root / "runs" / name).exists():
                raise ConfigError(f"run name = {name!r}: {root / 'runs' / name} already exists; "
                                  "pick another name")
            job = Job(f"j{len(self.jobs)}", root / "runs" / name, cfg.max_steps)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(cfg, job), daemon=True).start()
        return job

    def _run(self, cfg: SFTConfig, job: Job) -> None:
        try:
            train_sft(cfg, progress=False, callbacks=[_Watch(job)])
            job.state = "stopped" if job.stop.is_set() else "done"
        except (InputError, OSError) as e:
            job.state, job.message = "failed", str(e)

    def job(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise ConfigError(f"training job {job_id!r}: no such job on this server")
        return self.jobs[job_id]
