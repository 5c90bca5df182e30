"""A run directory (docs/README.md): ``config.yaml``, ``metrics.jsonl``, TensorBoard events, a
loguru log file, ``checkpoints/step-N/`` (at most ``max_checkpoints``) and ``final/``.

Checkpoints hold the model and tokenizer (``save_pretrained``, safetensors) plus the trainer
state (optimizer, scheduler, step, RNG states) as JSON + safetensors (:mod:`.trainer_state`; no
pickle, so a crafted run folder cannot run code on ``--resume``), written to a temporary folder
and renamed, so a killed run (or a full disk) leaves only complete checkpoints. On resume,
metrics logged after the checkpoint are dropped, so the file reads as if the run had never
stopped, and the config fields the checkpoints depend on must not have changed.
"""

from __future__ import annotations

import errno
import json
import re
import shutil
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import BaseModel

from ..config import ConfigError, parse_yaml
from ..files import atomic_write_text
from ..validation import read_text
from .trainer_state import load_state, save_state

_STEP = re.compile(r"step-(\d+)$")


class RunDir:
    def __init__(self, root: str | Path, rotation: str = "100 MB", retention: str = "10 days"):
        self.root = Path(root)
        self.rotation, self.retention = rotation, retention
        self._sink: int | None = None
        self._tb = None

    # ------------------------------------------------------------------ runs
    def begin(self, resume: bool, overwrite: bool = False, config: BaseModel | None = None,
              pinned: tuple[str, ...] = ()) -> Path | None:
        """Open the folder for a run; returns the checkpoint to continue from, or None for a
        fresh start. A folder holding a previous run is refused unless ``resume`` (continue
        from its last checkpoint) or ``overwrite`` (clear all of it first). On resume, the
        fields ``pinned`` of ``config`` (what the checkpoints were built from: model, data,
        seed) must equal those in the run's ``config.yaml``, else the run would go on training
        one thing while recording another."""
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"run folder {str(self.root)!r} is a file; choose another name or run_dir")
        ckpts = self.checkpoints() if resume else []
        if ckpts and config is not None:
            self._check_pinned(config, pinned)
        if not ckpts:
            if self.holds_run() and not (overwrite or resume):
                raise ConfigError(f"run folder {str(self.root)!r} holds a previous run; pass --overwrite "
                                  "to replace it, --resume to continue it, or choose another name")
            self.clear()
        self._open_log()
        if resume and not ckpts:
            logger.warning(f"--resume: no checkpoint in {self.root}; starting from scratch")
        return ckpts[-1] if ckpts else None

    def holds_run(self) -> bool:
        """Whether the folder holds anything but logs (a run that failed while setting up
        leaves only its log, which is no run to protect)."""
        return self.root.is_dir() and any(p.name != "logs" for p in self.root.iterdir())

    def clear(self) -> None:
        """Remove everything in the folder (config, metrics, TensorBoard, checkpoints, final
        model, eval results, logs), so nothing of an old run sits beside a new one."""
        if self.root.is_dir():
            for p in self.root.iterdir():
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        self.root.mkdir(parents=True, exist_ok=True)

    def _open_log(self) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self._sink = logger.add(self.root / "logs" / "train.log", rotation=self.rotation,
                                retention=self.retention, level="DEBUG", enqueue=False)

    def restore(self, ckpt: Path, opt, sched, scaler) -> dict[str, Any]:
        """Load the optimizer, schedule and loss-scaler state saved with ``ckpt``, drop the
        metrics logged after it, and return the saved trainer state (``step`` etc.)."""
        state = load_state(ckpt)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        if "scaler" in state:
            scaler.load_state_dict(state["scaler"])
        self.truncate_metrics(state["step"])
        logger.info(f"resumed from {ckpt} at step {state['step']}")
        return state

    def _check_pinned(self, config: BaseModel, pinned: tuple[str, ...]) -> None:
        path = self.root / "config.yaml"
        if not path.is_file():
            return
        old = parse_yaml(read_text(path, "run config"), f"run config {str(path)!r}") or {}
        new = config.model_dump(mode="json")
        old = old if isinstance(old, dict) else {}
        changed = [d for name in pinned for d in _differences(name, old.get(name), new.get(name))]
        if changed:
            where, a, b = changed[0]
            raise ConfigError(f"--resume: field {where} = {b!r} differs from {a!r} in {path}, "
                              f"which the checkpoints were trained with; resume with the run's "
                              f"own value, or start a new run (another name)")

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
        folder = self.root / "checkpoints"
        final = _write_folder(folder / f"step-{step}", folder / f".tmp-step-{step}", model, tok, state)
        for old in self.checkpoints()[:-keep] if keep > 0 else []:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def save_final(self, model, tok) -> Path:
        return _write_folder(self.root / "final", self.root / ".tmp-final", model, tok)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
        if self._sink is not None:
            logger.remove(self._sink)
            self._sink = None


def _write_folder(final: Path, tmp: Path, model, tok, state: dict[str, Any] | None = None) -> Path:
    """Model, tokenizer (and trainer state) written into ``tmp``, then renamed to ``final``: a
    kill or a full disk leaves the old ``final`` or the new one, and no ``tmp`` after a failure."""
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        if state is not None:
            save_state(state, tmp)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(e, tmp) from None
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def _write_error(e: BaseException, where: Path) -> BaseException:
    """An OSError naming ``where`` for a failed checkpoint write (libraries wrap ENOSPC in their
    own exception types); KeyboardInterrupt and friends pass through unchanged."""
    if not isinstance(e, Exception) or isinstance(e, OSError):
        return e
    free = shutil.disk_usage(where.parent).free
    if free < 64 << 20:
        return OSError(errno.ENOSPC, f"No space left on device ({free:,} bytes free)", str(where.parent))
    return OSError(errno.EIO, f"writing a checkpoint failed: {e}", str(where.parent))


def _differences(where: str, a: Any, b: Any) -> list[tuple[str, Any, Any]]:
    """(dotted field, old, new) for each leaf where ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in _differences(f"{where}.{k}", a.get(k), b.get(k))]
    return [] if a == b else [(where, a, b)]
