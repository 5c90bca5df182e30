"""Loss landscape: the origin is the model's loss, filter normalisation, orientation, no mutation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reasonlab.analysis.landscape import (
    Landscape,
    directions,
    filter_dims,
    landscape,
    landscape_csv,
    loss_grid,
    normalize_filters,
    plot_landscape,
    random_direction,
    sft_batch,
    sft_loss,
    write_landscape,
)
from reasonlab.config import ConfigError
from reasonlab.models import ModelConfig, build_model, char_tokenizer
from reasonlab.tasks import Example

EXAMPLES = [Example(id=f"e{i}", task="boolean_world", split="dev", prompt=p, answer=c, completion=c)
            for i, (p, c) in enumerate([("0,1,1", "\n1,0\n1\n"), ("1,1,0,1", "\n0,0\n2\n")])]
TOK = char_tokenizer("01,\n")


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/unit/analysis/conftest.py


def _model(arch: str = "gpt2"):
    torch.manual_seed(0)
    return build_model(ModelConfig(arch=arch, n_embd=16, n_layer=1, n_head=2, n_positions=32), TOK)


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_origin_is_the_models_own_loss_and_the_model_is_untouched(arch):
    model = _model(arch)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ls = landscape(model, TOK, EXAMPLES, radius=0.5, steps=3, seed=0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    batch = sft_batch(TOK, EXAMPLES)
    with torch.no_grad():
        own = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels).loss
    assert ls.loss.shape == (3, 3) and ls.loss[1, 1] == pytest.approx(float(own), abs=1e-5)
    assert ls.alphas.tolist() == ls.betas.tolist() == [-0.5, 0.0, 0.5]
    assert not np.allclose(ls.loss, ls.loss[1, 1])  # the directions do move the loss
    # labels: completion + EOS only ("\n1,0\n1\n" is 7 characters after bos + "0,1,1")
    assert int((batch.labels[0] != -100).sum()) == 8 and (batch.labels[0, :6] == -100).all()
    assert batch.labels[0, 6:14].tolist() == batch.input_ids[0, 6:14].tolist()


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_each_filter_of_a_direction_has_its_weight_filters_norm(arch):
    model = _model(arch)
    d1, d2 = directions(model, seed=3)
    dims = filter_dims(model)
    params = dict(model.named_parameters())
    assert set(d1) == set(params)
    for name, p in params.items():
        if p.dim() < 2:
            assert not d1[name].any() and not d2[name].any(), name  # biases and norm gains ignored
            continue
        other = [a for a in range(p.dim()) if a != dims[name]]
        for d in (d1, d2):
            torch.testing.assert_close(d[name].norm(dim=other), p.detach().norm(dim=other), rtol=1e-5, atol=0)
    if arch == "gpt2":  # Conv1D stores (in, out): a filter is a column
        assert dims["transformer.h.0.attn.c_attn.weight"] == 1 and dims["transformer.wte.weight"] == 0
    again = directions(model, seed=3)
    assert all(torch.equal(d1[k], again[0][k]) and torch.equal(d2[k], again[1][k]) for k in d1)
    assert not torch.equal(d1["transformer.wte.weight" if arch == "gpt2" else "model.embed_tokens.weight"],
                           directions(model, seed=4)[0]["transformer.wte.weight" if arch == "gpt2"
                                                           else "model.embed_tokens.weight"])


def test_normalize_filters_by_hand():
    w = torch.tensor([[3.0, 4.0], [0.0, 2.0]])  # row norms 5 and 2, column norms 3 and sqrt(20)
    d = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
    assert normalize_filters(d, w, 0).tolist() == [[5.0, 0.0], [0.0, -2.0]]
    assert normalize_filters(d, w, 1).flatten().tolist() == pytest.approx([3.0, 0.0, 0.0, -(20 ** 0.5)])
    gen = torch.Generator().manual_seed(0)
    assert random_direction(_model(), gen)["transformer.ln_f.bias"].abs().sum() == 0


def test_grid_orientation_with_an_asymmetric_quadratic():
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3)
    z = loss_grid(lambda a, b: a**2 + 10 * b**2 + a, alphas, betas)
    assert z.shape == (3, 5)
    assert z[0, 4] == pytest.approx(1 + 2.5 + 1) and z[2, 0] == pytest.approx(1 + 2.5 - 1)
    assert z[1].tolist() == pytest.approx([a**2 + a for a in alphas])
    # contour(alphas, betas, Z): a level set of a^2 + 10 b^2 is wide along x (alpha), flat along y
    grid = np.linspace(-1, 1, 41)
    fig = plot_landscape(Landscape(grid, grid, loss_grid(lambda a, b: a**2 + 10 * b**2, grid, grid)),
                         levels=[0.25, 0.5, 1.0])
    lines = fig.axes[0].collections[1]  # the contour lines drawn over the filled contours
    xy = np.concatenate(lines.allsegs[1])  # the 0.5 level: |alpha| <= 0.71, |beta| <= 0.22
    assert np.ptp(xy[:, 0]) == pytest.approx(2 * 0.5**0.5, abs=0.05)
    assert np.ptp(xy[:, 1]) == pytest.approx(2 * 0.05**0.5, abs=0.05)


def test_model_landscape_puts_alpha_on_columns():
    model = _model()
    d1, _ = directions(model, seed=0)
    zero = {k: torch.zeros_like(v) for k, v in d1.items()}
    ls = landscape(model, TOK, EXAMPLES, radius=1.0, steps=5, dirs=(d1, zero))
    assert np.allclose(ls.loss, ls.loss[0:1, :], atol=1e-6)  # beta moves nothing: rows are equal
    assert np.ptp(ls.loss[0]) > 1e-3  # alpha moves the loss along each row
    flipped = landscape(model, TOK, EXAMPLES, radius=1.0, steps=5, dirs=(zero, d1))
    np.testing.assert_allclose(flipped.loss, ls.loss.T, atol=1e-6)
    batch = sft_batch(TOK, EXAMPLES)
    shifted = {n: p.detach() + d1[n] for n, p in model.named_parameters()}
    assert ls.loss[2, 4] == pytest.approx(sft_loss(model, batch, shifted), abs=1e-6)


def test_files_are_deterministic_and_bad_input_is_refused(tmp_path):
    a = landscape(_model(), TOK, EXAMPLES, radius=0.2, steps=3, seed=1)
    b = landscape(_model(), TOK, EXAMPLES, radius=0.2, steps=3, seed=1)
    assert landscape_csv(a) == landscape_csv(b)
    lines = landscape_csv(a).splitlines()
    assert lines[0] == "alpha,beta,loss" and lines[2].startswith("0.0,-0.2,") and len(lines) == 10
    assert lines[2] == f"0.0,-0.2,{float(a.loss[0, 1])!r}"
    for folder in ("x", "y"):
        write_landscape(a, tmp_path / folder)
    names = sorted(p.name for p in (tmp_path / "x").iterdir())
    assert names == ["landscape.csv", "landscape.png", "landscape.svg"]
    assert all((tmp_path / "x" / n).read_bytes() == (tmp_path / "y" / n).read_bytes() for n in names)
    with pytest.raises(ConfigError, match="radius = 0"):
        landscape(_model(), TOK, EXAMPLES, radius=0)
    with pytest.raises(ConfigError, match="at least one example"):
        sft_batch(TOK, [])
