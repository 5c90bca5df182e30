"""Session fixtures shared across the suite: a partly trained boolean-world policy (about 8 s of
SFT, once) that the RL tests start from and the web lab serves."""

from __future__ import annotations

import pytest

from reasonlab.config import validate
from reasonlab.train.sft import SFTConfig, train_sft

TASK = {"task": "boolean_world", "seed": 42, "omit": "1,0,1,0,1",
        "sizes": {"train": 4000, "dev": 200, "test": 40}}


@pytest.fixture(scope="session")
def warm_policy(tmp_path_factory):
    """A 64-dim 2-layer GPT-2 after 250 SFT steps: ~20% greedy exact on the dev inputs, 0% on
    the held-out one -- room for RL to improve."""
    root = tmp_path_factory.mktemp("warm")
    cfg = validate(SFTConfig, {
        "name": "warm", "run_dir": str(root), "seed": 0, "data": {"task": TASK},
        "model": {"n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64}, "batch_size": 16,
        "max_steps": 250, "eval_every": 250, "save_every": 250,
        "optim": {"lr": 1e-3, "warmup_steps": 10}})
    return train_sft(cfg, progress=False)
