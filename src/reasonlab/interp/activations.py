"""What a forward pass computes, layer by layer: the residual stream after every block, each
head's output, the MLP neurons, attention patterns, and the logit lens.

The residual stream is recorded from the blocks' raw outputs, so the lens applies the final
norm once: ``unembed(final_norm(resid[i]))``, and at the last block it equals the model's own
logits (Hugging Face's ``hidden_states[-1]`` already has the final norm; applying it again is
the classic lens bug).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .anatomy import anatomy
from .hooks import Hook, eager_attention, first, hooked


@dataclass(frozen=True)
class Activations:
    residual: torch.Tensor  # (L + 1, B, T, d): the embeddings, then each block's output
    heads: torch.Tensor  # (L, B, T, H, dh): each head's output before the output projection
    neurons: torch.Tensor  # (L, B, T, N): the MLP's hidden activations
    logits: torch.Tensor  # (B, T, V)


@torch.no_grad()
def record(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor | None = None) -> Activations:
    """One forward pass of ``ids (B, T)`` with everything the probes read."""
    a = anatomy(model)
    blocks: list[torch.Tensor] = [None] * a.n_layer
    heads: list[torch.Tensor] = [None] * a.n_layer
    neurons: list[torch.Tensor] = [None] * a.n_layer

    def keep(store, i, pre):
        if pre:
            return lambda m, args: store.__setitem__(i, args[0].detach())
        return lambda m, args, out: store.__setitem__(i, first(out).detach())

    hooks = [Hook(b, keep(blocks, i, False)) for i, b in enumerate(a.blocks)]
    hooks += [Hook(m, keep(heads, i, True), pre=True) for i, m in enumerate(a.attn_out)]
    hooks += [Hook(m, keep(neurons, i, True), pre=True) for i, m in enumerate(a.mlp_out)]
    model.eval()
    with hooked(hooks):
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    B, T = ids.shape
    return Activations(
        residual=torch.stack([out.hidden_states[0], *blocks]),
        heads=torch.stack(heads).view(a.n_layer, B, T, a.n_head, a.head_dim),
        neurons=torch.stack(neurons),
        logits=out.logits.detach(),
    )


@torch.no_grad()
def attention(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Attention patterns ``(L, B, H, T, T)`` (query position x key position), eager attention."""
    model.eval()
    with eager_attention(model):
        out = model(input_ids=ids, attention_mask=mask, output_attentions=True)
    return torch.stack([x.detach() for x in out.attentions])


@torch.no_grad()
def logit_lens(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Log-probabilities ``(L + 1, B, T, V)`` read off the residual stream after the embeddings
    and after every block, through the final norm and the unembedding."""
    a = anatomy(model)
    acts = record(model, ids, mask)
    return torch.log_softmax(a.unembed(a.final_norm(acts.residual)).float(), dim=-1)


def next_token_logprobs(lens: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``(L + 1, B, T - 1)``: at each layer, log p(the token that actually comes next)."""
    nxt = ids[:, 1:].unsqueeze(0).unsqueeze(-1).expand(lens.shape[0], -1, -1, 1)
    return lens[:, :, :-1].gather(-1, nxt).squeeze(-1)
