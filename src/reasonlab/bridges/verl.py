"""VeRL reward entry point for data exported with ``reasonlab export --to verl``.

Point VeRL's ``reward.custom_reward_function.path`` (0.9.1; older releases: the top-level
``custom_reward_function.path``) at this file, or at ``pkg://reasonlab.bridges.verl``, and
``name`` at ``compute_score``. VeRL loads a path as a bare module, outside any package, so this
file imports reasonlab by absolute name. It rebuilds the example from ``extra_info`` (whose
``answer_key`` carries what the task's verifier needs: for ``causal_qa`` the answer format, the
reward mode and the tolerance) and scores with the task's own verifier, so RL rewards are exactly
the ones ``reasonlab eval`` reports. Exports written before answer keys had their own field (the
key's values were among the meta fields of ``extra_info``) score the same.

The result is a dict with the same keys for every sample (VeRL logs the keys beside ``score``
and needs them identical across a batch): ``score`` (the reward), ``acc`` (1.0 when correct)
and ``format_ok`` (1.0 when an answer could be read at all). Keyword arguments VeRL adds
(``reward_kwargs``, a reward-model path's ``reward_router_address=`` or
``reward_model_tokenizer=``) are accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from reasonlab.tasks import Example, get_task


def compute_score(data_source: str, solution_str: str, ground_truth: str,
                  extra_info: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, float]:
    """``{"score", "acc", "format_ok"}`` of ``solution_str`` (VeRL's ``compute_score`` call)."""
    info = dict(extra_info or {})
    task = get_task(data_source.split("/", 1)[0])
    key, meta = task.read_key(info.pop("answer_key", None), info)
    example = Example(id=str(meta.get("id", "")), task=task.name, split=str(meta.get("split", "")),
                      prompt="", answer=ground_truth, completion="", answer_key=key, meta=meta)
    s = task.verify(example, solution_str)
    return {"score": float(s.reward), "acc": float(s.correct), "format_ok": float(s.parsed is not None)}
