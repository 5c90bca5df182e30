"""Hooks that are always removed: a context manager over forward and forward-pre hooks, and the
helpers for block outputs (a Tensor in transformers 5, a tuple in older versions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Hook:
    module: nn.Module
    fn: Callable
    pre: bool = False  # pre: fn(module, args) -> args | None; else fn(module, args, output)


@contextmanager
def hooked(hooks: Sequence[Hook]) -> Iterator[None]:
    handles = []
    try:
        for h in hooks:
            handles.append(h.module.register_forward_pre_hook(h.fn) if h.pre
                           else h.module.register_forward_hook(h.fn))
        yield
    finally:
        for handle in handles:
            handle.remove()


def first(output) -> torch.Tensor:
    return output[0] if isinstance(output, tuple) else output


def with_first(output, tensor: torch.Tensor):
    return (tensor, *output[1:]) if isinstance(output, tuple) else tensor


@contextmanager
def eager_attention(model: nn.Module) -> Iterator[None]:
    """Eager attention for the duration (under sdpa ``output_attentions`` comes back empty)."""
    before = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        yield
    finally:
        model.set_attn_implementation(before)
