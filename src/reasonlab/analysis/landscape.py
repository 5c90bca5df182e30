"""The loss landscape around a checkpoint on two filter-normalised random directions.

Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets": draw two Gaussian directions
``d1, d2`` with the model's parameter shapes, rescale each filter of each direction to the norm
of the same filter of the weights (``d_f <- d_f * ||w_f|| / ||d_f||``), zero the directions on
1-D parameters (biases and norm gains: the paper's "ignore biasbn"), and evaluate
``L(theta + alpha d1 + beta d2)`` on a grid. A filter is an output unit: a row of a
``torch.nn.Linear`` / embedding weight (dim 0), but a column of transformers' ``Conv1D`` (GPT-2
stores those weights as ``(in, out)``). The loss is the SFT loss on a fixed batch: mean
negative log-likelihood of the completion tokens (and EOS) after the prompt, as the trainer
encodes them. Weights are perturbed through ``torch.func.functional_call`` (tied weights stay
tied), never in place, so the model is left as it was.

Orientation: ``Landscape.loss[i, j]`` is the loss at ``(alphas[j], betas[i])``, which is what
``contour(alphas, betas, loss)`` expects (x = alpha, y = beta); the original code passed the grid
transposed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.func import functional_call
from transformers.pytorch_utils import Conv1D

from ..config import ConfigError
from ..files import atomic_write_text
from ..models.encoding import IGNORE, collate, encode
from ..tasks import Example
from .figures import new_figure, save_figure
from .trajectory import eval_mode

Direction = dict[str, torch.Tensor]


@dataclass(frozen=True, eq=False)
class Landscape:
    """``loss[i, j]``: the loss at ``theta + alphas[j] d1 + betas[i] d2``; ``loss`` is (B, A)."""

    alphas: np.ndarray  # (A,) the x axis
    betas: np.ndarray  # (B,) the y axis
    loss: np.ndarray  # (B, A)


@dataclass(frozen=True)
class SFTBatch:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (-100 on prompt and pad)."""

    input_ids: torch.Tensor  # (N, T)
    attention_mask: torch.Tensor  # (N, T)
    labels: torch.Tensor  # (N, T)


def sft_batch(tok, examples: Sequence[Example]) -> SFTBatch:
    """``prompt + completion + [eos]`` per example, labels on the completion and EOS only (the
    SFT trainer's own encoding, :func:`reasonlab.models.encoding.encode`)."""
    if not examples:
        raise ConfigError("the landscape needs at least one example; raise --limit or give a non-empty split")
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    b = collate([encode(tok, e) for e in examples], pad)
    return SFTBatch(b["input_ids"], b["attention_mask"], b["labels"])


@torch.no_grad()
def sft_loss(model, batch: SFTBatch, params: Direction | None = None) -> float:
    """Mean NLL of the labelled tokens, with the model's weights replaced by ``params``."""
    device = next(model.parameters()).device
    kwargs = {"input_ids": batch.input_ids.to(device), "attention_mask": batch.attention_mask.to(device)}
    with eval_mode(model):
        out = functional_call(model, params, args=(), kwargs=kwargs) if params else model(**kwargs)
    logp = torch.log_softmax(out.logits[:, :-1].float(), dim=-1)  # (N, T-1, V)
    target = batch.labels[:, 1:].to(device)  # (N, T-1)
    keep = target != IGNORE
    nll = -logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (N, T-1)
    return float((nll * keep).sum() / keep.sum())


def filter_dims(model) -> dict[str, int]:
    """The dimension that indexes output units, for every parameter with 2 or more dimensions."""
    conv = {f"{name}.weight" if name else "weight"
            for name, m in model.named_modules() if isinstance(m, Conv1D)}
    return {name: 1 if name in conv else 0 for name, p in model.named_parameters() if p.dim() >= 2}


def normalize_filters(direction: torch.Tensor, weight: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """``direction`` with each slice along ``dim`` rescaled to the norm of ``weight``'s slice."""
    axes = [a for a in range(weight.dim()) if a != dim]
    w_norm = weight.float().norm(dim=axes, keepdim=True)
    d_norm = direction.norm(dim=axes, keepdim=True)
    return direction * torch.where(d_norm > 0, w_norm / d_norm.clamp_min(1e-30), torch.zeros_like(d_norm))


def random_direction(model, generator: torch.Generator) -> Direction:
    """A Gaussian direction, filter-normalised; zero on 1-D parameters (biases, norm gains)."""
    dims = filter_dims(model)
    out: Direction = {}
    for name, p in model.named_parameters():
        d = torch.randn(p.shape, generator=generator, dtype=torch.float32)
        d = normalize_filters(d, p.detach().cpu(), dims[name]) if name in dims else torch.zeros_like(d)
        out[name] = d.to(device=p.device, dtype=p.dtype)
    return out


def directions(model, seed: int) -> tuple[Direction, Direction]:
    """Two directions from ``torch.Generator().manual_seed(seed)`` (the first drawn first)."""
    gen = torch.Generator().manual_seed(seed)
    return random_direction(model, gen), random_direction(model, gen)


def loss_grid(fn: Callable[[float, float], float], alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """``Z[i, j] = fn(alphas[j], betas[i])``, shape ``(len(betas), len(alphas))``."""
    return np.array([[fn(float(a), float(b)) for a in alphas] for b in betas], dtype=float)


def landscape(model, tok, examples: Sequence[Example], radius: float = 1.0, steps: int = 21,
              seed: int = 0, dirs: tuple[Direction, Direction] | None = None) -> Landscape:
    """The SFT loss of ``examples`` on a ``steps x steps`` grid of ``[-radius, radius]^2`` around
    the model's weights along ``dirs`` (default: :func:`directions` of ``seed``)."""
    if not radius > 0 or steps < 2:
        raise ConfigError(f"radius = {radius!r}, steps = {steps!r}: give radius > 0 and steps >= 2 "
                          "(e.g. --radius 1 --steps 21)")
    d1, d2 = dirs if dirs is not None else directions(model, seed)
    theta = {name: p.detach() for name, p in model.named_parameters()}
    batch = sft_batch(tok, examples)

    def at(a: float, b: float) -> float:
        return sft_loss(model, batch, {n: w + a * d1[n] + b * d2[n] for n, w in theta.items()})

    grid = np.linspace(-radius, radius, steps)
    return Landscape(grid.copy(), grid.copy(), loss_grid(at, grid, grid))


def plot_landscape(ls: Landscape, levels: int | Sequence[float] = 20):
    """Filled contours of the landscape, alpha on x and beta on y, the checkpoint marked."""
    fig, ax = new_figure(5.6, 4.6)
    filled = ax.contourf(ls.alphas, ls.betas, ls.loss, levels=levels, cmap="viridis")
    ax.contour(ls.alphas, ls.betas, ls.loss, levels=levels, colors="k", linewidths=0.4)
    fig.colorbar(filled, ax=ax, label="SFT loss (nats / token)")
    ax.plot([0.0], [0.0], "r*", markersize=10, label="checkpoint")
    ax.set_xlabel("alpha (direction 1)")
    ax.set_ylabel("beta (direction 2)")
    ax.set_title("loss landscape (filter-normalised directions)")
    ax.legend(fontsize="small", loc="upper right")
    return fig


def landscape_csv(ls: Landscape) -> str:
    """One ``alpha,beta,loss`` row per grid point, beta-major (the rows of ``loss``)."""
    lines = ["alpha,beta,loss"]
    lines += [f"{float(a)!r},{float(b)!r},{float(ls.loss[i, j])!r}"
              for i, b in enumerate(ls.betas) for j, a in enumerate(ls.alphas)]
    return "\n".join(lines) + "\n"


def write_landscape(ls: Landscape, out: str | Path) -> list[Path]:
    """``landscape.csv`` and ``landscape.png/.svg`` in ``out``."""
    out = Path(out)
    text, fig = landscape_csv(ls), plot_landscape(ls)
    return [atomic_write_text(out / "landscape.csv", text), *save_figure(fig, out / "landscape")]
