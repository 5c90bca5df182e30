"""Config of the ``causal_qa`` task (pydantic; loaded from YAML with dotted overrides).

One dataset covers every ``(nodes, states)`` pair ("subset" ``n{N}v{V}``, as the original
causal-reasoning study's ``n10v2``, docs/origins.md): each subset has ``n_models`` causal models
per split and ``n_questions_per_model`` questions on each. As in that study, one DAG per
``(nodes, split, index)`` is shared by every ``states`` value (with fresh parameters), and DAGs
are unique by Weisfeiler-Lehman hash.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ...causal.dag import DagConfig
from ...validation import Seed, StrictConfig
from ..base import Sizes, check_rungs
from ..templates import placeholders
from .formats import FORMATS, check_format

BINS = ("easy", "medium", "hard")


class PerSplit(StrictConfig):
    """A list of values per split (e.g. train on 10-node graphs, test on 15-node ones)."""

    train: tuple[int, ...] = Field(min_length=1)
    dev: tuple[int, ...] = Field(min_length=1)
    test: tuple[int, ...] = Field(min_length=1)

    def values(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(self.train + self.dev + self.test))


class GraphConfig(StrictConfig):
    """DAG shape (see :class:`reasonlab.causal.DagConfig`); ``nodes`` is set per subset."""

    roots: tuple[int, int] | None = None
    parents: tuple[int, int] = (1, 2)
    max_in_degree: int | None = Field(None, ge=1)
    edge_density: float | None = Field(None, gt=0.0, le=1.0)

    def dag(self, nodes: int, prefix: str = "v") -> DagConfig:
        return DagConfig(nodes=nodes, roots=self.roots, parents=self.parents,
                         max_in_degree=self.max_in_degree, edge_density=self.edge_density,
                         name_prefix=prefix, shuffle_names=True)


class GaussianParams(StrictConfig):
    weight_range: tuple[float, float] = (0.3, 1.0)
    intercept_range: tuple[float, float] = (-2.0, 2.0)
    sigma_range: tuple[float, float] = (0.5, 1.5)


class Filters(StrictConfig):
    """Which sampled questions are kept."""

    intervention_matters: bool = Field(True, description="an intervened node has a directed "
                                       "path to the target after surgery (rungs 2, 3)")
    unique_questions: bool = Field(True, description="no question twice on one model")
    target_not_intervened: bool = Field(True, description="the target is not an intervened node")
    bins: tuple[Literal["easy", "medium", "hard"], ...] | None = Field(
        None, description="keep only questions in these difficulty bins (the original study's VE-ops bins)")
    max_tries: int = Field(200, ge=1, description="draws in a row that add no question before a "
                           "model counts as exhausted")
    allow_fewer: bool = Field(True, description="a model with fewer distinct questions than "
                              "n_questions_per_model gives all it has (else: error)")


PROMPT_FIELDS = ("var_names", "values", "graph", "edges", "cpts", "question", "query", "size",
                 "answer_format")


class PromptConfig(StrictConfig):
    """Prompt variant and options; ``system``/``user`` override the variant's templates
    (placeholders: {var_names} {values} {graph} {cpts} {question} {size} {answer_format}, and for
    short prompts {edges} and {query})."""

    variant: Literal["specific", "generic", "hint"] = "specific"
    system: str | None = None
    user: str | None = None
    shuffle_cpts: bool = Field(True, description="list CPTs in random order (the original study listed "
                               "them in topological order, which leaks a topological sort)")
    names: Literal["v", "story"] = Field("v", description="v0, v1, ... or story nouns")

    @field_validator("system", "user")
    @classmethod
    def _placeholders(cls, v: str | None) -> str | None:
        if v is not None:
            placeholders(v, PROMPT_FIELDS)
        return v


class CausalQAConfig(StrictConfig):
    task: Literal["causal_qa"] = "causal_qa"
    seed: Seed = 0
    family: Literal["discrete", "gaussian"] = "discrete"
    nodes: tuple[int, ...] | PerSplit = Field((5,), description="graph sizes, or per split")
    states: tuple[int, ...] | PerSplit = Field((2, 3), description="cardinalities (discrete), "
                                               "or per split")
    n_models: Sizes = Sizes(train=50, dev=25, test=25)
    n_questions_per_model: Sizes = Sizes(train=100, dev=50, test=50)
    graph: GraphConfig = GraphConfig()
    alpha: float = Field(1.0, gt=0.0)
    decimals: int = Field(2, ge=1, le=8, description="displayed precision of parameters/answers")
    answers_from: Literal["displayed", "exact"] = "displayed"
    gaussian: GaussianParams = GaussianParams()
    rungs: dict[int, float] = Field(default_factory=lambda: {2: 1.0},
                                                 description="rung -> weight of the mix")
    n_evidence: tuple[int, int] = Field((0, 0), description="evidence variables per question")
    n_interventions: tuple[int, int] = Field((1, 1), description="interventions (rungs 2, 3)")
    filters: Filters = Filters()
    answer_format: str = Field("distribution", description=f"one of {', '.join(FORMATS)}")
    prompt: PromptConfig = PromptConfig()
    trace: bool = Field(False, description="completion = gold reasoning trace + answer line")
    unique_graphs: Literal["global", "across_splits", "off"] = "global"
    max_graph_tries: int = Field(1000, ge=1)
    reward: Literal["exact", "strict", "soft", "tvd", "seed_strict", "seed_soft"] = "exact"
    tolerance: float = Field(0.01, gt=0.0, description="TVD (or absolute error) counted correct")

    @field_validator("unique_graphs", mode="before")
    @classmethod
    def _yaml_off(cls, v):
        return "off" if v is False else v  # YAML 1.1 reads a bare `off` as false

    @field_validator("nodes", "states")
    @classmethod
    def _at_least_two(cls, v, info: ValidationInfo):
        values = v.values() if isinstance(v, PerSplit) else v
        if not values:
            raise ValueError("give at least one value")
        if any(x < 2 for x in values):
            raise ValueError("every graph needs at least 2 nodes" if info.field_name == "nodes"
                             else "every variable needs at least 2 states")
        return v

    @field_validator("rungs")
    @classmethod
    def _rungs(cls, v: dict[int, float]) -> dict[int, float]:
        return check_rungs(v)

    _answer_format_known = field_validator("answer_format")(check_format)

    @field_validator("n_evidence", "n_interventions")
    @classmethod
    def _range(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= v[0] <= v[1]:
            raise ValueError("need 0 <= min <= max")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> CausalQAConfig:
        smallest = min(self.all_nodes())
        need = self.n_evidence[0] + (self.n_interventions[0] if self.rungs.keys() - {1} else 0) + 1
        if need > smallest:
            raise ValueError(f"n_evidence={list(self.n_evidence)} and n_interventions="
                             f"{list(self.n_interventions)} need {need} variables but the "
                             f"smallest graph has nodes={smallest}; lower them or add nodes")
        if self.rungs.keys() - {1} and self.n_interventions[0] < 1:
            raise ValueError("rungs 2 and 3 need n_interventions >= 1 (a question without "
                             "interventions is rung 1)")
        fmt = FORMATS[self.answer_format]
        problem = fmt.check(self)
        if problem:
            raise ValueError(problem)
        if self.family not in fmt.families:
            fits = [name for name, f in FORMATS.items() if self.family in f.families]
            raise ValueError(f"answer_format={fmt.name!r} needs family={' or '.join(fmt.families)}; "
                             f"a {self.family} family answers with {', '.join(map(repr, fits))}")
        return self

    def _for(self, field: str, split: str) -> tuple[int, ...]:
        v = getattr(self, field)
        return getattr(v, split) if isinstance(v, PerSplit) else v

    def all_nodes(self) -> tuple[int, ...]:
        return self.nodes.values() if isinstance(self.nodes, PerSplit) else self.nodes

    def subsets(self, split: str) -> list[tuple[int, int | None]]:
        """``(nodes, states)`` pairs of a split (states None for Gaussian models), in order."""
        nodes = self._for("nodes", split)
        if self.family == "gaussian":
            return [(n, None) for n in nodes]
        return [(n, s) for n in nodes for s in self._for("states", split)]


def subset_name(nodes: int, states: int | None) -> str:
    return f"n{nodes}" + (f"v{states}" if states is not None else "")
