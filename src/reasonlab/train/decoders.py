"""Incremental decoders for rollouts: transformers' own loop, and a lean one for GPT-2 models
that skips transformers' per-call machinery.

Why: on a CPU a tiny model's decode step is dominated by framework overhead, not arithmetic --
for the 128/4/4 GPT-2 of the boolean-world presets and 64 rows, a transformers forward with a
``DynamicCache`` costs ~3.8 ms for ~0.1 GFLOP (mask construction, cache objects growing by
``torch.cat``, output classes, hooks). Measured in ``bench/rl_vs_trl.py``, sampling was half of
an RL step. This module runs the same GPT-2 block arithmetic directly on the model's own
parameters with a preallocated KV buffer and a preallocated attention mask: about a dozen tensor
ops per layer.

The prompt is still encoded by the transformers model (one call; its cache is copied into the
buffer, repeated for the group), so only the decode steps take this path. transformers stays the
oracle: tests check the logits of every step against a full forward of the HF model. Models
this path does not cover (other architectures, unusual GPT-2 attention options) decode with
:class:`HFDecoder` (the transformers model with its ``DynamicCache``). Both take the prompt's
cache after one transformers forward and expose ``step(tokens, positions, live) -> logits``.
"""

from __future__ import annotations

import math

import torch
from transformers import GPT2LMHeadModel


class HFDecoder:
    """The transformers model itself, with its cache repeated for the group. Without left
    padding, the steps pass neither a mask nor positions (they follow the cache)."""

    def __init__(self, model, cache, prompt_mask: torch.Tensor, n: int, max_new: int) -> None:
        self.model, self.cache = model, cache
        cache.batch_repeat_interleave(n)
        self.padded = not bool(prompt_mask.all())
        self.mask = prompt_mask.repeat_interleave(n, 0)

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, positions: torch.Tensor, live: torch.Tensor) -> torch.Tensor:
        kw = {}
        if self.padded:
            self.mask = torch.cat([self.mask, live.long()[:, None]], 1)
            kw = {"attention_mask": self.mask, "position_ids": positions[:, None]}
        out = self.model(input_ids=tokens[:, None], cache=self.cache, use_cache=True, **kw)
        return out.logits[:, -1]


def supported(model) -> bool:
    """A GPT-2 LM with the standard attention options (what :class:`GPT2Decoder` reproduces)."""
    if type(model) is not GPT2LMHeadModel:
        return False
    c = model.config
    return (c.scale_attn_weights and not c.scale_attn_by_inverse_layer_idx
            and not c.reorder_and_upcast_attn and not getattr(c, "add_cross_attention", False))


class GPT2Decoder:
    """Decode ``rows`` sequences one token at a time after a (repeated) prompt of width ``w``.

    ``k, v: (layers, rows, heads, w + max_new, head_dim)`` buffers; ``mask: (rows, w + max_new)``
    marks the keys each row may attend to (left padding and finished rows are excluded).
    """

    def __init__(self, model: GPT2LMHeadModel, cache, prompt_mask: torch.Tensor, n: int,
                 max_new: int) -> None:
        t = model.transformer
        self.model, self.blocks, self.n = model, t.h, n
        self.heads = model.config.n_head
        self.head_dim = model.config.n_embd // self.heads
        p, w = prompt_mask.shape
        rows, total = p * n, w + max_new
        layer0 = cache.layers[0].keys  # (P, H, W, D)
        shape = (len(self.blocks), rows, self.heads, total, self.head_dim)
        self.k = layer0.new_zeros(shape)
        self.v = layer0.new_zeros(shape)
        for i, layer in enumerate(cache.layers):
            self.k[i, :, :, :w] = layer.keys.repeat_interleave(n, 0)
            self.v[i, :, :, :w] = layer.values.repeat_interleave(n, 0)
        self.mask = torch.zeros((rows, total), dtype=torch.bool, device=prompt_mask.device)
        self.mask[:, :w] = prompt_mask.repeat_interleave(n, 0).bool()
        self.length = w
        self.scale = 1.0 / math.sqrt(self.head_dim)

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, positions: torch.Tensor, live: torch.Tensor) -> torch.Tensor:
        """``tokens, positions: (rows,)``; ``live: (rows,)`` bool (the token is attended to later).
        Returns the next-token logits ``(rows, V)``."""
        t, at = self.model.transformer, self.length
        self.mask[:, at] = live
        attend = self.mask[:, None, None, : at + 1]  # (rows, 1, 1, L)
        h = t.wte(tokens) + t.wpe(positions)  # (rows, E)
        rows = h.shape[0]
        for i, block in enumerate(self.blocks):
            a = block.attn
            qkv = torch.addmm(a.c_attn.bias, block.ln_1(h), a.c_attn.weight)  # (rows, 3E)
            q, k, v = qkv.view(rows, 3, self.heads, self.head_dim).unbind(1)  # (rows, H, D) each
            self.k[i, :, :, at] = k
            self.v[i, :, :, at] = v
            out = torch.nn.functional.scaled_dot_product_attention(
                q[:, :, None], self.k[i, :, :, : at + 1], self.v[i, :, :, : at + 1],
                attn_mask=attend, scale=self.scale)  # (rows, H, 1, D)
            h = h + torch.addmm(a.c_proj.bias, out.reshape(rows, -1), a.c_proj.weight)
            m = block.mlp
            h = h + torch.addmm(m.c_proj.bias, m.act(torch.addmm(m.c_fc.bias, block.ln_2(h), m.c_fc.weight)),
                                m.c_proj.weight)
        self.length += 1
        return self.model.lm_head(t.ln_f(h))  # (rows, V)


def decoder_for(model, cache, prompt_mask: torch.Tensor, n: int, max_new: int, lean: bool = True):
    """The lean GPT-2 decoder where it applies (and ``lean``), else transformers'."""
    cls = GPT2Decoder if lean and supported(model) else HFDecoder
    return cls(model, cache, prompt_mask, n, max_new)
