"""The VeRL reward entry point scores exactly as the task's verifier does, loads the way VeRL
loads a ``custom_reward_function.path`` (a bare module from a file, outside any package), takes
the keyword arguments VeRL adds, and returns the same keys for every sample."""

from __future__ import annotations

import importlib.util
import sys

import reasonlab.bridges.verl as bridge
from reasonlab.bridges.verl import compute_score
from reasonlab.tasks import get_task
from reasonlab.tasks.boolean_world import BooleanWorldConfig

KEYS = {"score", "acc", "format_ok"}


def _example():
    task = get_task("boolean_world")
    e = next(iter(task.iter_split(BooleanWorldConfig(sizes={"train": 1, "dev": 1, "test": 1}), "dev")))
    return task, e, {"id": e.id, "split": e.split, "answer_key": e.answer_key.model_dump(), **e.meta}


def test_compute_score_matches_the_verifier():
    task, e, info = _example()
    for text in (e.answer, e.answer[:-2] + "9\n", "nonsense"):
        s = task.verify(e, text)
        got = compute_score(f"boolean_world/{e.meta.get('subset', 'x')}", text, e.answer, info)
        assert got == {"score": s.reward, "acc": float(s.correct), "format_ok": float(s.parsed is not None)}
    assert compute_score("boolean_world/x", e.answer, e.answer, info)["score"] == 1.0
    assert compute_score("boolean_world/x", "nonsense", e.answer, info)["format_ok"] == 0.0


def test_it_loads_from_its_file_path_as_verl_does_and_ignores_extra_keywords():
    # VeRL's load_extern_object: spec_from_file_location on the path, a module named after no
    # package, exec_module -- a relative import inside the file would fail there
    spec = importlib.util.spec_from_file_location("custom_module", bridge.__file__)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_module"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop("custom_module", None)
    _, e, info = _example()
    got = module.compute_score(
        "boolean_world/x",
        e.answer,
        e.answer,
        info,
        reward_router_address="127.0.0.1:1",
        reward_model_tokenizer=None,
        max_resp_len=512,
    )
    assert set(got) == KEYS and got["score"] == 1.0
    assert set(module.compute_score("boolean_world/x", "", e.answer, info)) == KEYS
