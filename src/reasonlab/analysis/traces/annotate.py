"""One typed annotation per reasoning trace, from the rule-based annotators.

:func:`annotate` runs them all on one ``causal_qa`` example and a text (a gold completion or what
an LLM wrote): independence claims checked by d-separation (:mod:`.claims`), graph surgery on
``do()`` questions (:mod:`.surgery`), marginalisation (:mod:`.marginals`), arithmetic
(:mod:`.arithmetic`), the answer against the last computed numbers (:mod:`.copying`) and the
strategy label (:mod:`.strategy`). The question's needed graph is built from the example's
``meta["query"]`` and the causal model once and cached (:mod:`.graphs`).

The original study asked an LLM judge for these labels; here every one is computed from the
true causal model, so a verdict is reproducible and each error names its evidence (an open
path, a line, the recomputed value). ``modeling_error`` gathers the study's "modeling errors":
a false independence claim, conditioning instead of surgery, or a required variable never
summed out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...causal import model_io
from ...causal.errors import QueryError
from ...config import ConfigError
from ...tasks import Example
from ..judge_schemas import Strategy
from .arithmetic import ArithmeticSlip, check_arithmetic
from .claims import Claim, find_claims
from .copying import CopyCheck, check_copy
from .graphs import query_graph
from .marginals import Marginals, check_marginals
from .strategy import strategy
from .surgery import Surgery, check_surgery
from .text import split_trace

TASK = "causal_qa"
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


@dataclass(frozen=True)
class TraceAnnotation:
    """Everything the rule-based annotators say about one trace."""

    id: str
    rung: int
    query: str
    claims: tuple[Claim, ...]
    surgery: Surgery | None  # rung 2 only
    marginals: Marginals
    arithmetic: tuple[ArithmeticSlip, ...]
    copy: CopyCheck
    strategy: Strategy

    @property
    def false_claims(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.holds)

    @property
    def marginalised(self) -> tuple[str, ...]:
        return self.marginals.marginalised

    @property
    def missing(self) -> tuple[str, ...]:
        return self.marginals.missing

    @property
    def extra(self) -> tuple[str, ...]:
        return self.marginals.extra

    @property
    def conditioned(self) -> bool:
        """Conditioning on an intervened variable instead of cutting its incoming edges."""
        return self.surgery is not None and self.surgery.verdict == "conditioned"

    @property
    def copy_error(self) -> bool | None:
        return self.copy.copy_error

    @property
    def modeling_error(self) -> bool:
        """A false independence claim, conditioning instead of surgery, or a missing sum."""
        return bool(self.false_claims) or self.conditioned or bool(self.missing)


def annotate(example: Example, text: str, model) -> TraceAnnotation:
    """Annotate ``text`` as a reasoning trace for ``example`` (task ``causal_qa``) whose causal
    model is ``model`` (a :class:`reasonlab.causal.DiscreteSCM` or ``GaussianSCM``)."""
    if example.task != TASK:
        raise ConfigError(f"example {example.id!r}: task = {example.task!r}; trace annotation needs "
                          f"task {TASK} examples (their meta names the query and the model)")
    query = example.meta.get("query")
    if not isinstance(query, str):
        raise ConfigError(f"example {example.id!r}: meta.query = {query!r} is not a query string; "
                          "regenerate the dataset with `reasonlab generate`")
    if not isinstance(text, str):
        raise ConfigError(f"example {example.id!r}: the trace is a {type(text).__name__}, not a string")
    try:
        graph = query_graph(model, query)
    except QueryError as e:
        raise ConfigError(f"example {example.id!r}: meta.query = {query!r}: {e}") from None
    trace = split_trace(text)
    marginals = check_marginals(trace, graph)
    return TraceAnnotation(
        id=example.id, rung=graph.rung, query=query, claims=find_claims(trace, graph),
        surgery=check_surgery(trace, graph), marginals=marginals,
        arithmetic=check_arithmetic(trace), copy=check_copy(trace),
        strategy=strategy(trace, marginals))


class ModelStore(Mapping):
    """The causal models of a dataset folder by ``model_id``, each read once from
    ``models/<model_id>.json`` (:func:`reasonlab.causal.model_io.load_model`) when first asked."""

    def __init__(self, dataset_dir: str | Path) -> None:
        self.folder = Path(dataset_dir) / "models"
        if not self.folder.is_dir():
            raise ConfigError(f"dataset folder {str(dataset_dir)!r} has no models/ folder; give a "
                              "causal_qa dataset written by `reasonlab generate`")
        self._models: dict[str, object] = {}

    def __getitem__(self, model_id: str):
        model = self._models.get(model_id)
        if model is None:
            if not isinstance(model_id, str) or not _MODEL_ID.fullmatch(model_id):
                raise ConfigError(f"model_id = {model_id!r} is not a model name such as "
                                  "'n5v2-train-00000'; check the examples' meta.model_id")
            path = self.folder / f"{model_id}.json"
            if not path.is_file():
                raise ConfigError(f"model_id = {model_id!r}: {path} does not exist; annotate examples "
                                  "with the dataset folder they were generated into")
            model = self._models[model_id] = model_io.load_model(path)
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(p.stem for p in self.folder.glob("*.json")))

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*.json"))


def load_models(dataset_dir: str | Path) -> ModelStore:
    """The models of a dataset folder, ``model_id -> model``, loaded lazily and cached."""
    return ModelStore(dataset_dir)


Models = Mapping[str, object] | Callable[[str], object]


def annotate_many(examples: Sequence[Example], texts: Sequence[str], models: Models) -> list[TraceAnnotation]:
    """:func:`annotate` for each ``(example, text)`` pair; ``models`` maps ``meta["model_id"]`` to
    the model (a :class:`ModelStore`, a dict, or a function)."""
    if len(examples) != len(texts):
        raise ConfigError(f"{len(examples)} examples but {len(texts)} texts; give one trace per example")
    get = models.__getitem__ if isinstance(models, Mapping) else models
    out = []
    for example, text in zip(examples, texts, strict=True):
        mid = example.meta.get("model_id")
        try:
            model = get(mid)
        except KeyError:
            raise ConfigError(f"example {example.id!r}: meta.model_id = {mid!r} is not among the "
                              "models given; load them with load_models(<dataset folder>)") from None
        out.append(annotate(example, text, model))
    return out
