"""Every preset in configs/ validates, and a shrunken copy of it generates and verifies; every
world file in configs/worlds/ loads and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasonlab.config import apply_overrides, read_yaml
from reasonlab.tasks import task_config

CONFIGS = Path(__file__).parents[3] / "configs"
# _name.yaml files are bases of others; worlds and experiments have tests of their own
ALL = sorted(p for p in CONFIGS.rglob("*.yaml")
             if p.parent.name not in ("worlds", "experiments") and not p.name.startswith("_"))
PRESETS = [p for p in ALL if "task" in read_yaml(p)]
TRAINING = [p for p in ALL if "task" not in read_yaml(p) and "init" not in read_yaml(p)]  # SFT
WORLDS = sorted((CONFIGS / "worlds").glob("*.yaml"))
SHRINK = {
    "causal_qa": ["n_models.train=1", "n_models.dev=1", "n_models.test=1",
                  "n_questions_per_model.train=3", "n_questions_per_model.dev=2",
                  "n_questions_per_model.test=2"],
    "boolean_world": ["sizes.train=20", "sizes.dev=5", "sizes.test=5"],
}


def test_presets_exist():
    assert len(PRESETS) >= 17 and WORLDS and TRAINING


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: p.stem)
def test_training_configs_validate(path):
    from reasonlab.config import validate
    from reasonlab.train.sft import SFTConfig

    cfg = validate(SFTConfig, read_yaml(path), str(path))
    if cfg.data.task is not None:
        task_config(cfg.data.task)


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_generates(path):
    data = read_yaml(path)
    task, config = task_config(apply_overrides(data, SHRINK[data["task"]]), source=str(path))
    examples = list(task.iter_split(config, "dev"))
    assert examples
    for e in examples:
        assert task.verify(e, e.completion).reward == 1.0


@pytest.mark.parametrize("path", WORLDS, ids=lambda p: p.stem)
def test_world_files_run(path):
    task, config = task_config({"task": "boolean_world", "world": str(path), "rungs": {1: 1, 2: 1, 3: 1},
                                "sizes": {"train": 20, "dev": 5, "test": 5}})
    for e in task.iter_split(config, "train"):
        assert task.verify(e, e.completion).correct


LONG = [p for p in TRAINING if (read_yaml(p)["data"].get("task") or {}).get("task") == "causal_qa"]


@pytest.mark.parametrize("path", LONG, ids=lambda p: p.stem)
def test_sft_context_fits_the_training_data(path):
    """Tiny models use a character tokenizer (one token per character): bos + prompt +
    completion + eos must fit model.n_positions for every training example (the causal presets,
    whose prompts run to ~2,000 characters)."""
    from reasonlab.config import validate
    from reasonlab.train.sft import SFTConfig

    cfg = validate(SFTConfig, read_yaml(path), str(path))
    task, config = task_config(cfg.data.task)
    longest = max(len(e.text()) + len(e.completion) + 2 for e in task.iter_split(config, "train"))
    assert longest <= cfg.model.n_positions, (path.name, longest)
