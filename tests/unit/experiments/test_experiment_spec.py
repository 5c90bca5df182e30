"""Experiment files: every reference checked when the file is read (one message naming the field,
the value and the fix), profiles applied by kind and by name, and the planner's grid --
dependencies, shared warm-ups, fingerprints that change exactly downstream of an edit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reasonlab.config import ConfigError
from reasonlab.experiments import check_jobs, load_experiment, plan
from reasonlab.experiments.spec import Experiment
from reasonlab.validation import InputError

CONFIGS = Path(__file__).parents[3] / "configs"


def spec(**changes) -> dict:
    """A valid experiment: a data stage, a shared SFT warm-up, two RL arms from it."""
    base = {
        "name": "t",
        "seeds": [0, 1, 2],
        "data": {"bw": {"config": str(CONFIGS / "boolean_world.yaml")}},
        "arms": {
            "warm": {
                "train": "sft",
                "config": str(CONFIGS / "rl/boolean_warmup.yaml"),
                "data": "bw",
                "seeds": [0],
                "evaluate": False,
            },
            "a": {
                "train": "rl",
                "config": str(CONFIGS / "rl/grpo_boolean.yaml"),
                "init": "warm",
                "params": {"k": 1},
            },
            "b": {
                "train": "rl",
                "config": str(CONFIGS / "rl/grpo_boolean.yaml"),
                "init": "warm",
                "overrides": ["optim.lr=0.0"],
                "params": {"k": 2},
            },
        },
        "evaluate": {"data": "bw", "split": "test"},
        "claims": [
            {
                "id": "c",
                "statement": "a beats b",
                "test": "greater",
                "measure": "eval:all",
                "a": "a",
                "b": "b",
            }
        ],
        "profiles": {
            "smoke": {
                "seeds": [7],
                "overrides": {"rl": ["steps=2"], "b": ["steps=3"], "data": ["sizes.train=10"]},
            }
        },
    }
    for key, value in changes.items():  # "arms__a__data" sets base["arms"]["a"]["data"]
        *path, last = key.split("__")
        node = base
        for p in path:
            node = node[p]
        node[last] = value
    return base


def load(tmp_path: Path, raw: dict) -> Experiment:
    f = tmp_path / "exp.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_experiment(f)[0]


def test_a_valid_file_loads(tmp_path):
    exp = load(tmp_path, spec())
    assert exp.seeds_of("warm") == [0] and exp.seeds_of("a") == [0, 1, 2]
    assert exp.eval_set("warm") is None and exp.eval_set("a").data == "bw"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"arms__a__data": "nope"}, ["arm a", "data = 'nope'", "bw"]),
        ({"arms__a__init": "ghost"}, ["arm a", "init = 'ghost'", "warm"]),
        ({"arms__warm__init": "a"}, ["init forms a cycle"]),
        ({"arms__warm__seeds": [0, 1]}, ["arm a", "init arm 'warm' has seeds [0, 1]", "single one"]),
        ({"evaluate": {"data": "zz"}}, ["evaluate.data = 'zz'", "data stage"]),
        (
            {
                "claims": [
                    {"id": "c", "statement": "s", "test": "bigger", "a": "a", "b": "b", "measure": "eval:all"}
                ]
            },
            ["unknown test 'bigger'", "greater"],
        ),
        (
            {"claims": [{"id": "c", "statement": "s", "test": "greater", "a": "a", "measure": "eval:all"}]},
            ["test greater needs a and b", "b missing"],
        ),
        (
            {
                "claims": [
                    {
                        "id": "c",
                        "statement": "s",
                        "test": "greater",
                        "a": "a",
                        "b": "zed",
                        "measure": "eval:all",
                    }
                ]
            },
            ["claim c", "arm 'zed'"],
        ),
        (
            {
                "claims": [
                    {"id": "c", "statement": "s", "test": "greater", "a": "a", "b": "b", "measure": "best:x"}
                ]
            },
            ["best:x"],
        ),
        (
            {
                "claims": [
                    {
                        "id": "c",
                        "statement": "s",
                        "test": "at_least",
                        "a": "warm",
                        "value": 1,
                        "measure": "eval:all",
                    }
                ]
            },
            ["arm warm", "needs an eval set"],
        ),
        (
            {
                "claims": [
                    {
                        "id": "c",
                        "statement": "s",
                        "test": "increases",
                        "arms": ["a", "warm"],
                        "by": "k",
                        "measure": "final:train/loss",
                    }
                ]
            },
            ["arms ['warm'] have no params.k"],
        ),
        (
            {
                "claims": [
                    {"id": "c", "statement": "s", "test": "less", "a": "a", "b": "b", "measure": "eval:all"},
                    {"id": "c", "statement": "s", "test": "less", "a": "a", "b": "b", "measure": "eval:all"},
                ]
            },
            ["each must be unique"],
        ),
        ({"arms__a__train": "ppo"}, ["arms.a.train", "'ppo'"]),
        ({"name": "has space"}, ["name", "has space"]),
    ],
)
def test_bad_references_get_one_message_naming_them(tmp_path, changes, words):
    with pytest.raises(ConfigError) as e:
        load(tmp_path, spec(**changes))
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_files_that_are_not_experiments_are_refused(tmp_path):
    f = tmp_path / "list.yaml"
    f.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holds no mapping"):
        load_experiment(f)
    f.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"list\.yaml"):
        load_experiment(f)
    with pytest.raises(InputError, match=r"experiment file .*does not exist"):
        load_experiment(tmp_path / "missing.yaml")


def test_profiles_add_overrides_by_kind_and_by_name(tmp_path):
    exp = load(tmp_path, spec()).with_profile("smoke")
    assert exp.seeds == [7] and exp.seeds_of("warm") == [0]  # an arm's own seeds stay
    assert exp.arms["a"].overrides == ["steps=2"]
    assert exp.arms["b"].overrides == ["optim.lr=0.0", "steps=2", "steps=3"]  # kind, then the arm's own
    assert exp.arms["warm"].overrides == [] and exp.data["bw"].overrides == ["sizes.train=10"]
    with pytest.raises(ConfigError, match=r"--profile 'big'.*smoke"):
        exp.with_profile("big")
    bad = spec(profiles={"p": {"overrides": {"ppo": ["x=1"]}}})
    with pytest.raises(ConfigError, match=r"profile p: overrides for \['ppo'\]"):
        load(tmp_path, bad).with_profile("p")


def test_the_grid_shares_the_warm_up_and_orders_dependencies(tmp_path):
    exp = load(tmp_path, spec())
    out = tmp_path / "out"
    jobs = plan(exp, tmp_path, out)
    keys = [j.key for j in jobs]
    assert keys[0] == "data/bw" and keys.count("train/warm-s0") == 1
    assert not any(k.startswith("train/warm-s1") for k in keys)  # one warm-up for every seed
    assert {k for k in keys if k.startswith("eval/")} == {f"eval/{a}-s{s}" for a in "ab" for s in range(3)}
    by = {j.key: j for j in jobs}
    for j in jobs:  # each job after everything it needs
        assert all(keys.index(d) < keys.index(j.key) for d in j.deps)
    a1 = by["train/a-s1"]
    assert a1.deps == ("train/warm-s0",)
    assert f"init={out / 'runs' / 'warm-s0'}" in a1.argv and "seed=1" in a1.argv and "name=a-s1" in a1.argv
    assert by["eval/b-s2"].argv == (
        "eval",
        str(out / "runs" / "b-s2"),
        "--data",
        str(out / "data" / "bw" / "test"),
    )
    assert by["eval/b-s2"].output == out / "runs" / "b-s2" / "eval" / "bw-test.jsonl"
    assert f"data.path={out / 'data' / 'bw'}" in by["train/warm-s0"].argv


def test_an_edit_changes_the_fingerprints_downstream_of_it_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    before = {j.key: j.fingerprint for j in plan(load(tmp_path, spec()), tmp_path, out)}
    assert before == {j.key: j.fingerprint for j in plan(load(tmp_path, spec()), tmp_path, out)}
    edited = spec(arms__b__overrides=["optim.lr=1e-5"])
    after = {j.key: j.fingerprint for j in plan(load(tmp_path, edited), tmp_path, out)}
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {f"{kind}/b-s{s}" for kind in ("train", "eval") for s in range(3)}
    warm = spec(arms__warm__overrides=["max_steps=5"])
    after = {j.key: j.fingerprint for j in plan(load(tmp_path, warm), tmp_path, out)}
    assert {k for k in before if before[k] != after[k]} == set(before) - {"data/bw"}


def test_every_job_config_is_checked_before_anything_runs(tmp_path):
    exp = load(tmp_path, spec(arms__b__overrides=["optim.lrr=0.1"]))
    with pytest.raises(ConfigError, match=r"train/b-s0.*optim.lrr"):
        check_jobs(plan(exp, tmp_path, tmp_path / "out"))
    exp = load(
        tmp_path,
        spec(data={"bw": {"config": str(CONFIGS / "boolean_world.yaml"), "overrides": ["sizes.train=-3"]}}),
    )
    with pytest.raises(ConfigError, match=r"data/bw.*sizes.train"):
        check_jobs(plan(exp, tmp_path, tmp_path / "out"))


def test_fingerprints_follow_config_content_not_the_output_folder(tmp_path):
    exp = load(tmp_path, spec())
    here = {j.key: j.fingerprint for j in plan(exp, tmp_path, tmp_path / "out")}
    assert here == {j.key: j.fingerprint for j in plan(exp, tmp_path, tmp_path / "elsewhere")}
    preset = tmp_path / "world.yaml"
    preset.write_text((CONFIGS / "boolean_world.yaml").read_text(), encoding="utf-8")
    raw = spec(data={"bw": {"config": str(preset)}})
    before = {j.key: j.fingerprint for j in plan(load(tmp_path, raw), tmp_path, tmp_path / "out")}
    preset.write_text(preset.read_text().replace("seed: 42", "seed: 43"), encoding="utf-8")
    after = {j.key: j.fingerprint for j in plan(load(tmp_path, raw), tmp_path, tmp_path / "out")}
    assert all(before[k] != after[k] for k in before)  # the data changed: so does everything downstream


def test_a_profile_can_run_a_subset_of_the_arms(tmp_path):
    raw = spec(profiles={"few": {"arms": ["a"]}, "bad": {"arms": ["zz"]}})
    raw["data"]["other"] = {"config": str(CONFIGS / "boolean_world.yaml")}
    raw["claims"].append({"id": "alone", "statement": "s", "test": "at_least", "measure": "eval:all",
                          "a": "a", "value": 0.0})
    exp = load(tmp_path, raw).with_profile("few")
    assert list(exp.arms) == ["a", "warm"]  # a starts from warm: it stays
    assert list(exp.data) == ["bw"] and [c.id for c in exp.claims] == ["alone"]  # c needs b
    assert [j.key for j in plan(exp, tmp_path, tmp_path / "o")][:2] == ["data/bw", "train/warm-s0"]
    with pytest.raises(ConfigError, match=r"profile bad: arms \['zz'\] are not arms"):
        load(tmp_path, raw).with_profile("bad")
