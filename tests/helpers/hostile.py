"""Running the CLI as a hostile user would, and what every refusal must look like.

A refusal is a non-zero exit, exactly one ``error:`` line on stderr naming what is wrong, and no
traceback; :func:`cli` runs the real console script in a subprocess with a time bound, so a hang
or a runaway allocation fails the test instead of the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def cli(*args: str, cwd: Path | None = None, timeout: float = 120, prog: str = "reasonlab",
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``prog args...`` (the installed console script) and capture its output."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([str(BIN / prog), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


def assert_refused(result: subprocess.CompletedProcess | tuple[int, str], *needles: str) -> str:
    """Exit 2, one ``error:`` line on stderr holding every needle (case-insensitive), no
    traceback; returns the message."""
    rc, err = (result.returncode, result.stderr) if hasattr(result, "returncode") else result
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert rc == 2, (rc, err)
    assert len(errors) == 1, err
    message = "\n".join(lines[lines.index(errors[0]):])
    for needle in needles:
        assert needle.lower() in message.lower(), (needle, message)
    return message


# a model and data small enough that a training run takes seconds
TINY_SFT = """\
name: tiny
seed: 0
data:
  task: {task: boolean_world, seed: 42, omit: "1,0,1,0,1", sizes: {train: 64, dev: 8, test: 8}}
model: {arch: gpt2, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 64}
batch_size: 8
"""


def write_file(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """``tmp_path / name`` holding ``content`` (text or bytes)."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path
