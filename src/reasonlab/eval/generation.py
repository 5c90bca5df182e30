"""Batched generation and scoring with a task's verifier (used by SFT evals and ``reasonlab
eval``): greedy or sampled, ``n`` samples per prompt, left padding, stop at EOS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..config import ConfigError
from ..models import context_length
from ..models.encoding import left_pad
from ..rewards import Score
from ..tasks import Example, get_task


@dataclass(frozen=True)
class Generated:
    example: Example
    text: str
    score: Score


@torch.no_grad()
def generate(model, tok, examples: Sequence[Example], max_new_tokens: int, batch_size: int = 64,
             do_sample: bool = False, temperature: float = 1.0, top_p: float = 1.0,
             n: int = 1, device: str | torch.device = "cpu") -> list[list[str]]:
    """``n`` completions per example (texts without special tokens)."""
    model.eval()
    context = context_length(model)
    out: list[list[str]] = []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        ids, mask = left_pad(tok, chunk)
        width = ids.shape[1]
        if context and width + max_new_tokens > context:
            raise ConfigError(f"a prompt of {examples[start].task!r} has {width} tokens, and with "
                              f"{max_new_tokens} new tokens that passes the model's context of "
                              f"{context}; is the model trained for this data? (else lower "
                              "max_new_tokens or use a model with a longer context)")
        kwargs = {"do_sample": do_sample, "num_return_sequences": n}
        if do_sample:
            kwargs |= {"temperature": temperature, "top_p": top_p}
        seqs = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device),
                              max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id,
                              eos_token_id=tok.eos_token_id, **kwargs)
        texts = tok.batch_decode(seqs[:, width:], skip_special_tokens=True)
        out += [texts[i * n : (i + 1) * n] for i in range(len(chunk))]
    return out


def score(examples: Sequence[Example], texts: Sequence[str], reward: str | None = None) -> list[Generated]:
    """Each text scored by its example's task verifier under reward mode ``reward`` (None: each
    dataset's own)."""
    return [Generated(e, t, get_task(e.task).verify(e, t, reward))
            for e, t in zip(examples, texts, strict=True)]
