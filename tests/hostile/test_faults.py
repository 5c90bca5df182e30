"""Faults in writers: ``kill -9`` at chosen and at seeded-random points of ``generate`` (with and
without workers), of publishing, of SFT/RL checkpointing; a dead generation worker; a full disk.
Every case leaves the old output intact or the new one complete, and a rerun completes."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from helpers.hostile import TINY_SFT, assert_refused, cli

CONFIG = """\
task: causal_qa
seed: {seed}
nodes: [5]
states: [2, 3]
n_models: {{train: 40, dev: 8, test: 8}}
n_questions_per_model: {{train: 10, dev: 5, test: 5}}
rungs: {{1: 1, 2: 2, 3: 1}}
"""
SFT = TINY_SFT + """\
max_steps: 6
eval_every: 3
save_every: 1
max_checkpoints: 2
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _python(code: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (the fault is injected there, not in pytest)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[int, dict[str, bytes]]:
    """The complete datasets of seeds 10 and 11, generated without faults."""
    root = tmp_path_factory.mktemp("ref")
    out = {}
    for seed in (10, 11):
        (root / f"c{seed}.yaml").write_text(CONFIG.format(seed=seed))
        assert cli("generate", str(root / f"c{seed}.yaml"), "-o", str(root / f"d{seed}")).returncode == 0
        out[seed] = _files(root / f"d{seed}")
    return out


def _assert_old_or_new(folder: Path, datasets, old: int | None, new: int) -> None:
    present = _files(folder) if folder.exists() else None
    allowed = [datasets[new]] + ([datasets[old]] if old is not None else [None])
    assert present in allowed, sorted(present or {})[:5]


_KILL_IN_PUBLISH = """
import os, signal, sys
import reasonlab.files as files
from reasonlab.cli import main
real = {target}
def dying(*a, **k):
    {before}
    result = real(*a, **k)
    {after}
    return result
{patch} = dying
sys.exit(main(["generate", "c11.yaml", "-o", "ds"]))
"""
_DIE = "os.kill(os.getpid(), signal.SIGKILL)"


@pytest.mark.parametrize("target, patch, when", [
    ("files._renameat2_exchange", "files._renameat2_exchange", "before"),
    ("files._renameat2_exchange", "files._renameat2_exchange", "after"),
    pytest.param("files.shutil.rmtree", "files.shutil.rmtree", "before", marks=pytest.mark.slow),
])
def test_kill_during_publish_leaves_old_or_new(tmp_path, datasets, target, patch, when):
    (tmp_path / "c10.yaml").write_text(CONFIG.format(seed=10))
    (tmp_path / "c11.yaml").write_text(CONFIG.format(seed=11))
    assert cli("generate", "c10.yaml", "-o", "ds", cwd=tmp_path).returncode == 0
    code = _KILL_IN_PUBLISH.format(target=target, patch=patch, before=_DIE if when == "before" else "pass",
                                   after=_DIE if when == "after" else "pass")
    assert _python(code, tmp_path).returncode == -9
    _assert_old_or_new(tmp_path / "ds", datasets, 10, 11)
    assert cli("generate", "c11.yaml", "-o", "ds", cwd=tmp_path).returncode == 0
    assert _files(tmp_path / "ds") == datasets[11]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # staging cleaned


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_kill_at_random_points_of_generate(tmp_path, datasets, workers):
    (tmp_path / "c10.yaml").write_text(CONFIG.format(seed=10))
    (tmp_path / "c11.yaml").write_text(CONFIG.format(seed=11))
    assert cli("generate", "c10.yaml", "-o", "ds", cwd=tmp_path).returncode == 0
    rng = np.random.default_rng(np.random.SeedSequence(2026, spawn_key=(workers,)))
    for delay in sorted(rng.uniform(0.3, 3.5, size=2)):
        proc = subprocess.Popen([str(Path(sys.executable).parent / "reasonlab"), "generate", "c11.yaml",
                                 "-o", "ds", "--workers", str(workers)], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        _assert_old_or_new(tmp_path / "ds", datasets, 10, 11)
        if (tmp_path / "ds" / "config.yaml").read_text().startswith("task: causal_qa\nseed: 11"):
            break  # the run had finished before the kill
    assert cli("generate", "c11.yaml", "-o", "ds", "--workers", str(workers), cwd=tmp_path).returncode == 0
    assert _files(tmp_path / "ds") == datasets[11]


def test_a_dead_worker_ends_the_run_with_an_error(tmp_path):
    (tmp_path / "c.yaml").write_text(CONFIG.format(seed=10))
    code = """
    import os, signal, sys
    from reasonlab.cli import main
    from reasonlab.data import writer
    real = writer._shard
    def dying(args):
        if args[2] == "train" and args[3] == 16:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(args)
    writer._shard = dying
    sys.exit(main(["generate", "c.yaml", "-o", "ds", "--workers", "2"]))
    """
    result = _python(code, tmp_path, timeout=90)  # a hang fails here, by timeout
    assert_refused(result, "worker died", "--workers")
    assert not (tmp_path / "ds").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


_KILL_IN_CHECKPOINT = """
import os, signal, sys
from reasonlab.cli import main
from reasonlab.train import rundir
real = rundir.{name}
def dying(*a, **k):
    step = {step_arg}
    if step == 4 and "{when}" == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*a, **k)
    if step == 4 and "{when}" == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result
rundir.{name} = dying
sys.exit(main(["train", "sft", "sft.yaml", "run_dir=runs"]))
"""


@pytest.mark.parametrize("name, step_arg, when", [
    ("save_state", "int(a[0]['step'])", "before"),   # model written, state not yet
    pytest.param("save_state", "int(a[0]['step'])", "after",  # state written, folder not renamed
                 marks=pytest.mark.slow),
    ("shutil.rmtree", "4 if 'step-2' in str(a[0]) else 0", "before"),  # renamed, old not pruned
])
def test_kill_during_sft_checkpointing_then_resume(tmp_path, name, step_arg, when):
    (tmp_path / "sft.yaml").write_text(SFT)
    code = _KILL_IN_CHECKPOINT.format(name=name, step_arg=step_arg, when=when)
    if name == "shutil.rmtree":
        code = code.replace("real = rundir.shutil.rmtree", "import shutil\nreal = shutil.rmtree")
    assert _python(code, tmp_path).returncode == -9
    run = tmp_path / "runs" / "tiny"
    for ckpt in (run / "checkpoints").glob("step-*"):  # only complete checkpoints are visible
        assert {"config.json", "trainer_state.json", "trainer_state.safetensors"} <= {
            p.name for p in ckpt.iterdir()}
    result = cli("train", "sft", "sft.yaml", "run_dir=runs", "--resume", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (run / "final" / "config.json").is_file()
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-5", "step-6"]


def test_kill_rl_at_random_points_then_resume(tmp_path, warm_boolean_policy):
    cfg = f"""\
name: rl
seed: 0
init: {warm_boolean_policy}
data:
  task: {{task: boolean_world, seed: 42, omit: "1,0,1,0,1", sizes: {{train: 64, dev: 8, test: 8}}}}
rollout: {{prompts_per_step: 4, n: 4, max_new_tokens: 20}}
steps: 12
eval_every: 6
save_every: 1
"""
    (tmp_path / "rl.yaml").write_text(cfg)
    rng = np.random.default_rng(np.random.SeedSequence(7))
    for delay in rng.uniform(3.0, 8.0, size=2):
        proc = subprocess.Popen([str(Path(sys.executable).parent / "reasonlab"), "train", "rl", "rl.yaml",
                                 "run_dir=runs", "--resume"], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
    result = cli("train", "rl", "rl.yaml", "run_dir=runs", "--resume", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "runs" / "rl" / "final" / "config.json").is_file()


@pytest.fixture(scope="module")
def warm_boolean_policy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("policy")
    (root / "sft.yaml").write_text(SFT.replace("save_every: 1", "save_every: 100"))
    assert cli("train", "sft", "sft.yaml", "run_dir=runs", cwd=root).returncode == 0
    return root / "runs" / "tiny"


# ---------------------------------------------------------------- a full disk
@contextlib.contextmanager
def _small_disk(path: Path, size: str):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=True)


def test_generate_onto_a_full_disk(tmp_path):
    (tmp_path / "c.yaml").write_text(CONFIG.format(seed=10))
    with _small_disk(tmp_path / "disk", "200k") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root); test_simulated_enospc covers it")
        result = cli("generate", "c.yaml", "-o", str(tmp_path / "disk" / "ds"), cwd=tmp_path)
        assert_refused(result, "no space left", "disk")
        assert list((tmp_path / "disk").iterdir()) == []  # no dataset, no staging folder


def test_sft_checkpoint_onto_a_full_disk(tmp_path):
    (tmp_path / "sft.yaml").write_text(SFT.replace("n_embd: 16", "n_embd: 256").replace("n_head: 2",
                                                                                      "n_head: 4"))
    with _small_disk(tmp_path / "disk", "800k") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root); test_simulated_enospc covers it")
        result = cli("train", "sft", "sft.yaml", f"run_dir={tmp_path / 'disk'}", cwd=tmp_path)
        assert_refused(result, "no space left", "checkpoints")
        assert not list((tmp_path / "disk").rglob(".tmp-*"))


def test_simulated_enospc(tmp_path, capsys, monkeypatch):
    """Where no tmpfs can be mounted: the writers see ENOSPC from the file system calls."""
    import errno

    from reasonlab.cli import main
    from reasonlab.data import writer

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "c.yaml").write_text(CONFIG.format(seed=10))
    monkeypatch.setattr(writer.pq, "write_table", full)
    assert_refused((main(["generate", str(tmp_path / "c.yaml"), "-o", str(tmp_path / "ds")]),
                    capsys.readouterr().err), "no space left", "ds")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
