"""Where the probes hook in, per architecture: the blocks (the residual stream after each),
each block's attention output projection (its input is the heads' outputs side by side) and MLP
output projection (its input is the MLP neurons), the final norm and the unembedding.

A registry keyed by ``config.model_type``; a model of another family is refused with the list
of the ones supported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from ..config import ConfigError


@dataclass(frozen=True)
class Anatomy:
    blocks: list[nn.Module]
    attn_out: list[nn.Module]  # input (..., n_head * head_dim): the heads' outputs, concatenated
    mlp_out: list[nn.Module]  # input (..., n_neurons): the MLP's hidden activations
    final_norm: nn.Module
    unembed: nn.Module
    n_head: int
    head_dim: int
    n_neurons: int

    @property
    def n_layer(self) -> int:
        return len(self.blocks)


def _gpt2(model: nn.Module) -> Anatomy:
    h = list(model.transformer.h)
    c = model.config
    return Anatomy(h, [b.attn.c_proj for b in h], [b.mlp.c_proj for b in h], model.transformer.ln_f,
                   model.lm_head, c.n_head, c.n_embd // c.n_head, h[0].mlp.c_fc.nf)


def _llama(model: nn.Module) -> Anatomy:
    layers = list(model.model.layers)
    c = model.config
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    return Anatomy(layers, [b.self_attn.o_proj for b in layers], [b.mlp.down_proj for b in layers],
                   model.model.norm, model.lm_head, c.num_attention_heads, head_dim,
                   c.intermediate_size)


ANATOMIES: dict[str, Callable[[nn.Module], Anatomy]] = {"gpt2": _gpt2, "llama": _llama}


def anatomy(model: nn.Module) -> Anatomy:
    kind = getattr(model.config, "model_type", None)
    if kind not in ANATOMIES:
        raise ConfigError(f"model type {kind!r}: the probes know {', '.join(ANATOMIES)}; "
                          "use a GPT-2 or Llama-family checkpoint")
    return ANATOMIES[kind](model)


def check_layer(a: Anatomy, layer: int, what: str = "layer") -> int:
    if not 0 <= layer < a.n_layer:
        raise ConfigError(f"{what} = {layer}: the model has layers 0..{a.n_layer - 1}")
    return layer


def check_head(a: Anatomy, head: int) -> int:
    if not 0 <= head < a.n_head:
        raise ConfigError(f"head = {head}: the model has heads 0..{a.n_head - 1}")
    return head
