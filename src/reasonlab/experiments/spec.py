"""An experiment file: the claim, the arms that test it, the seeds, and how to decide it.

```yaml
name: heldout
mirrors: the causal-experiment project (a GPT-2 by SFT on a boolean world)
seeds: [0, 1, 2]
data:                      # shared stages: `reasonlab generate` once each
  f1: {config: ../boolean_world.yaml, overrides: [held_out_fraction=0.03125]}
arms:                      # each: a train config plus overrides, run once per seed
  f1: {train: sft, config: ../boolean_sft.yaml, data: f1, params: {fraction: 0.03125}}
  warmup: {train: sft, config: ..., seeds: [0]}          # one run shared by every seed
  grpo: {train: rl, config: ..., init: warmup}           # starts from warmup's final model
evaluate: {data: f1, split: test}                        # default eval set of every arm
claims:
  - {id: all_f1, statement: "...", test: at_least, measure: "eval:held_out", a: f1, value: 1.0}
```

Paths are relative to the experiment file. An arm's ``data`` stage replaces its config's data
(``data.path``), ``init`` points an RL arm at another arm's run (the same seed's, or the one run
of an arm with a single seed), and ``evaluate`` (the experiment's, or an arm's own) names the
split its final model is scored on. Every name is checked when the file is read, and every
arm's training config is validated with its overrides before anything runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..analysis.measures import parse_measure
from ..analysis.verdicts import TESTS
from ..config import ConfigError, parse_yaml, validate
from ..validation import StrictConfig, read_text

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class DataStage(StrictConfig):
    """A dataset generated once: ``reasonlab generate CONFIG -o <experiment>/data/<stage>``."""

    config: str
    overrides: list[str] = Field(default_factory=list)


class EvalSet(StrictConfig):
    """A split of a data stage that final models are scored on (``reasonlab eval``)."""

    data: str
    split: str = "test"


class Arm(StrictConfig):
    """One training configuration, run once per seed."""

    train: Literal["sft", "rl"]
    config: str
    overrides: list[str] = Field(default_factory=list)
    data: str | None = Field(None, description="a data stage whose folder becomes data.path")
    init: str | None = Field(None, description="an arm whose run this RL arm starts from")
    seeds: list[int] | None = Field(None, description="default: the experiment's seeds")
    params: dict[str, float] = Field({}, description="the arm's coordinates, for trend claims")
    evaluate: EvalSet | Literal[False] | None = Field(None, description="default: the experiment's")


class Side(StrictConfig):
    arm: str
    measure: str | None = None


class Claim(StrictConfig):
    """A checkable statement and the test that decides it (:mod:`reasonlab.analysis.verdicts`)."""

    id: str = Field(pattern=NAME)
    statement: str
    test: str
    measure: str | None = None
    a: Side | str | None = None
    b: Side | str | None = None
    arms: list[str] = Field(default_factory=list)
    by: str | None = None
    value: float | None = None
    alpha: float = Field(0.05, gt=0.0, lt=1.0)
    min_seeds: int = Field(3, ge=1)

    @field_validator("test")
    @classmethod
    def _known_test(cls, v: str) -> str:
        if v not in TESTS:
            raise ValueError(f"unknown test {v!r}; choose one of {', '.join(TESTS)}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> Claim:
        shape = TESTS[self.test].shape
        need = {"pair": ("a", "b"), "value": ("a", "value"), "trend": ("arms", "by")}[shape]
        missing = [f for f in need if getattr(self, f) in (None, [])]
        if missing:
            raise ValueError(f"test {self.test} needs {' and '.join(need)}; {', '.join(missing)} missing")
        return self

    def side(self, which: str) -> Side:
        s = getattr(self, which)
        side = Side(arm=s) if isinstance(s, str) else s
        if (side.measure or self.measure) is None:
            raise ConfigError(f"claim {self.id!r}: side {which} has no measure; give `measure:` on the "
                              "claim or on the side")
        return side if side.measure else Side(arm=side.arm, measure=self.measure)


class Profile(StrictConfig):
    """A named variant of the experiment (``--profile``): other seeds and extra overrides, by
    kind (``sft``, ``rl``, ``data``) or by arm / data-stage name -- e.g. a two-step smoke test or
    the reduced run of ``make demo``."""

    seeds: list[int] | None = Field(None, min_length=1)
    arms: list[str] | None = Field(None, min_length=1, description="run only these arms (and the "
                                   "arms they start from); claims over others are left out")
    overrides: dict[str, list[str]] = Field(default_factory=dict)


class Experiment(StrictConfig):
    name: str = Field(pattern=NAME)
    description: str = ""
    mirrors: str = Field("", description="the original setting this experiment re-runs")
    seeds: list[int] = Field([0, 1, 2], min_length=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    data: dict[str, DataStage] = Field(default_factory=dict)
    arms: dict[str, Arm] = Field(min_length=1)
    evaluate: EvalSet | None = None
    claims: list[Claim] = Field(default_factory=list)
    plots: list[str] = Field([], description="metrics.jsonl names to plot across arms")
    traces: bool = Field(False, description="annotate every evaluation trace with the rule-based "
                         "checks (causal_qa data): a table per arm, and trace:LABEL measures")
    profiles: dict[str, Profile] = Field(default_factory=dict)

    def with_profile(self, name: str | None) -> Experiment:
        """The experiment as the profile ``name`` changes it (itself for None)."""
        if name is None:
            return self
        if name not in self.profiles:
            raise ConfigError(f"--profile {name!r}: the experiment defines {_list(self.profiles)}")
        prof = self.profiles[name]
        unknown = [k for k in prof.overrides if k not in ("sft", "rl", "data", *self.arms, *self.data)]
        if unknown:
            raise ConfigError(f"profile {name}: overrides for {unknown}: not sft, rl, data, an arm or a "
                              "data stage")
        more = lambda kind, own: prof.overrides.get(kind, []) + prof.overrides.get(own, [])  # noqa: E731
        data = {k: d.model_copy(update={"overrides": d.overrides + more("data", k)})
                for k, d in self.data.items()}
        arms = {k: a.model_copy(update={"overrides": a.overrides + more(a.train, k)})
                for k, a in self.arms.items()}
        exp = self.model_copy(update={"data": data, "arms": arms, "seeds": prof.seeds or self.seeds})
        return exp._subset(prof.arms, name) if prof.arms else exp

    def _subset(self, wanted: list[str], profile: str) -> Experiment:
        """Only the arms ``wanted``, the arms they start from, their data and their claims."""
        unknown = [a for a in wanted if a not in self.arms]
        if unknown:
            raise ConfigError(f"profile {profile}: arms {unknown} are not arms ({_list(self.arms)})")
        keep: list[str] = []
        for arm in wanted:
            at: str | None = arm
            while at is not None and at not in keep:
                keep.append(at)
                at = self.arms[at].init
        arms = {k: a for k, a in self.arms.items() if k in keep}
        used = {x for k in arms for x in (arms[k].data, getattr(self.eval_set(k), "data", None)) if x}
        claims = [c for c in self.claims if all(a in arms for a in self._claim_arms(c))]
        return self.model_copy(update={"arms": arms, "claims": claims,
                                       "data": {k: d for k, d in self.data.items() if k in used}})

    def _claim_arms(self, claim: Claim) -> list[str]:
        return [claim.side(w).arm for w in ("a", "b") if getattr(claim, w) is not None] + list(claim.arms)

    @model_validator(mode="after")
    def _references(self) -> Experiment:
        for name in [*self.data, *self.arms]:
            if not _is_name(name):
                raise ValueError(f"name {name!r}: use letters, digits, '_', '.', '-'")
        for name, arm in self.arms.items():
            if arm.data is not None and arm.data not in self.data:
                raise ValueError(f"arm {name}: data = {arm.data!r} is not a data stage ({_list(self.data)})")
            if arm.init is not None and arm.init not in self.arms:
                raise ValueError(f"arm {name}: init = {arm.init!r} is not an arm ({_list(self.arms)})")
            ev = self.eval_set(name)
            if ev and ev.data not in self.data:
                raise ValueError(f"arm {name}: evaluate.data = {ev.data!r} is not a data stage "
                                 f"({_list(self.data)})")
        self._no_init_cycle()
        self._claims_ok()
        return self

    def _no_init_cycle(self) -> None:
        for name in self.arms:
            seen, at = [name], self.arms[name].init
            while at is not None:
                if at in seen:
                    raise ValueError(f"arms {' -> '.join([*seen, at])}: init forms a cycle")
                seen.append(at)
                at = self.arms[at].init
            init = self.arms[name].init
            if init is not None:
                mine, theirs = self.seeds_of(name), self.seeds_of(init)
                if len(theirs) != 1 and not set(mine) <= set(theirs):
                    raise ValueError(f"arm {name}: init arm {init!r} has seeds {theirs}, not every seed "
                                     f"of {mine}; give it those seeds or a single one (shared)")

    def _claims_ok(self) -> None:
        ids = [c.id for c in self.claims]
        if len(set(ids)) < len(ids):
            raise ValueError(f"claim ids {ids}: each must be unique")
        for c in self.claims:
            sides = [c.side(w) for w in ("a", "b") if getattr(c, w) is not None]
            for arm in self._claim_arms(c):
                if arm not in self.arms:
                    raise ValueError(f"claim {c.id}: arm {arm!r} is not an arm ({_list(self.arms)})")
            for s in sides:
                parse_measure(s.measure, f"claims[{c.id}].measure")
            if c.arms:
                if c.measure is None:
                    raise ValueError(f"claim {c.id}: test {c.test} needs `measure:`")
                parse_measure(c.measure, f"claims[{c.id}].measure")
                lacking = [a for a in c.arms if c.by not in self.arms[a].params]
                if lacking:
                    raise ValueError(f"claim {c.id}: arms {lacking} have no params.{c.by}; give each arm "
                                     f"of the trend its {c.by}")
            pairs = [(s.arm, s.measure) for s in sides] + [(a, c.measure) for a in c.arms]
            for arm, measure in pairs:
                if parse_measure(measure).kind == "eval" and self.eval_set(arm) is None:
                    raise ValueError(f"claim {c.id}: measure {measure!r} of arm {arm} needs an eval set; "
                                     "give the experiment (or the arm) `evaluate:`")

    def seeds_of(self, arm: str) -> list[int]:
        return list(self.arms[arm].seeds or self.seeds)

    def eval_set(self, arm: str) -> EvalSet | None:
        own = self.arms[arm].evaluate
        return None if own is False else (own or self.evaluate)


def _is_name(name: str) -> bool:
    return bool(re.match(NAME, name))


def _list(names) -> str:
    return ", ".join(names) or "none defined"


def load_experiment(path: str | Path) -> tuple[Experiment, Path]:
    """The experiment in ``path`` (a YAML file) and the folder its relative paths start from."""
    p = Path(path)
    raw = parse_yaml(read_text(p, "experiment file"), f"experiment file {str(p)!r}")
    if not isinstance(raw, dict):
        raise ConfigError(f"experiment file {str(p)!r} holds no mapping; see docs/experiments.md")
    return validate(Experiment, raw, f"experiment {str(p)!r}"), p.parent
