"""Activation patching: run input A with the residual stream after block ``layer`` (at chosen
positions) taken from input B, and see how far A's output moves towards B's.

Prompts of a patched pair must have the same length (boolean-world inputs all do): a position
of A takes the activation at the same position of B. Patching applies to the prompt positions
during the forward pass over the prompt (the prefill of generation); positions generated after
it are computed from the patched cache, unpatched themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..config import ConfigError
from ..models.encoding import left_pad
from ..tasks import Example
from .activations import record
from .anatomy import anatomy, check_layer
from .decode import greedy
from .hooks import Hook, first, hooked, with_first


def _patch_hook(source: torch.Tensor, positions: Sequence[int] | None, width: int):
    def hook(module, args, output):
        x = first(output)
        if x.shape[1] != width:  # a decoding step after the prefill: leave it alone
            return output
        x = x.clone()
        cols = slice(None) if positions is None else list(positions)
        x[:, cols] = source[:, cols].to(x.dtype)
        return with_first(output, x)
    return hook


@torch.no_grad()
def patched_logits(model: nn.Module, ids_a: torch.Tensor, ids_b: torch.Tensor, layer: int,
                   positions: Sequence[int] | None = None) -> torch.Tensor:
    """Logits ``(B, T, V)`` of ``ids_a (B, T)`` with block ``layer``'s output at ``positions``
    (None: every position) replaced by its value on ``ids_b`` (``(B, T)`` or ``(1, T)``)."""
    a = anatomy(model)
    check_layer(a, layer)
    if ids_a.shape[1] != ids_b.shape[1]:
        raise ConfigError(f"patching needs prompts of one length (got {ids_a.shape[1]} and "
                          f"{ids_b.shape[1]} tokens)")
    source = record(model, ids_b).residual[layer + 1]  # (B or 1, T, d)
    with hooked([Hook(a.blocks[layer], _patch_hook(source, positions, ids_a.shape[1]))]):
        return model(input_ids=ids_a).logits


def moved(patched: str, own: str, source: str) -> float:
    """Of the characters where ``own`` (a's clean output) and ``source`` (b's) differ, the share
    the patched run writes as b's (1.0: a now says what b says; 0.0: nothing moved). Equal
    outputs have nothing to move: 1.0."""
    n = max(len(own), len(source), len(patched))
    at = [i for i in range(n) if own[i:i + 1] != source[i:i + 1]]
    return 1.0 if not at else sum(patched[i:i + 1] == source[i:i + 1] for i in at) / len(at)


@torch.no_grad()
def patch_matrix(model: nn.Module, tok, examples: Sequence[Example], layer: int, max_new_tokens: int,
                 positions: Sequence[int] | None = None) -> tuple[torch.Tensor, list[str]]:
    """``M (N, N)``: ``M[a, b]`` is how far input a's output moves to input b's with block
    ``layer``'s output patched in from b (:func:`moved`: the share of the characters where their
    clean outputs differ that a now writes as b's); the diagonal is 1. Returns M and the clean
    outputs."""
    model.eval()
    ids, mask = left_pad(tok, examples)
    if not bool(mask.all()):
        raise ConfigError("patch_matrix needs prompts of one length (boolean-world inputs are)")
    clean = greedy(model, tok, ids, max_new_tokens)
    a = anatomy(model)
    check_layer(a, layer)
    source = record(model, ids).residual[layer + 1]  # (N, T, d)
    n = len(examples)
    m = torch.zeros(n, n)
    for b in range(n):
        hook = _patch_hook(source[b : b + 1], positions, ids.shape[1])
        with hooked([Hook(a.blocks[layer], hook)]):
            texts = greedy(model, tok, ids, max_new_tokens)
        m[:, b] = torch.tensor([moved(t, clean[a], clean[b]) for a, t in enumerate(texts)])
    return m, clean
