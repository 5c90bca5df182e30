"""Greedy decoding of raw token ids (prompts that all have one length, as boolean-world inputs
and typed prompts do): what the probes and the playground read a model's answer with. Hooks
installed around a call (ablation, patching) apply to every step; the KV cache is used."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def greedy(model: nn.Module, tok, ids: torch.Tensor, max_new_tokens: int) -> list[str]:
    """The greedy completion of each row of ``ids (B, T)``, without special tokens."""
    seqs = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                          max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id,
                          eos_token_id=tok.eos_token_id)
    return tok.batch_decode(seqs[:, ids.shape[1]:], skip_special_tokens=True)
