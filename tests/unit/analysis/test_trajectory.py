"""Trajectory probes: answer loss along a trace, fraction grid, reflections, pruning, files, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from reasonlab.analysis.trajectory import (
    AnswerFormat,
    LossCurve,
    PruneCurve,
    Reflection,
    answer_format,
    ema,
    find_reflections,
    greedy,
    kept_tokens,
    loss_curves,
    mean_curves,
    prune_curve,
    trajectories,
    unit_ends,
)
from reasonlab.analysis.trajectory_plots import curves_csv, write_loss, write_prune
from reasonlab.cli.trajectory import app
from reasonlab.config import ConfigError
from reasonlab.models import ModelConfig, build_model, char_tokenizer
from reasonlab.tasks import Example, get_task
from reasonlab.tasks.causal_qa.key import CausalQAKey

KEY = CausalQAKey(format="comparison", reward=CausalQAKey.MODES[0])
CUE = "\n\nANSWER\n"
LEAD = "THOUGHT PROCESS\n"


def _ex(i: int, prompt: str, trace: str, answer: str) -> Example:
    return Example(id=f"e{i}", task="causal_qa", split="dev", prompt=prompt, answer=answer,
                   completion=f"{LEAD}{trace}{CUE}{answer}", answer_key=KEY)


EXAMPLES = [_ex(0, "Is A>B? (a)", "wait. A is 1.\nso yes.", "yes"),
            _ex(1, "Is B>A? (bb)", "B is 0.\nhmm, so no.", "no")]
TOK = char_tokenizer(sorted({c for e in EXAMPLES for c in e.text() + e.completion} | set("xyz")))


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/unit/analysis/conftest.py


def _model(arch: str = "gpt2"):
    torch.manual_seed(0)
    return build_model(ModelConfig(arch=arch, n_embd=32, n_layer=2, n_head=2, n_positions=128), TOK).eval()


@pytest.fixture(scope="module")
def trained(one_thread):
    """A tiny GPT-2 that has memorised both examples (about 2 s)."""
    model = _model()
    seqs = [[TOK.bos_token_id, *TOK(e.text() + e.completion)["input_ids"], TOK.eos_token_id]
            for e in EXAMPLES]
    width = max(map(len, seqs))
    ids = torch.tensor([s + [TOK.pad_token_id] * (width - len(s)) for s in seqs])
    labels = torch.where(ids == TOK.pad_token_id, -100, ids)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(150):
        opt.zero_grad()
        model(input_ids=ids, attention_mask=(labels != -100).long(), labels=labels).loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def _direct(model, ex: Example, trace_prefix: str) -> tuple[float, float]:
    """(mean, sum) NLL of the answer, one example, no padding, straight from the logits."""
    text = ex.prompt + LEAD + trace_prefix + CUE
    head = [TOK.bos_token_id, *TOK(text, add_special_tokens=False)["input_ids"]]
    ans = TOK(ex.answer, add_special_tokens=False)["input_ids"]
    logp = torch.log_softmax(model(torch.tensor([head + ans])).logits[0], dim=-1)  # (T, V)
    total = -sum(float(logp[len(head) + j - 1, a]) for j, a in enumerate(ans))
    return total / len(ans), total


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_batched_token_prefix_losses_equal_one_at_a_time(arch):
    model = _model(arch)
    curves = loss_curves(model, TOK, trajectories(EXAMPLES), "token", "m", batch_size=3)
    for ex, curve in zip(EXAMPLES, curves, strict=True):
        trace = ex.completion[len(LEAD) : -len(CUE + ex.answer)]
        assert curve.units == tuple(range(len(trace) + 1)) and curve.n_units == len(trace)
        assert curve.answer_tokens == len(ex.answer)
        for k, loss, total in zip(curve.units, curve.losses, curve.sums, strict=True):
            mean, direct = _direct(model, ex, trace[:k])
            assert loss == pytest.approx(mean, abs=1e-5) and total == pytest.approx(direct, abs=1e-5)


def test_line_units_and_max_points():
    model = _model()
    (curve,) = loss_curves(model, TOK, trajectories(EXAMPLES[:1]), "line", batch_size=2)
    prefixes = ["", "wait. A is 1.\n", "wait. A is 1.\nso yes."]  # by hand
    assert curve.units == (0, 1, 2) and curve.n_units == 2
    direct = [_direct(model, EXAMPLES[0], p)[0] for p in prefixes]
    assert list(curve.losses) == pytest.approx(direct, abs=1e-5)
    (sub,) = loss_curves(model, TOK, trajectories(EXAMPLES[1:]), "token", max_points=4)
    assert sub.n_units == 19 and sub.units == (0, 6, 13, 19)  # round(linspace(0, 19, 4))
    with pytest.raises(ConfigError, match="unit = 'word'"):
        loss_curves(model, TOK, trajectories(EXAMPLES), "word")


def _curve(system: str, losses: tuple[float, ...], reflections=()) -> LossCurve:
    k = len(losses) - 1
    return LossCurve("x", system, tuple(range(k + 1)), k, losses, losses, 1, tuple(reflections))


def test_fraction_grid_interpolation_by_hand():
    curves = [_curve("a", (3.0, 1.0, 2.0)), _curve("a", (4.0, 2.0)), _curve("b", (5.0,))]
    grid = (0.0, 0.25, 0.5, 0.75, 1.0)
    a, b = mean_curves(curves, grid)
    # (3, 2, 1, 1.5, 2) and (4, 3.5, 3, 2.5, 2), averaged; an empty trace is flat
    assert a.system == "a" and a.n == 2 and a.loss == pytest.approx((3.5, 2.75, 2.0, 2.0, 2.0))
    assert b.loss == pytest.approx((5.0,) * 5)
    # EMA 0.5: (3, 2, 2) and (4, 3) -> (3, 2.5, 2, 2, 2) and (4, 3.75, 3.5, 3.25, 3)
    smooth, _ = mean_curves(curves, grid, alpha=0.5)
    assert smooth.loss == pytest.approx((3.5, 3.125, 2.75, 2.625, 2.5))
    assert ema([3.0, 1.0, 2.0], 1.0).tolist() == [3.0, 1.0, 2.0]
    with pytest.raises(ConfigError, match="alpha = 0"):
        ema([1.0], 0)
    with pytest.raises(ConfigError, match="grid"):
        mean_curves(curves, (0.0, 1.5))


def test_reflection_positions_on_a_hand_written_trace():
    trace = "x is 1.\nWait, y is 0.\nhmm, ok. Actually no\nawaiting let me CHECK"
    lines = unit_ends(trace, "line", [])
    assert lines == [8, 22, 43, 64]
    assert find_reflections(trace, lines) == (
        Reflection("Wait", 8, 1), Reflection("hmm", 22, 2), Reflection("Actually", 31, 2),
        Reflection("let me CHECK", 52, 3))  # "awaiting" is no "wait"
    sentences = unit_ends(trace, "sentence", [])
    assert sentences == [8, 22, 31, 43, 64]
    assert [r.unit for r in find_reflections(trace, sentences)] == [1, 2, 3, 4]
    assert unit_ends("a 3.5 b.  \n\n c!", "sentence", []) == [13, 15]
    words = [r.word for r in find_reflections("Double-check; re-check. hmmm", [28])]
    assert words == ["Double-check", "re-check"]
    (curve,) = loss_curves(_model(), TOK, trajectories(EXAMPLES[1:]), "token")
    assert curve.reflections == (Reflection("hmm", 8, 8),)  # char 8 is token 8


def test_traces_from_completions_and_model_outputs():
    cqa = answer_format("causal_qa")
    assert cqa.trace(EXAMPLES[0].completion) == "wait. A is 1.\nso yes."
    assert cqa.trace("THOUGHT PROCESS\nfoo\nANSWER\nyes") == "foo\n"  # no full cue: the bare marker
    assert cqa.trace("no marker at all") == "no marker at all"
    assert cqa.verify_text("yes") == "ANSWER\nyes"
    assert answer_format("boolean_world").trace("\n1,0\n1\n") == ""
    assert answer_format("gsm8k").trace("a\nb\n#### 3") == "a\nb"
    assert answer_format("causal_qa", cue="\nA: ") == AnswerFormat(LEAD, "\nA: ")
    trajs = trajectories(EXAMPLES, {"e0": "THOUGHT PROCESS\nxyz\n\nANSWER\nno", "e1": "zz"})
    assert [t.trace for t in trajs] == ["xyz", "zz"]
    with pytest.raises(ConfigError, match="no row for example id 'e1'"):
        trajectories(EXAMPLES, {"e0": ""})


def test_pruning_at_full_trace_matches_verify_on_the_full_completion(trained):
    trajs = trajectories(EXAMPLES)
    full = prune_curve(trained, TOK, trajs, (1.0,), "m", batch_size=2)
    verified = np.mean([get_task(e.task).verify(e, e.completion).correct for e in EXAMPLES])
    assert full.accuracy == (verified,) == (1.0,) and full.n == 2
    heads = [[TOK.bos_token_id, *TOK(e.text() + e.completion[: -len(e.answer)])["input_ids"]]
             for e in EXAMPLES]
    assert greedy(trained, TOK, heads, 6, batch_size=2) == ["yes", "no"]
    grid = (0.0, 0.3, 0.7, 1.0)
    one, eight = (prune_curve(trained, TOK, trajs, grid, batch_size=b) for b in (1, 8))
    assert one == eight
    cases = [(0.3, 10), (0.29, 100), (1.0, 7), (0.0, 5), (0.5, 3)]
    assert [kept_tokens(f, n) for f, n in cases] == [3, 29, 7, 0, 1]
    with pytest.raises(ConfigError, match="fractions"):
        prune_curve(trained, TOK, trajs, (1.2,))


def test_writers_are_exact_and_deterministic(tmp_path):
    curve = LossCurve("e0", "m", (0, 1), 2, (1.5, 0.25), (3.0, 0.5), 2, (Reflection("wait", 0, 0),))
    assert curves_csv([curve]) == ("system,example_id,units,n_units,fraction,loss,loss_sum,answer_tokens\n"
                                   "m,e0,0,2,0.0,1.5,3.0,2\nm,e0,1,2,0.5,0.25,0.5,2\n")
    prune = PruneCurve("m", (0.0, 1.0), (0.5, 1.0), 2)
    for folder in ("a", "b"):
        write_loss([curve, _curve("n", (2.0, 1.0))], tmp_path / folder, grid=(0.0, 1.0), alpha=0.5)
        write_prune([prune], tmp_path / folder)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["loss_curve.png", "loss_curve.svg", "loss_curves.csv", "loss_mean.csv", "prune.csv",
                     "prune.png", "prune.svg", "reflections.csv"]
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)
    assert (tmp_path / "a" / "reflections.csv").read_text() == (
        "system,example_id,word,char,unit,n_units,fraction\nm,e0,wait,0,0,2,0.5\n")
    assert (tmp_path / "a" / "prune.csv").read_text() == (
        "system,fraction,accuracy,n\nm,0.0,0.5,2\nm,1.0,1.0,2\n")


def test_cli_loss_prune_landscape(trained, tmp_path):
    run = tmp_path / "run"
    trained.save_pretrained(run / "final")
    TOK.save_pretrained(run / "final")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dev.jsonl").write_text("".join(json.dumps(e.to_dict()) + "\n" for e in EXAMPLES))
    (run / "metrics.jsonl").write_text("")  # what makes it a run folder
    (run / "eval").mkdir()
    (run / "eval" / "dev.jsonl").write_text("".join(json.dumps(
        {"id": e.id, "samples": [f"{LEAD}xyz{CUE}{e.answer}"], "correct": [True]}) + "\n" for e in EXAMPLES))
    data, runner = str(tmp_path / "data" / "dev"), CliRunner()
    res = runner.invoke(app, ["loss", str(run), "--data", data, "--unit", "line",
                              "--out", str(tmp_path / "g")])
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "g" / "loss_curves.csv").read_text().splitlines()
    assert len(rows) == 1 + 3 + 3 and rows[1].startswith("run,e0,0,2,0.0,")
    res = runner.invoke(app, ["loss", str(run), str(run), "--data", data, "--results", "eval/dev.jsonl",
                              "--limit", "1", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "o" / "loss_curves.csv").read_text().splitlines()
    assert [r.split(",")[:4] for r in rows[1:]] == [[s, "e0", str(k), "3"] for s in ("run", "run-2")
                                                      for k in range(4)]  # the model's trace "xyz"
    res = runner.invoke(app, ["prune", str(run), "--data", data, "--fractions", "1",
                              "--out", str(tmp_path / "p")])
    assert res.exit_code == 0 and "f=1: 1.000" in res.output
    res = runner.invoke(app, ["landscape", str(run), "--data", data, "--steps", "3", "--radius", "0.1"])
    assert res.exit_code == 0, res.output
    assert len((run / "eval" / "trajectory-data-dev" / "landscape.csv").read_text().splitlines()) == 10
    res = runner.invoke(app, ["loss", str(run), "--data", data, "--limit", "1", "--cue", "\\nA:\\n",
                              "--out", str(tmp_path / "c")])  # no "\nA:\n" in it: the trace runs on
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "c" / "loss_curves.csv").read_text().splitlines()
    assert rows[-1].startswith(f"run,e0,{len(EXAMPLES[0].completion) - len(LEAD)},")
    res = runner.invoke(app, ["loss", str(run), "--data", data, "--ema", "2"])
    assert isinstance(res.exception, ConfigError) and "--ema 2.0" in str(res.exception)
