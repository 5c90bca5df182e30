"""A run directory (DESIGN.md): ``config.yaml``, ``metrics.jsonl``, TensorBoard events, a
loguru log file, ``checkpoints/step-N/`` (at most ``max_checkpoints``) and ``final/``.

Checkpoints hold the model and tokenizer (``save_pretrained``, safetensors) plus
``trainer_state.pt`` (optimizer, scheduler, step, RNG states), written to a temporary folder and
renamed, so a killed run leaves only complete checkpoints. On resume, metrics logged after the
checkpoint are dropped, so the file reads as if the run had never stopped.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import torch
from loguru import logger

from ..files import atomic_write_text

_STEP = re.compile(r"step-(\d+)$")


class RunDir:
    def __init__(self, root: str | Path, rotation: str = "100 MB", retention: str = "10 days"):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self._sink = logger.add(self.root / "logs" / "train.log", rotation=rotation,
                                retention=retention, level="DEBUG", enqueue=False)
        self._tb = None

    # ------------------------------------------------------------------ runs
    def begin(self, resume: bool) -> Path | None:
        """The checkpoint to continue from (``resume`` and one exists); otherwise None, after
        clearing a previous run in this folder (:meth:`start_fresh`)."""
        ckpts = self.checkpoints() if resume else []
        if resume and not ckpts:
            logger.warning(f"--resume: no checkpoint in {self.root}; starting from scratch")
        if ckpts:
            return ckpts[-1]
        self.start_fresh()
        return None

    def restore(self, ckpt: Path, opt, sched, scaler) -> dict[str, Any]:
        """Load the optimizer, schedule and loss-scaler state saved with ``ckpt``, drop the
        metrics logged after it, and return the saved trainer state (``step`` etc.)."""
        state = torch.load(ckpt / "trainer_state.pt", weights_only=False)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        if "scaler" in state:
            scaler.load_state_dict(state["scaler"])
        self.truncate_metrics(state["step"])
        logger.info(f"resumed from {ckpt} at step {state['step']}")
        return state

    def start_fresh(self) -> None:
        """A new run in this folder replaces the previous one's metrics, TensorBoard events,
        checkpoints and final model (logs are kept; they rotate); to keep a run, pick another
        ``name``, or continue it with ``--resume``."""
        old = [self.root / p for p in ("metrics.jsonl", "tb", "checkpoints", "final")]
        old = [p for p in old if p.exists()]
        if old:
            logger.warning(f"{self.root} held a previous run; replacing it (use --resume to continue one)")
        for p in old:
            shutil.rmtree(p) if p.is_dir() else p.unlink()

    def write_config(self, yaml_text: str) -> None:
        atomic_write_text(self.root / "config.yaml", yaml_text)

    @property
    def tb(self):
        if self._tb is None:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(self.root / "tb"))
        return self._tb

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        with open(self.root / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"step": step, **metrics}) + "\n")
        for k, v in metrics.items():
            self.tb.add_scalar(k, v, step)

    def truncate_metrics(self, step: int) -> None:
        path = self.root / "metrics.jsonl"
        if path.is_file():
            keep = [line for line in path.read_text().splitlines() if json.loads(line)["step"] <= step]
            atomic_write_text(path, "".join(line + "\n" for line in keep))

    def metrics(self) -> list[dict[str, Any]]:
        path = self.root / "metrics.jsonl"
        return [json.loads(x) for x in path.read_text().splitlines()] if path.is_file() else []

    # ------------------------------------------------------------------ checkpoints
    def checkpoints(self) -> list[Path]:
        found = [p for p in (self.root / "checkpoints").glob("step-*") if _STEP.search(p.name)]
        return sorted(found, key=lambda p: int(_STEP.search(p.name).group(1)))

    def save_checkpoint(self, step: int, model, tok, state: dict[str, Any], keep: int) -> Path:
        final = self.root / "checkpoints" / f"step-{step}"
        tmp = self.root / "checkpoints" / f".tmp-step-{step}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        torch.save(state, tmp / "trainer_state.pt")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        for old in self.checkpoints()[:-keep] if keep > 0 else []:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def save_final(self, model, tok) -> Path:
        final, tmp = self.root / "final", self.root / ".tmp-final"
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        return final

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
        logger.remove(self._sink)
