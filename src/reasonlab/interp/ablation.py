"""Knocking parts out: zero or mean ablation of attention heads and MLP neurons, and the effect
of each head on a dataset split (exact match and reward with the head gone, against the intact
model).

A head's output is its slice of the attention output projection's input
(``[..., h * dh : (h + 1) * dh]``), a neuron its column of the MLP output projection's input;
ablating replaces that slice before the projection, which is the same as zeroing (or
mean-filling) the matching rows of the projection's weight by hand. Mean ablation fills the
mean over every non-padding position of a reference batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from ..config import ConfigError
from ..eval.generation import generate, score
from ..tasks import Example
from .activations import record
from .anatomy import Anatomy, anatomy, check_head, check_layer
from .hooks import Hook, hooked

MODES = ("zero", "mean")


@dataclass(frozen=True)
class Means:
    heads: torch.Tensor  # (L, H, dh)
    neurons: torch.Tensor  # (L, N)


@torch.no_grad()
def mean_activations(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor | None = None) -> Means:
    """Each head's and neuron's mean over the non-padding positions of ``ids (B, T)``."""
    acts = record(model, ids, mask)
    keep = (mask if mask is not None else torch.ones_like(ids)).bool()  # (B, T)
    n = keep.sum()
    heads = (acts.heads * keep[None, :, :, None, None]).sum((1, 2)) / n
    neurons = (acts.neurons * keep[None, :, :, None]).sum((1, 2)) / n
    return Means(heads, neurons)


def _head_hook(a: Anatomy, heads: list[int], fill: torch.Tensor | None):
    def hook(module, args):
        x = args[0].clone()  # (B, T, H * dh)
        for h in heads:
            sl = slice(h * a.head_dim, (h + 1) * a.head_dim)
            x[..., sl] = 0.0 if fill is None else fill[h].to(x.dtype)
        return (x, *args[1:])
    return hook


def _neuron_hook(neurons: list[int], fill: torch.Tensor | None):
    def hook(module, args):
        x = args[0].clone()  # (B, T, N)
        x[..., neurons] = 0.0 if fill is None else fill[neurons].to(x.dtype)
        return (x, *args[1:])
    return hook


@contextmanager
def ablate(model: nn.Module, heads: Sequence[tuple[int, int]] = (),
           neurons: Sequence[tuple[int, int]] = (), mode: str = "zero",
           means: Means | None = None) -> Iterator[None]:
    """Within the block, the given ``(layer, head)`` and ``(layer, neuron)`` outputs are zeroed
    (``mode="zero"``) or replaced by their mean over a reference batch (``"mean"``, ``means``
    from :func:`mean_activations`)."""
    if mode not in MODES:
        raise ConfigError(f"ablation mode = {mode!r}: choose from {', '.join(MODES)}")
    if mode == "mean" and means is None:
        raise ConfigError("mean ablation needs the means of a reference batch (mean_activations)")
    a = anatomy(model)
    by_layer: dict[int, list[int]] = {}
    for layer, h in heads:
        by_layer.setdefault(check_layer(a, layer), []).append(check_head(a, h))
    hooks = [Hook(a.attn_out[layer], _head_hook(a, hs, means.heads[layer] if means else None), pre=True)
             for layer, hs in by_layer.items()]
    cols: dict[int, list[int]] = {}
    for layer, n in neurons:
        if not 0 <= n < a.n_neurons:
            raise ConfigError(f"neuron = {n}: the MLPs have neurons 0..{a.n_neurons - 1}")
        cols.setdefault(check_layer(a, layer), []).append(n)
    hooks += [Hook(a.mlp_out[layer], _neuron_hook(ns, means.neurons[layer] if means else None), pre=True)
              for layer, ns in cols.items()]
    with hooked(hooks):
        yield


@dataclass(frozen=True)
class AblationEffect:
    layer: int
    head: int
    exact: float  # exact match with the head ablated
    reward: float
    exact_change: float  # ablated - intact
    reward_change: float


def _accuracy(model, tok, examples: Sequence[Example], max_new_tokens: int) -> tuple[float, float]:
    texts = [t[0] for t in generate(model, tok, examples, max_new_tokens)]
    scores = [g.score for g in score(examples, texts)]
    return (sum(s.correct for s in scores) / len(scores), sum(s.reward for s in scores) / len(scores))


def ablation_effects(model: nn.Module, tok, examples: Sequence[Example], max_new_tokens: int,
                     mode: str = "zero", means: Means | None = None
                     ) -> tuple[tuple[float, float], list[AblationEffect]]:
    """The intact model's (exact, reward) on ``examples`` (greedy) and each head's effect."""
    if not examples:
        raise ConfigError("ablation effects need at least one example")
    a = anatomy(model)
    base = _accuracy(model, tok, examples, max_new_tokens)
    out = []
    for layer in range(a.n_layer):
        for h in range(a.n_head):
            with ablate(model, heads=[(layer, h)], mode=mode, means=means):
                exact, reward = _accuracy(model, tok, examples, max_new_tokens)
            out.append(AblationEffect(layer, h, exact, reward, exact - base[0], reward - base[1]))
    return base, out
