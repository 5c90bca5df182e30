"""Every preset in configs/ validates, and a shrunken copy of it generates and verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasonlab.config import apply_overrides, read_yaml
from reasonlab.tasks import task_config

PRESETS = sorted((Path(__file__).parents[3] / "configs").rglob("*.yaml"))
SMALL = ["n_models.train=1", "n_models.dev=1", "n_models.test=1", "n_questions_per_model.train=3",
         "n_questions_per_model.dev=2", "n_questions_per_model.test=2"]


def test_presets_exist():
    assert len(PRESETS) >= 15


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_generates(path):
    task, config = task_config(apply_overrides(read_yaml(path), SMALL), source=str(path))
    examples = list(task.iter_split(config, "dev"))
    assert examples
    for e in examples:
        assert task.verify(e, e.completion).reward == 1.0
