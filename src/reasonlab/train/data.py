"""SFT examples as token ids: prompt tokens masked out of the loss, dynamic padding.

An example becomes ``prompt + completion + [eos]`` (the prompt through the tokenizer's chat
template when it has one, else ``[bos] + text``) with labels ``-100`` on the prompt, so the
loss counts completion tokens only (the original causal-experiment project, docs/origins.md,
trained on the prompt and on 42 padding tokens per example, which deflated its loss). Batches
are padded to their own longest sequence (right padding for training; generation pads on the
left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..models.encoding import prompt_ids
from ..tasks import Example
from ..validation import seed_sequence

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


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The example order of one epoch: a function of (seed, epoch) only, so a resumed run
    replays exactly the batches an uninterrupted one would."""
    return np.random.default_rng(seed_sequence(seed, "train/epoch_order", epoch)).permutation(n)
