"""The VeRL reward entry point scores exactly as the task's verifier does."""

from __future__ import annotations

from reasonlab.bridges.verl import compute_score
from reasonlab.tasks import get_task
from reasonlab.tasks.boolean_world import BooleanWorldConfig


def test_compute_score_matches_the_verifier():
    task = get_task("boolean_world")
    e = next(iter(task.iter_split(BooleanWorldConfig(sizes={"train": 1, "dev": 1, "test": 1}), "dev")))
    info = {"id": e.id, "split": e.split, "answer_key": e.answer_key.model_dump(), **e.meta}
    for text in (e.answer, e.answer[:-2] + "9\n", "nonsense"):
        want = task.verify(e, text).reward
        assert compute_score(f"boolean_world/{e.meta.get('subset', 'x')}", text, e.answer, info) == want
    assert compute_score("boolean_world/x", e.answer, e.answer, info) == 1.0
