"""Prompts as token ids for a model: through the tokenizer's chat template when it has one,
else ``[bos] + text``; left padding for generation, so every prompt ends at the same column.

Used by evaluation (generation), rollouts and SFT encoding alike, so all three see a prompt
exactly the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..tasks import Example


def prompt_ids(tok, example: Example) -> list[int]:
    """The prompt as the model sees it: through the tokenizer's chat template when it has one
    (a local instruct checkpoint), else ``[bos] + system/user text`` (our char tokenizers)."""
    if getattr(tok, "chat_template", None):
        ids = tok.apply_chat_template(example.messages(), add_generation_prompt=True, tokenize=True)
        return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)
    head = [tok.bos_token_id] if tok.bos_token_id is not None else []
    return [*head, *tok(example.text(), add_special_tokens=False)["input_ids"]]


def left_pad(tok, examples: Sequence[Example]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(P, W)`` prompt ids (:func:`prompt_ids`) left-padded so every prompt ends at the same
    column, and their attention mask."""
    prompts = [prompt_ids(tok, e) for e in examples]
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), tok.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    return ids, mask
