"""Weight edits mid-generation: flip the sign of, zero, scale or add noise to a slice of a named
parameter from generation step ``t`` on, and decode greedily beside the unedited model.

Semantics: decoding runs without a KV cache, one full forward per new token, so from step
``t`` on the edited weights recompute *every* position (the prompt included) -- "what would the
model say next if it had these weights now". (With a cache, an edit would reach only the
positions computed after it; that mixes two models in one context and is not offered.) The
model itself is never mutated: the edited tensor goes in through
``torch.func.functional_call``, so a model shared between threads stays intact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call

from ..config import ConfigError

OPS = ("flip", "zero", "scale", "noise")
_SLICE = re.compile(r"^(?P<name>[\w.]+)(\[(?P<index>[-\d:, ]*)\])?$")


@dataclass(frozen=True)
class WeightEdit:
    """``target`` is a parameter name with an optional slice, e.g.
    ``transformer.h.0.mlp.c_fc.weight[:, 0:16]``; ``value`` is the factor (scale) or the noise
    standard deviation (noise); ``from_step`` the first generated token computed with it."""

    target: str
    op: str = "zero"
    value: float = 1.0
    from_step: int = 0
    seed: int = 0


def _index(text: str | None) -> tuple:
    if not text:
        return (slice(None),)
    parts = []
    for p in text.split(","):
        p = p.strip()
        if ":" in p:
            lo, hi = (int(x) if x.strip() else None for x in p.split(":", 1))
            parts.append(slice(lo, hi))
        else:
            parts.append(int(p))
    return tuple(parts)


def _edited(model: nn.Module, edit: WeightEdit) -> tuple[str, torch.Tensor]:
    m = _SLICE.match(edit.target.strip())
    params = dict(model.named_parameters(remove_duplicate=False))  # tied names too
    if not m or m["name"] not in params:
        near = [n for n in params if m and m["name"].split(".")[-1] in n][:5]
        raise ConfigError(f"edit target = {edit.target!r}: not a parameter of the model (name[slice], "
                          f"e.g. {near[0] if near else next(iter(params))}[0:4])")
    if edit.op not in OPS:
        raise ConfigError(f"edit op = {edit.op!r}: choose from {', '.join(OPS)}")
    w = params[m["name"]].detach().clone()
    try:
        idx = _index(m["index"])
        part = w[idx]
    except (ValueError, IndexError) as e:
        raise ConfigError(f"edit target = {edit.target!r}: bad slice for shape "
                          f"{tuple(w.shape)} ({e})") from None
    if edit.op == "flip":
        w[idx] = -part
    elif edit.op == "zero":
        w[idx] = 0.0
    elif edit.op == "scale":
        w[idx] = part * edit.value
    else:
        g = torch.Generator().manual_seed(edit.seed)
        w[idx] = part + edit.value * torch.randn(part.shape, generator=g).to(part.dtype)
    return m["name"], w


@torch.no_grad()
def edited_generate(model: nn.Module, tok, prompt_ids: Sequence[int], edits: Sequence[WeightEdit],
                    max_new_tokens: int) -> tuple[str, str]:
    """``(original, edited)`` greedy completions of one prompt; each edit applies from its
    ``from_step`` on (steps count from 0, the first generated token)."""
    model.eval()
    prepared = [(e.from_step, *_edited(model, e)) for e in edits]

    def run(edited: bool) -> str:
        ids = torch.tensor([list(prompt_ids)])
        for step in range(max_new_tokens):
            live = {n: w for t, n, w in prepared if edited and step >= t}
            logits = functional_call(model, live, (ids,)).logits if live else model(input_ids=ids).logits
            nxt = int(logits[0, -1].argmax())
            if nxt == tok.eos_token_id:
                break
            ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
        return tok.decode(ids[0, len(prompt_ids):], skip_special_tokens=True)

    return run(False), run(True)
