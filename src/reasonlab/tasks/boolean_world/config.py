"""Config of the ``boolean_world`` task (pydantic; YAML with dotted overrides).

Defaults reproduce the original ``causal-experiment`` dataset (docs/origins.md): its world,
20,000/2,000/2,000 examples, an omit list of held-out inputs. ``random_world`` replaces the world
by a seeded random one; ``rungs`` mixes plain updates (1), interventions ``do(out=v)`` (2) and
counterfactuals (3).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ...validation import Seed, StrictConfig
from ..base import Sizes, check_rungs

MAX_LEAVES = 64  # leaves per random rule
MAX_INTERVENTIONS = 1_000  # more than a world's outputs means all of them


class RandomWorldConfig(StrictConfig):
    """Knobs of the random world generator (see :mod:`.random_world`)."""

    inputs: int = Field(5, ge=1, le=16)
    outputs: int = Field(4, ge=1, le=16)
    noise: int = Field(0, ge=0, le=8, description="hidden exogenous bits (for counterfactuals)")
    operators: dict[Literal["AND", "OR", "XOR"], float] = Field(
        default_factory=lambda: {"AND": 1.0, "OR": 1.0, "XOR": 1.0}, description="operator mix")
    p_not: float = Field(0.3, ge=0.0, le=1.0, description="chance a leaf is negated")
    operands: tuple[int, int] = Field((2, 2), description="leaves per rule (range)")
    p_output_ref: float = Field(0.3, ge=0.0, le=1.0, description="chance a leaf is an earlier "
                                "output: the dependency depth on outputs")

    @field_validator("operands")
    @classmethod
    def _operands(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= v[0] <= v[1] <= MAX_LEAVES:
            raise ValueError(f"need 1 <= min <= max <= {MAX_LEAVES} leaves per rule")
        return v

    @field_validator("operators")
    @classmethod
    def _mix(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("give at least one operator with a positive weight")
        return v


class BooleanWorldConfig(StrictConfig):
    task: Literal["boolean_world"] = "boolean_world"
    seed: Seed = 42
    world: str | dict[str, Any] = Field("seed", description="'seed' (the built-in world), a YAML "
                                        "file, or an inline mapping with inputs/rules/summary")
    random_world: RandomWorldConfig | None = None
    sizes: Sizes = Sizes(train=20_000, dev=2_000, test=2_000)
    omit: str = Field("", description="held-out inputs, e.g. '1,1,1,1,1;0,0,0,0,0'")
    held_out_fraction: float = Field(0.0, ge=0.0, lt=1.0, description="a seeded random fraction "
                                     "of all inputs also held out of train/dev")
    rungs: dict[int, float] = Field(default_factory=lambda: {1: 1.0},
                                    description="1 plain, 2 do(), 3 counterfactual -> weight")
    n_interventions: tuple[int, int] = (1, 1)
    noise_p: float = Field(0.5, gt=0.0, lt=1.0, description="P(noise bit = 1)")
    reward: Literal["exact", "partial"] = "exact"
    group_size: int = Field(1000, ge=1, description="examples per generation job")

    @field_validator("rungs")
    @classmethod
    def _rungs(cls, v: dict[int, float]) -> dict[int, float]:
        return check_rungs(v)

    @field_validator("n_interventions")
    @classmethod
    def _interventions(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= v[0] <= v[1] <= MAX_INTERVENTIONS:
            raise ValueError(f"need 1 <= min <= max <= {MAX_INTERVENTIONS} interventions")
        return v

    @model_validator(mode="after")
    def _world_source(self) -> BooleanWorldConfig:
        if self.random_world is not None and self.world != "seed":
            raise ValueError("give either world or random_world, not both")
        return self
