"""Hostile inputs to configs, run folders, dataset folders and output paths: each is refused with
one clear message (never a traceback, never code run from a file), and nothing half-written is
left behind."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.hostile import TINY_SFT, assert_refused, cli, write_file
from reasonlab.cli import main
from reasonlab.config import ConfigError, read_yaml
from reasonlab.files import atomic_write_text
from reasonlab.train.trainer_state import load_state, save_state
from reasonlab.validation import InputError, read_json

CAUSAL = """\
task: causal_qa
seed: 3
nodes: [4]
states: [2]
n_models: {train: 2, dev: 1, test: 1}
n_questions_per_model: {train: 3, dev: 2, test: 2}
"""
BOOLEAN = """\
task: boolean_world
seed: 42
omit: "1,0,1,0,1"
sizes: {train: 40, dev: 8, test: 8}
"""
SFT = TINY_SFT + """\
max_steps: 4
eval_every: 2
save_every: 2
"""


_write = write_file


def _in_process(capsys, *args: str) -> tuple[int, str]:
    rc = main(list(args))
    return rc, capsys.readouterr().err


# ---------------------------------------------------------------- config files
@pytest.mark.parametrize("content, needle", [
    (b"\x00\x01\x02\xff\xfe binary", "not UTF-8"),
    ("task: causal_qa\n".encode("utf-16"), "UTF-16"),
    (b"task: causal_qa\x00\n", "NUL"),
    (b"[" * 5000 + b"]" * 5000, "config file"),
    (b"a: [1, 2\n", "not valid YAML"),
    (b"- 1\n- 2\n", "mapping"),
])
def test_unusable_config_files(tmp_path, capsys, content, needle):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert_refused(_in_process(capsys, "generate", str(path), "-o", str(tmp_path / "out")), needle)
    assert not (tmp_path / "out").exists()


def test_a_folder_given_as_config(tmp_path, capsys):
    assert_refused(_in_process(capsys, "generate", str(tmp_path)), "is a folder")
    assert_refused(_in_process(capsys, "train", "sft", str(tmp_path)), "is a folder")


@pytest.mark.parametrize("override, needles", [
    ("seed=9223372036854775808", ("seed", "2**63")),
    ("seed=-1", ("seed",)),
    ("alpha=.inf", ("alpha", "inf")),
    ("alpha=.nan", ("alpha", "nan")),
    ("prompt.user=Q {graph.__class__}", ("prompt.user", "{graph.__class__}")),
    ("prompt.user=Q {question} {nope}", ("{nope}", "{question}")),
    ("prompt.user=Q {question} {0}", ("{0}",)),
    ("prompt.user=Q {question!r}", ("{question!r}",)),
    ("prompt.user=Q {question", ("lone",)),
])
def test_bad_fields_name_the_field(tmp_path, capsys, override, needles):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    assert_refused(_in_process(capsys, "generate", str(cfg), "-o", str(tmp_path / "o"), override), *needles)
    assert not (tmp_path / "o").exists()


def test_literal_braces_in_a_template_render_once(tmp_path, capsys):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    assert main(["generate", str(cfg), "-o", str(tmp_path / "o"), "prompt.user=Q {{x}} {question}"]) == 0
    row = json.loads((tmp_path / "o" / "train.jsonl").read_text().splitlines()[0])
    assert row["prompt"].startswith("Q {x} What is")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_as_config_raise_only_config_errors(tmp_path, data):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    with contextlib.suppress(ConfigError):
        read_yaml(path)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids,
                                                                               max_size=4),
                     max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_json)
def test_any_structure_as_a_task_config_is_a_config_error(tmp_path, value):
    from reasonlab.tasks import task_config

    for data in (value, {"task": "causal_qa", "graph": value}, {"task": "boolean_world", "sizes": value}):
        with contextlib.suppress(InputError):
            task_config(data if isinstance(data, dict) else {"task": data}, source="fuzz")


@settings(max_examples=100, deadline=None)
@given(_json, st.sampled_from(["data", "model", "optim", "algorithm", "rollout", "seed", "name"]))
def test_any_structure_in_a_training_config_is_a_config_error(value, key):
    from reasonlab.config import validate
    from reasonlab.train.rl_config import RLConfig
    from reasonlab.train.sft import SFTConfig

    base = {"data": {"task": {"task": "boolean_world"}}, "init": "x"}
    for model in (SFTConfig, RLConfig):
        with contextlib.suppress(InputError):
            validate(model, {**base, key: value} if model is RLConfig else
                     {k: v for k, v in {**base, key: value}.items() if k != "init"})


# ---------------------------------------------------------------- run folders: no pickle
class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {_Boom.marker}",))


def _trained(tmp_path: Path) -> Path:
    cfg = _write(tmp_path, "sft.yaml", SFT)
    result = cli("train", "sft", str(cfg), f"run_dir={tmp_path / 'runs'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "runs" / "tiny"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    return _trained(tmp_path_factory.mktemp("run"))


def test_a_crafted_pickle_in_a_run_folder_is_never_loaded(tiny_run, tmp_path):
    import shutil

    run = tmp_path / "runs" / "tiny"
    shutil.copytree(tiny_run, run)
    _Boom.marker = tmp_path / "pwned"
    for ckpt in (run / "checkpoints").iterdir():
        for f in ckpt.glob("trainer_state.*"):
            f.unlink()
        (ckpt / "trainer_state.pt").write_bytes(pickle.dumps({"step": _Boom()}))
    cfg = _write(tmp_path, "sft.yaml", SFT)
    result = cli("train", "sft", str(cfg), f"run_dir={tmp_path / 'runs'}", "max_steps=6", "--resume",
                 cwd=tmp_path)
    assert_refused(result, "trainer_state.pt", "without --resume")
    assert not _Boom.marker.exists()


@pytest.mark.parametrize("text", [
    "{", "[]", '{"format": 1}', '{"format": 1, "state": {"step": {"__tensor__": "t999"}}}',
    '{"format": 1, "state": {"x": {"__items__": [[{"__tensor__": "t0"}]]}}}',
    '{"format": 1, "state": {"x": {"__float__": "1e999"}}}', '{"format": 2, "state": {}}',
    '{"format": 1, "state": {"x": {"__tuple__": 3}}}',
])
def test_corrupt_trainer_state_is_one_error(tmp_path, text):
    import torch

    save_state({"step": 3, "rng": torch.arange(4)}, tmp_path)
    (tmp_path / "trainer_state.json").write_text(text)
    with pytest.raises(InputError, match="checkpoint"):
        load_state(tmp_path)


def test_trainer_state_round_trips_exactly(tmp_path):
    import torch

    state = {"optimizer": {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.randn(2, 3)}},
                           "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0]}]},
             "scaler": {"scale": float("inf"), "growth": -float("inf")}, "rng": torch.get_rng_state(),
             "step": 7, "name": "x", "none": None, "flag": True}
    save_state(state, tmp_path)
    back = load_state(tmp_path)
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(back["optimizer"]["state"]) == [0]
    assert torch.equal(back["optimizer"]["state"][0]["exp_avg"], state["optimizer"]["state"][0]["exp_avg"])
    assert torch.equal(back["rng"], state["rng"])
    assert back["scaler"] == state["scaler"] and back["step"] == 7 and back["none"] is None


@pytest.mark.parametrize("override, field", [
    ("model.n_layer=2", "model.n_layer"), ("model.arch=llama", "model.arch"), ("seed=5", "seed"),
    ("data.task.seed=1", "data.task.seed"),
])
def test_resume_with_another_model_or_data_is_refused(tiny_run, tmp_path, capsys, override, field):
    import shutil

    shutil.copytree(tiny_run, tmp_path / "runs" / "tiny")
    cfg = _write(tmp_path, "sft.yaml", SFT)
    before = (tmp_path / "runs" / "tiny" / "config.yaml").read_bytes()
    assert_refused(_in_process(capsys, "train", "sft", str(cfg), f"run_dir={tmp_path / 'runs'}",
                               "max_steps=6", override, "--resume"), field, "--resume")
    assert (tmp_path / "runs" / "tiny" / "config.yaml").read_bytes() == before


# ---------------------------------------------------------------- datasets and outputs
def test_output_that_is_a_file(tmp_path, capsys):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    (tmp_path / "taken").write_text("mine")
    assert_refused(_in_process(capsys, "generate", str(cfg), "-o", str(tmp_path / "taken")), "is a file")
    assert (tmp_path / "taken").read_text() == "mine"
    assert_refused(_in_process(capsys, "generate", str(cfg), "-o", str(tmp_path / "taken" / "sub")),
                   "taken")


def test_output_folder_with_other_files_is_not_replaced(tmp_path, capsys):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.tex").write_text("keep")
    assert_refused(_in_process(capsys, "generate", str(cfg), "-o", str(tmp_path / "notes")),
                   "not a reasonlab dataset")
    assert (tmp_path / "notes" / "thesis.tex").read_text() == "keep"


def test_export_bins_on_a_dataset_without_bins(tmp_path, capsys):
    cfg = _write(tmp_path, "b.yaml", BOOLEAN)
    assert main(["generate", str(cfg), "-o", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert_refused(_in_process(capsys, "export", str(tmp_path / "b"), "--to", "trl", "--bins", "easy"),
                   "no difficulty bins")
    assert not (tmp_path / "b" / "exports").exists()


def test_export_bins_that_no_example_is_in(tmp_path, capsys):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    assert main(["generate", str(cfg), "-o", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    bins = {json.loads(x)["meta"]["bin"] for s in ("train", "dev", "test")
            for x in (tmp_path / "c" / f"{s}.jsonl").read_text().splitlines()}
    missing = sorted({"easy", "medium", "hard"} - bins)
    if missing:
        assert_refused(_in_process(capsys, "export", str(tmp_path / "c"), "--to", "trl", "--bins",
                                   missing[0]), "no example")


@pytest.mark.parametrize("rows, needle", [
    ("not json\n", "not valid JSON"), ("[1, 2]\n", "not an object"), ('{"id": 1}\n', "field id"),
    ("[" * 300 + "]" * 300 + "\n", "nests deeper"),
])
def test_malformed_dataset_rows(tmp_path, capsys, tiny_run, rows, needle):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "dev.jsonl").write_text(rows)
    assert_refused(_in_process(capsys, "eval", str(tiny_run), "--data", str(tmp_path / "d" / "dev")), needle)
    assert_refused(_in_process(capsys, "export", str(tmp_path / "d"), "--to", "trl"), needle)


def test_eval_on_an_empty_split_or_another_tasks_data(tmp_path, capsys, tiny_run):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "dev.jsonl").write_text("")
    assert_refused(_in_process(capsys, "eval", str(tiny_run), "--data", str(tmp_path / "e" / "dev")),
                   "no examples")
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    assert main(["generate", str(cfg), "-o", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert_refused(_in_process(capsys, "eval", str(tiny_run), "--data", str(tmp_path / "c" / "dev")),
                   "causal_qa", "boolean_world")
    assert not (tiny_run / "eval").exists()


def test_eval_of_a_bare_model_on_prompts_past_its_context(tmp_path, capsys, tiny_run):
    import shutil

    shutil.copytree(tiny_run / "final", tmp_path / "model")  # no run config to compare tasks with
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    assert main(["generate", str(cfg), "-o", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert_refused(_in_process(capsys, "eval", str(tmp_path / "model"), "--data",
                               str(tmp_path / "c" / "dev")), "context of 64")


# ---------------------------------------------------------------- file modes
def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a.json", "{}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        assert stat.S_IMODE(atomic_write_text(tmp_path / "b.json", "{}").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_generated_dataset_is_readable_by_the_group(tmp_path):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    old = os.umask(0o022)
    try:
        assert main(["generate", str(cfg), "-o", str(tmp_path / "c")]) == 0
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "c").rglob("*")}
    assert modes and all(m & 0o044 == 0o044 for m in modes.values()), modes


def test_read_json_refuses_nan_and_duplicates(tmp_path):
    for text, needle in [('{"a": NaN}', "NaN"), ('{"a": 1, "a": 2}', "twice"), ("[" * 500, "nests")]:
        (tmp_path / "x.json").write_text(text)
        with pytest.raises(InputError, match=needle):
            read_json(tmp_path / "x.json")


@pytest.mark.parametrize("args, needles", [
    (["export", "x", "--to", "trl", "--seed", "-1"], ("--seed",)),
    (["demo", "--seed", str(2**63)], ("--seed",)),
    (["generate"], ("Missing argument",)),
    (["generate", "c.yaml", "--bogus"], ("--bogus",)),
    (["generate", "c.yaml", "--workers", "0"], ("--workers",)),
    (["eval", "x", "--data", "y", "--top-p", "2"], ("--top-p",)),
])
def test_usage_errors_are_one_line(capsys, args, needles):
    assert_refused(_in_process(capsys, *args), *needles, "--help")


def test_yaml_aliases_that_expand_are_refused(tmp_path, capsys):
    text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for prev, name in zip("abcde", "bcdef", strict=True):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    cfg = _write(tmp_path, "laugh.yaml", text)
    assert_refused(_in_process(capsys, "generate", str(cfg)), "expands to more than")


def test_a_deeply_nested_override(tmp_path, capsys):
    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    deep = "[" * 3000 + "]" * 3000
    message = assert_refused(_in_process(capsys, "generate", str(cfg), f"seed={deep}"), "nests")
    assert len(message) < 300


def test_generate_into_a_read_only_folder(tmp_path):
    import subprocess

    cfg = _write(tmp_path, "c.yaml", CAUSAL)
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        assert_refused(cli("generate", str(cfg), "-o", str(ro / "ds")), "read-only", str(ro))
        assert list(ro.iterdir()) == []
    finally:
        subprocess.run(["umount", str(ro)], check=True)


@pytest.mark.parametrize("damage, needle", [
    (lambda m: (m / "config.json").write_text('{"model_type": "gpt2", "n_embd": '), "cannot load"),
    (lambda m: (m / "config.json").write_text('{"model_type": "nonsense"}'), "cannot load"),
    (lambda m: ((m / "model.safetensors").unlink(), (m / "pytorch_model.bin").write_bytes(b"x")), "pickle"),
    (lambda m: (m / "model.safetensors").write_bytes(b"\x00" * 100), "cannot load"),
    (lambda m: (m / "config.json").unlink(), "no config.json"),
])
def test_damaged_model_folders(tmp_path, tiny_run, damage, needle):
    import shutil

    from reasonlab.models import load_pretrained

    model = tmp_path / "model"
    shutil.copytree(tiny_run / "final", model)
    damage(model)
    with pytest.raises(ConfigError, match=needle):
        load_pretrained(model)


def test_a_model_too_large_to_build_is_refused_up_front(tmp_path, capsys, monkeypatch):
    cfg = _write(tmp_path, "sft.yaml", SFT)
    args = ("train", "sft", str(cfg), f"run_dir={tmp_path / 'runs'}", "model.n_embd=100000",
            "model.n_head=4")
    assert_refused(_in_process(capsys, *args), "120,007,800,000", "REASONLAB_LIMIT_MODEL_PARAMETERS")
    monkeypatch.setenv("REASONLAB_LIMIT_MODEL_PARAMETERS", "lots")
    assert_refused(_in_process(capsys, *args), "REASONLAB_LIMIT_MODEL_PARAMETERS", "whole number")
