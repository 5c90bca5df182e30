"""Prompts as token ids for a model: through the tokenizer's chat template when it has one,
else ``[bos] + text``; left padding for generation, so every prompt ends at the same column.

Used by evaluation (generation), rollouts and SFT encoding alike, so all three see a prompt
exactly the same way.

An SFT example becomes ``prompt + completion + [eos]`` with labels ``-100`` on the prompt, so
the loss counts completion tokens only (the original causal-experiment project, docs/origins.md,
trained on the prompt and on 42 padding tokens per example, which deflated its loss). Training
batches are right-padded to their own longest sequence; generation pads on the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..config import ConfigError
from ..tasks import Example


def prompt_ids(tok, example: Example) -> list[int]:
    """The prompt as the model sees it: through the tokenizer's chat template when it has one
    (a local instruct checkpoint), else ``[bos] + system/user text`` (our char tokenizers)."""
    if getattr(tok, "chat_template", None):
        ids = tok.apply_chat_template(example.messages(), add_generation_prompt=True, tokenize=True)
        return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)
    head = [tok.bos_token_id] if tok.bos_token_id is not None else []
    return [*head, *tok(example.text(), add_special_tokens=False)["input_ids"]]


def text_ids(tok, text: str) -> list[int]:
    """A prompt typed by a person, as :func:`prompt_ids` would encode it for a char tokenizer
    (``[bos] + text``); characters outside the vocabulary are one clear error."""
    ids = tok(text, add_special_tokens=False)["input_ids"]
    if tok.unk_token_id is not None and tok.unk_token_id in ids:
        bad = sorted({c for c in text if tok.convert_tokens_to_ids(c) == tok.unk_token_id})
        raise ConfigError(f"input {text!r}: characters {''.join(bad)!r} are not in the model's "
                          "vocabulary; type a prompt in the format it was trained on")
    return [tok.bos_token_id, *ids] if tok.bos_token_id is not None else ids


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


IGNORE = -100


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    labels: list[int]


def encode(tok, example: Example) -> Encoded:
    p = prompt_ids(tok, example)
    c = [*tok(example.completion, add_special_tokens=False)["input_ids"], tok.eos_token_id]
    return Encoded(ids=p + c, labels=[IGNORE] * len(p) + c)


def collate(batch: Sequence[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask``, ``labels``: each ``(B, T_max)``."""
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for i, e in enumerate(batch):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
        labels[i, : len(e.labels)] = torch.tensor(e.labels)
        mask[i, : len(e.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
