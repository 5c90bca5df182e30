"""Scoring a model on named eval sets during training: greedy generation, the task verifier,
exact match, reward and response length per set; ``test/score`` is the held-out (else test)
set's reward, the name RL engines use."""

from __future__ import annotations

import torch

from ..tasks import Example
from .generation import generate, score


def evaluate_sets(model, tok, sets: dict[str, list[Example]], max_new_tokens: int | None,
                  batch_size: int, device: torch.device, reward: str | None = None) -> dict[str, float]:
    """Metrics ``eval/<set>/{exact,reward,response_length}`` and ``test/*`` (``max_new_tokens``
    None: the longest gold completion + 4; ``reward``: the mode, None for the dataset's)."""
    metrics: dict[str, float] = {}
    for name, examples in sets.items():
        longest = max(len(tok(e.completion, add_special_tokens=False)["input_ids"]) for e in examples)
        texts = generate(model, tok, examples, max_new_tokens or longest + 4,
                         batch_size=batch_size, device=device)
        results = score(examples, [t[0] for t in texts], reward)
        metrics[f"eval/{name}/exact"] = sum(r.score.correct for r in results) / len(results)
        metrics[f"eval/{name}/reward"] = sum(r.score.reward for r in results) / len(results)
        lengths = [len(ids) for ids in tok([t[0] for t in texts], add_special_tokens=False)["input_ids"]]
        metrics[f"eval/{name}/response_length"] = sum(lengths) / len(lengths)
    test = "held_out" if "held_out" in sets else "test" if "test" in sets else None
    if test:
        metrics["test/score"] = metrics[f"eval/{test}/reward"]
        metrics["test/avg_response_length"] = metrics[f"eval/{test}/response_length"]
    return metrics
