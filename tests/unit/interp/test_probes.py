"""Every probe of reasonlab.interp against a direct computation on tiny random models (GPT-2 and
Llama): the lens at the last block is the model's own output, attention patterns are the
softmax of q.k by hand, ablating a head or neuron equals zeroing its weights by hand (mean
ablation: moving the mean into the bias), patching every position from B makes A's logits B's,
the patch matrix agrees with a cache-free decoding loop, and a weight edit equals decoding
with a hand-edited copy of the model while leaving the model itself untouched."""

from __future__ import annotations

import copy

import pytest
import torch

from reasonlab.config import ConfigError
from reasonlab.interp import (
    WeightEdit,
    ablate,
    ablation_effects,
    anatomy,
    attention,
    edited_generate,
    logit_lens,
    mean_activations,
    patch_matrix,
    patched_logits,
    record,
)
from reasonlab.interp.activations import next_token_logprobs
from reasonlab.models.encoding import left_pad
from reasonlab.models.factory import ModelConfig, build_model
from reasonlab.models.tokenizer import char_tokenizer
from reasonlab.tasks import task_config

ARCHS = ["gpt2", "llama"]


@pytest.fixture(scope="module")
def tok():
    return char_tokenizer("01,|ABCDE=&TFabc ")


def tiny(tok, arch: str, seed: int = 0):
    torch.manual_seed(seed)
    m = build_model(ModelConfig(arch=arch, n_embd=16, n_layer=2, n_head=2, n_positions=64), tok)
    return m.eval()


def ids_of(tok, texts):
    return torch.tensor([[tok.bos_token_id, *tok(t, add_special_tokens=False)["input_ids"]] for t in texts])


@pytest.fixture(scope="module")
def world():
    sizes = {"train": 8, "dev": 8, "test": 40}
    task, cfg = task_config({"task": "boolean_world", "seed": 42, "sizes": sizes})
    distinct = {}
    for i in range(40):
        e = task.generate(cfg, "test", i)
        distinct.setdefault(e.text(), e)
    return list(distinct.values())[:6]


@pytest.mark.parametrize("arch", ARCHS)
def test_lens_at_the_last_block_is_the_model_output(tok, arch):
    m = tiny(tok, arch)
    ids = ids_of(tok, ["01,10|A", "11,00|B"])
    acts = record(m, ids)
    a = anatomy(m)
    assert acts.residual.shape == (3, 2, ids.shape[1], 16)
    assert acts.heads.shape == (2, 2, ids.shape[1], 2, 8) and acts.neurons.shape[-1] == a.n_neurons
    lens = logit_lens(m, ids)
    want = torch.log_softmax(m(input_ids=ids).logits, -1)
    torch.testing.assert_close(lens[-1], want, rtol=0, atol=1e-5)
    # earlier layers differ (they are read through the final norm once, not twice)
    assert not torch.allclose(lens[1], want, atol=1e-3)
    nxt = next_token_logprobs(lens, ids)
    assert nxt.shape == (3, 2, ids.shape[1] - 1)
    torch.testing.assert_close(nxt[-1, 0, 0], want[0, 0, ids[0, 1]])


def test_attention_is_the_softmax_of_q_dot_k(tok):
    m = tiny(tok, "gpt2")
    ids = ids_of(tok, ["01,10|A"])
    att = attention(m, ids)  # (L, B, H, T, T)
    T = ids.shape[1]
    assert att.shape == (2, 1, 2, T, T)
    torch.testing.assert_close(att.sum(-1), torch.ones(2, 1, 2, T))
    assert float(att[..., torch.triu(torch.ones(T, T, dtype=torch.bool), 1)].abs().max()) == 0.0
    x = m.transformer.wte(ids) + m.transformer.wpe(torch.arange(T))[None]
    q, k, _ = m.transformer.h[0].attn.c_attn(m.transformer.h[0].ln_1(x)).split(16, dim=-1)
    q, k = q.view(1, T, 2, 8).transpose(1, 2), k.view(1, T, 2, 8).transpose(1, 2)
    scores = (q @ k.transpose(-1, -2)) / 8**0.5
    scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    torch.testing.assert_close(att[0], torch.softmax(scores, -1), rtol=0, atol=1e-6)
    assert m.config._attn_implementation == "sdpa"  # restored


def _out_rows(m, arch, layer):
    """The weight of a block's attention output projection as (in, out)."""
    return (m.transformer.h[layer].attn.c_proj.weight if arch == "gpt2"
            else m.model.layers[layer].self_attn.o_proj.weight.T)


@pytest.mark.parametrize("arch", ARCHS)
def test_zero_head_ablation_equals_zeroing_its_weights(tok, arch):
    m = tiny(tok, arch)
    ids = ids_of(tok, ["01,10|A", "11,00|B"])
    with ablate(m, heads=[(1, 0)]):
        got = m(input_ids=ids).logits
    intact = m(input_ids=ids).logits
    hand = copy.deepcopy(m)
    with torch.no_grad():
        _out_rows(hand, arch, 1)[0:8] = 0.0
    torch.testing.assert_close(got, hand(input_ids=ids).logits, rtol=0, atol=1e-6)
    assert not torch.allclose(got, intact, atol=1e-4)
    torch.testing.assert_close(m(input_ids=ids).logits, intact)  # the hook is gone


def test_mean_head_ablation_moves_the_mean_into_the_bias(tok):
    m = tiny(tok, "gpt2")
    ids = ids_of(tok, ["01,10|A", "11,00|B", "10,01|C"])
    means = mean_activations(m, ids)
    acts = record(m, ids)
    torch.testing.assert_close(means.heads[1, 1], acts.heads[1, :, :, 1].mean((0, 1)))
    with ablate(m, heads=[(1, 1)], mode="mean", means=means):
        got = m(input_ids=ids).logits
    hand = copy.deepcopy(m)
    proj = hand.transformer.h[1].attn.c_proj
    with torch.no_grad():
        proj.bias += means.heads[1, 1] @ proj.weight[8:16]
        proj.weight[8:16] = 0.0
    torch.testing.assert_close(got, hand(input_ids=ids).logits, rtol=0, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_neuron_ablation_equals_zeroing_its_weights(tok, arch):
    m = tiny(tok, arch)
    ids = ids_of(tok, ["01,10|A"])
    with ablate(m, neurons=[(0, 3), (0, 7), (1, 5)]):
        got = m(input_ids=ids).logits
    hand = copy.deepcopy(m)
    with torch.no_grad():
        for layer, n in [(0, 3), (0, 7), (1, 5)]:
            if arch == "gpt2":
                hand.transformer.h[layer].mlp.c_proj.weight[n] = 0.0
            else:
                hand.model.layers[layer].mlp.down_proj.weight[:, n] = 0.0
    torch.testing.assert_close(got, hand(input_ids=ids).logits, rtol=0, atol=1e-6)


@pytest.mark.parametrize("arch", ARCHS)
def test_patching_every_position_makes_a_into_b(tok, arch):
    m = tiny(tok, arch)
    a, b = ids_of(tok, ["01,10|A"]), ids_of(tok, ["11,00|B"])
    with torch.no_grad():
        want_b, want_a = m(input_ids=b).logits, m(input_ids=a).logits
    for layer in (0, 1):
        torch.testing.assert_close(patched_logits(m, a, b, layer), want_b, rtol=0, atol=1e-5)
    torch.testing.assert_close(patched_logits(m, a, b, 1, positions=[]), want_a, rtol=0, atol=1e-6)
    last = patched_logits(m, a, b, 1, positions=[a.shape[1] - 1])
    torch.testing.assert_close(last[0, -1], want_b[0, -1], rtol=0, atol=1e-5)
    torch.testing.assert_close(last[0, :-1], want_a[0, :-1], rtol=0, atol=1e-6)
    with pytest.raises(ConfigError, match="one length"):
        patched_logits(m, a, ids_of(tok, ["1"]), 0)
    with pytest.raises(ConfigError, match=r"layers 0\.\.1"):
        patched_logits(m, a, b, 2)


def _no_cache_patched(m, tok, ids, source, layer, steps):
    """Greedy decoding with no KV cache, every prompt position of block ``layer`` from B."""
    width = ids.shape[1]
    block = anatomy(m).blocks[layer]

    def hook(module, args, out):
        x = (out[0] if isinstance(out, tuple) else out).clone()
        x[:, :width] = source[:, :width]
        return (x, *out[1:]) if isinstance(out, tuple) else x

    h = block.register_forward_hook(hook)
    try:
        for _ in range(steps):
            nxt = m(input_ids=ids, use_cache=False).logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, nxt], 1)
    finally:
        h.remove()
    return tok.batch_decode(ids[:, width:], skip_special_tokens=True)


def test_the_patch_matrix_agrees_with_a_cache_free_loop(tok, world):
    wtok = char_tokenizer(sorted({c for e in world for c in e.text() + e.completion}))
    m = tiny(wtok, "gpt2", seed=3)
    assert len({e.text() for e in world}) == len(world)
    steps = 6
    M, clean = patch_matrix(m, wtok, world, layer=0, max_new_tokens=steps)
    assert len(set(clean)) > 1  # the random model writes different things for different inputs
    assert M.shape == (6, 6) and torch.equal(M.diagonal(), torch.ones(6))
    ids, _ = left_pad(wtok, world)
    source = record(m, ids).residual[1]
    for b in (0, 4):
        texts = _no_cache_patched(m, wtok, ids, source[b : b + 1], 0, steps)
        for i, t in enumerate(texts):
            n = max(len(t), len(clean[b]), len(clean[i]))
            differ = [j for j in range(n) if clean[i][j:j + 1] != clean[b][j:j + 1]]
            want = 1.0 if not differ else sum(t[j:j + 1] == clean[b][j:j + 1] for j in differ) / len(differ)
            assert float(M[i, b]) == pytest.approx(want)


def test_moved_counts_only_the_characters_that_differ():
    from reasonlab.interp.patching import moved

    assert moved("0,1", "0,0", "1,1") == 0.5  # one of the two differing places moved
    assert moved("1,1", "0,0", "1,1") == 1.0 and moved("0,0", "0,0", "1,1") == 0.0
    assert moved("x", "0,0", "0,0") == 1.0  # nothing to move
    assert moved("0,0\n", "0,0", "0,0\n") == 1.0  # a longer source counts its extra characters


def test_ablation_effects_match_a_hand_ablated_model(tok, world):
    wtok = char_tokenizer(sorted({c for e in world for c in e.text() + e.completion}))
    m = tiny(wtok, "gpt2", seed=1)
    base, effects = ablation_effects(m, wtok, world, max_new_tokens=12)
    assert [(e.layer, e.head) for e in effects] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    hand = copy.deepcopy(m)
    with torch.no_grad():
        hand.transformer.h[0].attn.c_proj.weight[8:16] = 0.0
    from reasonlab.eval.generation import generate, score
    texts = [t[0] for t in generate(hand, wtok, world, 12)]
    rewards = [g.score.reward for g in score(world, texts)]
    assert effects[1].reward == pytest.approx(sum(rewards) / len(rewards))
    assert effects[1].reward_change == pytest.approx(effects[1].reward - base[1])


@pytest.mark.parametrize("arch", ARCHS)
def test_a_weight_edit_equals_decoding_with_a_hand_edited_copy(tok, arch):
    m = tiny(tok, arch, seed=2)
    name = "transformer.h.0.mlp.c_fc.weight" if arch == "gpt2" else "model.layers.0.mlp.up_proj.weight"
    before = {k: v.clone() for k, v in m.state_dict().items()}
    prompt = ids_of(tok, ["01,10|A"])[0].tolist()
    original, edited = edited_generate(m, tok, prompt, [WeightEdit(f"{name}[:, 0:8]", "flip")], 10)
    hand = copy.deepcopy(m)
    with torch.no_grad():
        hand.get_parameter(name)[:, 0:8] *= -1
    _, same = edited_generate(hand, tok, prompt, [], 10)
    assert edited == same
    unchanged, _ = edited_generate(m, tok, prompt, [], 10)
    assert original == unchanged
    for k, v in m.state_dict().items():
        assert torch.equal(v, before[k]), k  # never mutated
    # an edit from step 3 on: the first three tokens are the original's
    _, late = edited_generate(m, tok, prompt, [WeightEdit(name, "scale", 0.0, from_step=3)], 10)
    assert late[:3] == original[:3]
    _, neutral = edited_generate(m, tok, prompt, [WeightEdit(name, "scale", 1.0)], 10)
    assert neutral == original


def test_bad_probe_arguments_are_refused(tok):
    m = tiny(tok, "gpt2")
    with pytest.raises(ConfigError, match=r"heads 0\.\.1"), ablate(m, heads=[(0, 5)]):
        pass
    with pytest.raises(ConfigError, match="choose from zero, mean"), ablate(m, heads=[(0, 0)], mode="half"):
        pass
    with pytest.raises(ConfigError, match="reference batch"), ablate(m, heads=[(0, 0)], mode="mean"):
        pass
    with pytest.raises(ConfigError, match=r"neurons 0\.\.63"), ablate(m, neurons=[(0, 64)]):
        pass
    with pytest.raises(ConfigError, match="not a parameter"):
        edited_generate(m, tok, [1, 2], [WeightEdit("transformer.h.9.mlp.c_fc.weight")], 2)
    with pytest.raises(ConfigError, match="choose from flip"):
        edited_generate(m, tok, [1, 2], [WeightEdit("lm_head.weight", "melt")], 2)
    with pytest.raises(ConfigError, match="bad slice"):
        edited_generate(m, tok, [1, 2], [WeightEdit("lm_head.weight[0:2, 0:2, 5]")], 2)
    m.config.model_type = "mamba"
    with pytest.raises(ConfigError, match="probes know gpt2, llama"):
        record(m, torch.tensor([[1, 2]]))
