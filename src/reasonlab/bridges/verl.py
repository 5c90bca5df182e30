"""VeRL reward entry point for data exported with ``reasonlab export --to verl``.

Point VeRL's ``custom_reward_function.path`` at this file and ``name`` at ``compute_score``:
it rebuilds the example from ``extra_info`` (whose ``answer_key`` carries what the task's
verifier needs: for ``causal_qa`` the answer format, the reward mode and the tolerance) and
scores with the task's own verifier, so RL rewards are exactly the ones ``reasonlab eval``
reports. Exports written before answer keys had their own field (the key's values were among
the meta fields of ``extra_info``) score the same.
"""

from __future__ import annotations

from typing import Any

from ..tasks import Example, get_task


def compute_score(data_source: str, solution_str: str, ground_truth: str,
                  extra_info: dict[str, Any] | None = None) -> float:
    """Reward in [0, 1] of ``solution_str`` (VeRL's ``compute_score`` signature)."""
    info = dict(extra_info or {})
    task = get_task(data_source.split("/", 1)[0])
    key, meta = task.read_key(info.pop("answer_key", None), info)
    example = Example(id=str(meta.get("id", "")), task=task.name, split=str(meta.get("split", "")),
                      prompt="", answer=ground_truth, completion="", answer_key=key, meta=meta)
    return float(task.verify(example, solution_str).reward)
