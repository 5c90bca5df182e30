"""SFT on the boolean world: completion-only labels, learning happens (well above chance),
resume after a kill ends with the same weights, and the run directory holds what docs/README.md lists."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from reasonlab.config import ConfigError, validate
from reasonlab.models.encoding import IGNORE, encode
from reasonlab.tasks import get_task
from reasonlab.tasks.boolean_world import BooleanWorldConfig
from reasonlab.train.callbacks import Callback
from reasonlab.train.sft import SFTConfig, train_sft

TASK = {"task": "boolean_world", "seed": 42, "omit": "1,0,1,0,1",
        "sizes": {"train": 4000, "dev": 400, "test": 40}}


def _cfg(tmp_path, **kw) -> SFTConfig:
    base = {"name": "t", "run_dir": str(tmp_path), "seed": 0, "data": {"task": TASK},
            "model": {"n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 64},
            "batch_size": 16, "max_steps": 40, "eval_every": 20, "save_every": 20,
            "optim": {"lr": 1e-3, "warmup_steps": 5}, "threads": 1}
    return validate(SFTConfig, base | kw)


def test_labels_cover_the_completion_only():
    from reasonlab.models import alphabet, char_tokenizer

    config = BooleanWorldConfig(sizes={"train": 1, "dev": 0, "test": 0})
    e = next(get_task("boolean_world").iter_split(config, "train"))
    tok = char_tokenizer(alphabet([e.prompt, e.completion]))
    enc = encode(tok, e)
    n_prompt = 1 + len(e.prompt)
    assert enc.labels[:n_prompt] == [IGNORE] * n_prompt
    assert enc.labels[n_prompt:] == enc.ids[n_prompt:]
    assert tok.decode(enc.ids[n_prompt:-1]) == e.completion and enc.ids[-1] == tok.eos_token_id


def test_learning_happens(tmp_path):
    """A scaled-down configs/boolean_sft.yaml: far above chance (exact match of 4 bits and 2 sums
    by chance is about 1/16 * 1/25) on the 31 dev inputs after 200 steps."""
    cfg = _cfg(tmp_path, max_steps=200, eval_every=200, save_every=200, threads=None,
               model={"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 64},
               optim={"lr": 5e-4, "warmup_steps": 50})
    root = train_sft(cfg, progress=False)
    last = [json.loads(x) for x in (root / "metrics.jsonl").read_text().splitlines()][-1]
    assert last["step"] == 200 and last["eval/dev/exact"] >= 0.5, last
    assert last["train/loss"] < 0.3


def test_resume_after_a_kill_gives_the_same_weights(tmp_path):
    straight = train_sft(_cfg(tmp_path, name="straight"), progress=False)

    class Kill(Callback):  # dies right after step 27's metrics row is written
        def on_step(self, info, control):
            if info.step == 27:
                raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        train_sft(_cfg(tmp_path, name="resumed"), progress=False, callbacks=[Kill()])
    resumed = train_sft(_cfg(tmp_path, name="resumed"), resume=True, progress=False)
    a = AutoModelForCausalLM.from_pretrained(straight / "final").state_dict()
    b = AutoModelForCausalLM.from_pretrained(resumed / "final").state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    rows = [json.loads(x)["step"] for x in (resumed / "metrics.jsonl").read_text().splitlines()]
    assert rows == list(range(1, 41))  # steps 21-27 of the killed run were dropped, then redone


def test_run_directory_contents(tmp_path):
    root = train_sft(_cfg(tmp_path, max_steps=30, save_every=10, max_checkpoints=2), progress=False)
    assert (root / "config.yaml").is_file() and (root / "logs" / "train.log").is_file()
    assert list((root / "tb").glob("events.out.tfevents.*"))
    assert [p.name for p in sorted((root / "checkpoints").iterdir())] == ["step-20", "step-30"]
    model = AutoModelForCausalLM.from_pretrained(root / "final")
    tok = AutoTokenizer.from_pretrained(root / "final")
    assert model.get_input_embeddings().weight.shape[0] == len(tok) < 40  # char vocabulary
    assert (root / "final" / "model.safetensors").is_file()


def test_bad_sft_config(tmp_path):
    with pytest.raises(ConfigError, match="data"):
        validate(SFTConfig, {"data": {}})
    with pytest.raises(ConfigError, match="n_positions"):
        train_sft(_cfg(tmp_path, model={"n_positions": 16}), progress=False)


def test_prompts_use_the_chat_template_when_the_tokenizer_has_one():
    from reasonlab.models import alphabet, char_tokenizer
    from reasonlab.models.encoding import prompt_ids

    config = BooleanWorldConfig(sizes={"train": 1, "dev": 0, "test": 0})
    e = next(get_task("boolean_world").iter_split(config, "train"))
    tok = char_tokenizer(alphabet([e.prompt, e.completion, "<|user|>:"]))
    assert prompt_ids(tok, e) == [tok.bos_token_id, *tok(e.prompt, add_special_tokens=False)["input_ids"]]
    tok.chat_template = ("{% for m in messages %}<|{{ m.role }}|>:{{ m.content }}{% endfor %}"
                         "{% if add_generation_prompt %}:{% endif %}")
    assert tok.decode(prompt_ids(tok, e)) == f"<|user|>:{e.prompt}:"
