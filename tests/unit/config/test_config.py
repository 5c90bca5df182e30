"""YAML configs: base files, overrides, duplicate keys, validation messages."""

from __future__ import annotations

import pytest
from pydantic import Field

from reasonlab.config import ConfigError, apply_overrides, parse_yaml, read_yaml, to_yaml, validate
from reasonlab.validation import Seed, StrictConfig


class Inner(StrictConfig):
    lr: float = Field(1e-3, gt=0)


class Cfg(StrictConfig):
    seed: Seed = 0
    inner: Inner = Inner()
    tags: tuple[int, ...] = ()


def test_overrides_parse_values_as_yaml():
    data = apply_overrides({"inner": {"lr": 1.0}}, ["seed=7", "inner.lr=1.0e-4", "tags=[1, 2]"])
    assert data == {"inner": {"lr": 1e-4}, "seed": 7, "tags": [1, 2]}
    assert validate(Cfg, data) == Cfg(seed=7, inner=Inner(lr=1e-4), tags=(1, 2))
    # YAML 1.1 reads 1e-4 as a string; the float field still takes it
    assert validate(Cfg, apply_overrides({}, ["inner.lr=1e-4"])).inner.lr == 1e-4
    with pytest.raises(ConfigError, match=r"must look like field\.sub=value"):
        apply_overrides({}, ["seed"])
    with pytest.raises(ConfigError, match="'seed' is not a section"):
        apply_overrides({"seed": 1}, ["seed.x=2"])


def test_messages_name_field_value_and_fix():
    with pytest.raises(ConfigError, match=r"field inner\.lr = -1\.0: Input should be greater than 0"):
        validate(Cfg, {"inner": {"lr": -1.0}})
    with pytest.raises(ConfigError, match=r"field inner\.lr = inf: .*finite"):
        validate(Cfg, {"inner": {"lr": float("inf")}})
    with pytest.raises(ConfigError, match=r"field seed = -1: .*0 to 2\*\*63-1"):
        validate(Cfg, {"seed": -1})
    with pytest.raises(ConfigError, match="field nope"):
        validate(Cfg, {"nope": 1})


def test_duplicate_keys_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="the key 'a' is given twice \\(line 2\\)"):
        parse_yaml("a: 1\na: 2\n", "x")
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_yaml("a: [1\n", "x")
    assert parse_yaml("a: &x {b: 1}\nc: *x\n", "x") == {"a": {"b": 1}, "c": {"b": 1}}


def test_base_merge_and_round_trip(tmp_path):
    (tmp_path / "base.yaml").write_text("seed: 3\ninner: {lr: 0.5}\n")
    (tmp_path / "run.yaml").write_text("base: base.yaml\ntags: [4]\n")
    cfg = validate(Cfg, read_yaml(tmp_path / "run.yaml"))
    assert cfg == Cfg(seed=3, inner=Inner(lr=0.5), tags=(4,))
    assert validate(Cfg, parse_yaml(to_yaml(cfg), "round trip")) == cfg
