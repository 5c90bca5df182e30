"""Tokenizers, prompt encoding and the model factory."""

from __future__ import annotations

import pytest
import torch

from reasonlab.config import ConfigError
from reasonlab.models import ModelConfig, build_model, char_tokenizer, context_length, count_parameters
from reasonlab.models.encoding import left_pad, prompt_ids
from reasonlab.models.factory import estimated_parameters
from reasonlab.tasks import Example


@pytest.fixture(scope="module")
def tok():
    return char_tokenizer("01,\n -")


def _ex(prompt: str) -> Example:
    return Example(id="x", task="t", split="dev", prompt=prompt, answer="", completion="")


def test_char_tokenizer_round_trips_and_maps_unknowns(tok):
    ids = tok("1,0\n0", add_special_tokens=False)["input_ids"]
    assert len(ids) == 5 and tok.decode(ids) == "1,0\n0"
    assert tok("x", add_special_tokens=False)["input_ids"] == [tok.unk_token_id]
    with pytest.raises(ValueError, match="one character"):
        char_tokenizer(["ab"])


def test_prompt_ids_and_left_padding(tok):
    assert prompt_ids(tok, _ex("10"))[0] == tok.bos_token_id and len(prompt_ids(tok, _ex("10"))) == 3
    ids, mask = left_pad(tok, [_ex("1"), _ex("101")])
    assert ids.shape == (2, 4) and mask.tolist() == [[0, 0, 1, 1], [1, 1, 1, 1]]
    assert ids[0, :2].tolist() == [tok.pad_token_id] * 2 and ids[0, -1] == ids[1, -1]


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_factory_builds_the_sizes_asked_for(tok, arch):
    cfg = ModelConfig(arch=arch, n_embd=32, n_layer=2, n_head=4, n_positions=48)
    model = build_model(cfg, tok)
    assert context_length(model) == 48 and model.loss_type == "ForCausalLM"
    total, emb = count_parameters(model)
    assert emb == len(tok) * 32
    if arch == "gpt2":  # 12 d^2 per block plus embeddings, up to biases and norms
        assert 0.9 < total / estimated_parameters(cfg, len(tok)) < 1.2
    out = model(input_ids=torch.tensor([[1, 2, 3]]))
    assert out.logits.shape == (1, 3, len(tok))


def test_factory_errors(tok):
    with pytest.raises(ConfigError, match="divisible"):
        build_model(ModelConfig(n_embd=30, n_head=4), tok)
