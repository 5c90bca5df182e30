"""``reasonlab probe``: every command on a boolean-world model folder writes its figure and CSV
(the same bytes twice), and bad input is one message that writes nothing."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from reasonlab.cli import main
from reasonlab.models.factory import ModelConfig, build_model
from reasonlab.models.tokenizer import char_tokenizer


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    assert main(["generate", "configs/boolean_world.yaml", "-o", str(root / "bw"), 'omit=""',
                 "sizes={train: 20, dev: 10, test: 40}"]) == 0
    tok = char_tokenizer(list("0123456789, -\n"))
    torch.manual_seed(0)
    model = build_model(ModelConfig(n_embd=16, n_layer=2, n_head=2, n_positions=64), tok)
    model.save_pretrained(root / "model")
    tok.save_pretrained(root / "model")
    return root


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def run(lab, *args) -> int:
    return main(["probe", *args])


def test_attention_and_lens_write_figures_and_tables(lab, tmp_path, capsys):
    model, data = str(lab / "model"), str(lab / "bw" / "test")
    for name in ("a", "b"):
        assert run(lab, "attention", model, "--data", data, "--max-new-tokens", "4",
                   "--out", str(tmp_path / name)) == 0
    rows = _rows(tmp_path / "a" / "attention.csv")
    T = 1 + 9 + 4  # bos + "1,0,1,1,0" + 4 generated
    assert len(rows) == 2 * 2 * T * (T + 1) // 2
    for q in range(T):  # every query's weights sum to one
        total = sum(float(r["weight"]) for r in rows
                    if r["layer"] == "1" and r["head"] == "0" and int(r["query"]) == q)
        assert total == pytest.approx(1.0, abs=1e-4)
    for n in ("attention.csv", "attention.png", "attention.svg"):
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()
    assert run(lab, "lens", model, "--input", "1,0,1,0,1", "--max-new-tokens", "3",
               "--out", str(tmp_path / "l")) == 0
    lens = _rows(tmp_path / "l" / "lens.csv")
    assert {r["layer"] for r in lens} == {"embed", "block 0", "block 1"} and len(lens) == 3 * 3
    assert all(0 <= float(r["p"]) <= 1 for r in lens) and (tmp_path / "l" / "lens.svg").is_file()
    assert "p >= 0.5 first at" in capsys.readouterr().out


def test_ablate_patch_and_edit(lab, tmp_path, capsys):
    model, data = str(lab / "model"), str(lab / "bw" / "test")
    assert run(lab, "ablate", model, "--data", data, "--limit", "8", "--out", str(tmp_path / "ab")) == 0
    effects = _rows(tmp_path / "ab" / "ablate.csv")
    assert [(r["layer"], r["head"]) for r in effects] == [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")]
    assert run(lab, "ablate", model, "--data", data, "--limit", "8", "--mode", "mean",
               "--out", str(tmp_path / "mean")) == 0
    assert run(lab, "patch", model, "--data", data, "--limit", "40", "--layer", "1",
               "--max-new-tokens", "4", "--out", str(tmp_path / "p")) == 0
    cells = _rows(tmp_path / "p" / "patch.csv")
    n = int(capsys.readouterr().out.split(" distinct inputs")[0].rsplit("\n", 1)[-1])
    assert len(cells) == n * n
    assert all(float(c["moved"]) == 1.0 for c in cells if c["input_a"] == c["input_b"])
    assert run(lab, "edit", model, "--input", "1,0,1,0,1", "--target", "transformer.wte.weight",
               "--op", "zero", "--max-new-tokens", "4", "--out", str(tmp_path / "e")) == 0
    record = json.loads((tmp_path / "e" / "edit.json").read_text())
    assert record["edit"]["op"] == "zero" and set(record) >= {"original", "edited", "changed"}


@pytest.mark.parametrize("args, message", [
    (["attention", "{model}"], "exactly one of --input"),
    (["attention", "{model}", "--input", "1,0", "--data", "{data}"], "exactly one of --input"),
    (["lens", "{model}", "--input", "x?"], "not in the model's vocabulary"),
    (["attention", "{model}", "--data", "{data}", "--index", "999"], "--index 999"),
    (["ablate", "{model}", "--data", "{data}", "--mode", "half"], "--mode 'half'"),
    (["patch", "{model}", "--data", "{data}", "--layer", "7"], "layer = 7"),
    (["edit", "{model}", "--input", "1", "--target", "nope.weight"], "not a parameter"),
    (["edit", "{model}", "--input", "1", "--target", "lm_head.weight", "--op", "melt"], "choose from flip"),
    (["attention", "{tmp}"], "neither a run folder"),
])
def test_bad_input_is_one_message_and_writes_nothing(lab, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    filled = [a.format(model=lab / "model", data=lab / "bw" / "test", tmp=tmp_path) for a in args]
    assert run(lab, *filled, "--out", str(out)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
