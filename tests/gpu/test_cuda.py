"""The GPU path: CUDA device and bf16 autocast for SFT and RL, and the rollout decoders on CUDA.

Skipped where no CUDA device is present (CI and the 2-core dev machines); on a GPU machine run
``pytest tests/gpu`` (the rest of the suite also runs there, on CUDA through ``device: auto``).
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from transformers import AutoModelForCausalLM

from reasonlab.config import validate
from reasonlab.data.sources import DataConfig, load_data
from reasonlab.models import load_pretrained
from reasonlab.train.logprobs import policy_logp
from reasonlab.train.rl import RLConfig, train_rl
from reasonlab.train.rollout import sample
from reasonlab.train.sft import SFTConfig, train_sft

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

TASK = {"task": "boolean_world", "seed": 42, "omit": "1,0,1,0,1",
        "sizes": {"train": 4000, "dev": 200, "test": 40}}


def _rows(root):
    return [json.loads(x) for x in (root / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def cuda_policy(tmp_path_factory):
    """The causal-experiment-size GPT-2 after 200 SFT steps on CUDA in bf16 autocast."""
    cfg = validate(SFTConfig, {
        "name": "cuda", "run_dir": str(tmp_path_factory.mktemp("cuda")), "seed": 0,
        "data": {"task": TASK}, "model": {"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 64},
        "batch_size": 16, "max_steps": 200, "eval_every": 200, "save_every": 200,
        "optim": {"lr": 5e-4, "warmup_steps": 50}, "device": "cuda", "precision": "bf16"})
    return train_sft(cfg, progress=False)


def test_sft_learns_on_cuda_in_bf16(cuda_policy):
    """The same bar as the CPU test (tests/unit/train/test_sft.py), and the saved model loads
    with plain transformers in fp32."""
    last = _rows(cuda_policy)[-1]
    assert last["step"] == 200 and last["eval/dev/exact"] >= 0.5, last
    model = AutoModelForCausalLM.from_pretrained(cuda_policy / "final")
    assert next(model.parameters()).dtype == torch.float32


@pytest.mark.parametrize("lean", [True, False])
def test_rollouts_on_cuda_match_the_training_forward(cuda_policy, lean):
    model, tok = load_pretrained(cuda_policy / "final")
    model.to("cuda")
    prompts = load_data(DataConfig(task=TASK))[0]["train"][:4]
    gen = torch.Generator(device="cuda").manual_seed(0)
    b = sample(model, tok, prompts, 4, 16, gen=gen, device="cuda", lean=lean)
    lp, _ = policy_logp(model, b.input_ids.cuda(), b.attention_mask.cuda(), b.position_ids.cuda(),
                        b.actions.cuda(), 1.0)
    assert float(((lp.detach().cpu() - b.old_logp) * b.mask).abs().max()) < 1e-4


def test_grpo_runs_on_cuda_in_bf16(tmp_path, cuda_policy):
    cfg = validate(RLConfig, {
        "name": "rl", "run_dir": str(tmp_path), "seed": 0, "init": str(cuda_policy),
        "data": {"task": TASK}, "rollout": {"prompts_per_step": 8, "n": 8, "max_new_tokens": 16},
        "steps": 20, "optim": {"lr": 1e-4}, "eval_every": 20, "save_every": 10,
        "device": "cuda", "precision": "bf16"})
    rows = _rows(train_rl(cfg, progress=False))
    assert [r["step"] for r in rows] == list(range(1, 21))
    for key in ("train/score", "actor/loss", "actor/entropy", "actor/grad_norm", "test/score"):
        assert math.isfinite(rows[-1][key]), key
