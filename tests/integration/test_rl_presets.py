"""Every RL preset in configs/rl validates and runs two shrunken steps: boolean-world presets
from the warm policy, causal ones from a tiny policy SFT-trained for a few steps on the same
(shrunken) data. Also the ``base:`` mechanism and the CLI's aliases for the train.sh flags of the
LLM causal-reasoning study."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from reasonlab.cli import main
from reasonlab.config import ConfigError, apply_overrides, read_yaml, validate
from reasonlab.train.rl import RLConfig, train_rl
from reasonlab.train.sft import SFTConfig, train_sft

RL_DIR = Path(__file__).parents[2] / "configs" / "rl"
GSM8K = Path(__file__).parents[1] / "data" / "gsm8k"
PRESETS = sorted(p for p in RL_DIR.glob("*.yaml") if not p.name.startswith("_") and "init" in read_yaml(p))
SHRINK_CAUSAL = ["data.task.n_models.train=2", "data.task.n_models.dev=1", "data.task.n_models.test=1",
                 "data.task.n_questions_per_model.train=2", "data.task.n_questions_per_model.dev=1",
                 "data.task.n_questions_per_model.test=1", "data.max_eval=1"]
SHRINK_RL = ["steps=2", "rollout.prompts_per_step=2", "rollout.n=2", "rollout.max_new_tokens=6",
             "eval_every=1000", "eval_max_new_tokens=4", "filter.max_refills=1", "threads=1"]


def test_presets_cover_the_seed_runs():
    names = {p.stem for p in PRESETS}
    for algo in ("grpo", "dapo"):
        for reward in ("strict", "soft"):
            for variant in ("specific", "generic"):
                assert f"seed000_{algo}_{reward}_{variant}" in names
    assert {"seed003_drgrpo_baseline", "seed003_spo_3.1", "seed003_spo_3.2", "seed003_spo_3.3",
            "seed004_raml_k_of_n", "grpo_boolean", "seed003_spo_3.2_gsm8k"} <= names


@pytest.fixture(scope="module")
def causal_policies(tmp_path_factory):
    """variant -> a 1-layer policy trained 2 steps on the shrunken causal data of that variant;
    "gsm8k" -> one trained 2 steps on the test GSM8K-style files."""
    out = {}
    for variant in ("specific", "generic"):
        tiny = [f"run_dir={tmp_path_factory.mktemp(variant)}", "max_steps=2", "eval_every=1000",
                "model.n_embd=16", "model.n_layer=1", "model.n_head=1", "eval_max_new_tokens=4"]
        data = apply_overrides(read_yaml(RL_DIR / f"causal_warmup_{variant}.yaml"), [*SHRINK_CAUSAL, *tiny])
        out[variant] = train_sft(validate(SFTConfig, data), progress=False)
    gsm = {"name": "gsm", "run_dir": str(tmp_path_factory.mktemp("gsm")), "max_steps": 2,
           "data": {"task": {"task": "gsm8k", "path": str(GSM8K)}}, "eval_every": 1000,
           "eval_max_new_tokens": 4, "model": {"n_embd": 16, "n_layer": 1, "n_head": 1}}
    out["gsm8k"] = train_sft(validate(SFTConfig, gsm), progress=False)
    return out


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_rl_preset_runs(path, tmp_path, warm_policy, causal_policies):
    data = read_yaml(path)
    validate(RLConfig, data, str(path))
    task = data["data"]["task"]["task"]
    extra = {"causal_qa": SHRINK_CAUSAL, "gsm8k": [f"data.task.path={GSM8K}", "device=cpu",
                                                   "precision=fp32", "micro_batch_size=2"]}
    init = {"causal_qa": lambda: causal_policies[data["data"]["task"]["prompt"]["variant"]],
            "gsm8k": lambda: causal_policies["gsm8k"]}.get(task, lambda: warm_policy)()
    shrunk = apply_overrides(data, [*extra.get(task, []), *SHRINK_RL, f"init={init}",
                                    f"run_dir={tmp_path}"])
    cfg = validate(RLConfig, shrunk, str(path))
    root = train_rl(cfg, progress=False)
    assert (root / "final" / "model.safetensors").is_file()
    rows = [json.loads(x) for x in (root / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [0, 1, 2] and "test/score" in rows[0]
    for row in rows[1:]:
        _check_objective_ran(cfg, row)


def _check_objective_ran(cfg: RLConfig, row: dict) -> None:
    """What the preset is for shows in its metrics: the rows its objective trained on (RaML's k
    of n, SPO's correct ones), its own metrics (SPO's p_max, the KL term), finite losses."""
    a, r = cfg.algorithm, cfg.rollout
    groups = int(row["batch/groups_kept"])  # all of them unless a filter dropped some
    assert groups == r.prompts_per_step or cfg.filter.dynamic_sampling or cfg.filter.window
    rows = groups * (a.update_samples_per_prompt or r.n)
    if cfg.algorithm.policy().correct_only:
        rows = groups * r.n if a.include_incorrect else int(row["spo/num_correct"])
        if rows:
            assert 0 < row["spo/p_chosen"] <= row["spo/p_max"] <= 1
    assert row["actor/pg_rows"] == rows, (row["actor/pg_rows"], rows)
    if "actor/loss" in row:
        assert math.isfinite(row["actor/loss"]) and math.isfinite(row["actor/grad_norm"])
        assert ("actor/kl" in row) == (a.kl_coef > 0 and not a.kl_in_reward)
        if not cfg.algorithm.policy().correct_only:
            assert 0 <= row["actor/clipfrac"] <= 1
    else:
        assert row["actor/skipped_steps"] > 0
    if cfg.filter.dynamic_sampling:
        assert 1 <= row["batch/rounds"] <= 1 + cfg.filter.max_refills


def test_base_files_merge_and_refuse_cycles(tmp_path):
    (tmp_path / "a.yaml").write_text("x: 1\nsec: {p: 1, q: 2}\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nsec: {q: 3}\ny: 2\n")
    assert read_yaml(tmp_path / "b.yaml") == {"x": 1, "sec": {"p": 1, "q": 3}, "y": 2}
    (tmp_path / "c.yaml").write_text("base: d.yaml\n")
    (tmp_path / "d.yaml").write_text("base: c.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        read_yaml(tmp_path / "c.yaml")


def test_cli_seed_flags_and_errors(tmp_path, warm_policy, capsys):
    args = ["train", "rl", str(RL_DIR / "grpo_boolean.yaml"), "--model_path", str(warm_policy),
            "--batch_size", "2", "--n_rollout", "2", "--max_response_length", "6",
            "--total_steps", "2", "--eval_freq", "2", "--save_freq", "1", "--max_checkpoints", "1",
            "--per_gpu_batch_size", "2", "--lr", "1e-4", "--no-progress", f"run_dir={tmp_path}"]
    assert main(args) == 0
    root = tmp_path / "grpo_boolean"
    cfg = read_yaml(root / "config.yaml")
    assert cfg["rollout"]["prompts_per_step"] == 2 and cfg["rollout"]["n"] == 2
    assert cfg["steps"] == 2 and cfg["micro_batch_size"] == 2 and cfg["optim"]["lr"] == 1e-4
    assert [p.name for p in (root / "checkpoints").iterdir()] == ["step-2"]
    capsys.readouterr()
    assert main(["train", "rl", str(RL_DIR / "grpo_boolean.yaml"), "--ngpus", "2"]) == 2
    err = capsys.readouterr().err
    assert "--ngpus 2" in err and "Traceback" not in err
    assert main(["train", "rl", str(RL_DIR / "grpo_boolean.yaml"), "reward=fuzzy",
                 "--model_path", str(warm_policy), f"run_dir={tmp_path}", "--no-progress"]) == 2
    assert "field reward = 'fuzzy': task boolean_world offers exact, partial" in capsys.readouterr().err
