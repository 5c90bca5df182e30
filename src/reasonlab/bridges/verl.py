"""VeRL reward entry point for data exported with ``reasonlab export --to verl``.

Point VeRL's ``custom_reward_function.path`` at this file and ``name`` at ``compute_score``:
it rebuilds the example from ``extra_info`` (which carries the answer format, the reward name and
the tolerance) and scores with the task's own verifier, so RL rewards are exactly the ones
``reasonlab eval`` reports.
"""

from __future__ import annotations

from typing import Any

from ..tasks import Example, get_task


def compute_score(data_source: str, solution_str: str, ground_truth: str,
                  extra_info: dict[str, Any] | None = None) -> float:
    """Reward in [0, 1] of ``solution_str`` (VeRL's ``compute_score`` signature)."""
    meta = dict(extra_info or {})
    task = data_source.split("/", 1)[0]
    example = Example(id=str(meta.get("id", "")), task=task, split=str(meta.get("split", "")),
                      prompt="", answer=ground_truth, completion="", meta=meta)
    return float(get_task(task).verify(example, solution_str).reward)
