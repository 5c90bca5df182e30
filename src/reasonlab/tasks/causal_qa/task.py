"""The ``causal_qa`` task: questions on all three rungs over random causal models.

Items come in groups, one group per causal model: ``generate_group(config, split, group)``
builds model ``group`` of the split (see :mod:`.graphs`), samples its questions from that
model's own RNG stream (:mod:`.questions`), answers them all in one ``query_many`` call, and
renders each into an :class:`Example` whose ``meta`` carries ``model_id``, the ``query`` in the
engine's grammar and the difficulty metadata, so every answer can be re-derived. What the
verifier needs (answer format, reward mode, tolerance) is the example's :class:`.CausalQAKey`;
everything format-specific is the format object's (:mod:`.formats`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ...causal import GaussianSCM, ZeroProbabilityEvidence, model_to_dict, query, query_many
from ...causal.bif import to_bif
from ...config import ConfigError
from ...rewards import Score
from ..base import Example, Task, item_seed
from .config import CausalQAConfig, subset_name
from .difficulty import difficulty
from .formats import FORMATS
from .graphs import build_model
from .key import CausalQAKey
from .questions import Question, rung_quotas, sample_question
from .render import VARIANTS, describe_model, render

NAME = "causal_qa"
_QUESTION_STREAM, _ORDER_STREAM = 3, 4


def groups(config: CausalQAConfig, split: str) -> int:
    return len(config.subsets(split)) * getattr(config.n_models, split)


def locate(config: CausalQAConfig, split: str, group: int) -> tuple[int, int | None, int]:
    """``(nodes, states, model index)`` of a group."""
    per = getattr(config.n_models, split)
    nodes, states = config.subsets(split)[group // per]
    return nodes, states, group % per


def model_id(config: CausalQAConfig, split: str, group: int) -> str:
    nodes, states, index = locate(config, split, group)
    return f"{subset_name(nodes, states)}-{split}-{index:05d}"


def model_of(config: CausalQAConfig, split: str, group: int):
    nodes, states, index = locate(config, split, group)
    return build_model(config, nodes, states, split, index)


def _answers(model, batch: list[Question]) -> list[tuple[Any, Any] | None]:
    qs = [q.query for q in batch] + [q.other for q in batch if q.other is not None]
    try:
        results = query_many(model, qs)
    except ZeroProbabilityEvidence:  # a comparison's second evidence value can be impossible
        results = []
        for q in qs:
            try:
                results.append(query(model, q))
            except ZeroProbabilityEvidence:
                results.append(None)
    firsts, seconds = iter(results[: len(batch)]), iter(results[len(batch) :])
    out = []
    for q in batch:
        r, r2 = next(firsts), (next(seconds) if q.other is not None else None)
        out.append(None if r is None or (q.other is not None and r2 is None) else (r, r2))
    return out


def _sample_questions(model, config: CausalQAConfig, split: str, rng: np.random.Generator,
                      mid: str) -> list[tuple[Question, Any, Any, dict]]:
    """Up to ``n_questions_per_model`` questions passing the filters, split between rungs by
    their weights (exactly, by largest remainder) and interleaved at random. Sampling a rung
    stops early after ``filters.max_tries`` draws in a row that add nothing (the model has no
    more distinct questions); fewer than asked is an error unless ``filters.allow_fewer``, and
    none at all always is -- except on a model whose every comparison ties at the displayed
    precision (a small graph at 1 decimal), which gives no question."""
    want = getattr(config.n_questions_per_model, split)
    f, fmt = config.filters, FORMATS[config.answer_format]
    kept: list[tuple[Question, Any, Any, dict]] = []
    seen: set[tuple[str, str]] = set()
    ties = 0
    for rung, quota in rung_quotas(config.rungs, want).items():
        got, misses = 0, 0
        while got < quota and misses < f.max_tries:
            batch = []
            while len(batch) < quota - got and misses < f.max_tries:
                q = sample_question(model, config, rng, rung, fmt)
                key = None if q is None else (str(q.query), str(q.other))
                if q is None or (f.unique_questions and key in seen):
                    misses += 1
                    continue
                seen.add(key)
                batch.append(q)
            for q, ans in zip(batch, _answers(model, batch), strict=True):
                tie = ans is not None and _tied(q, ans)
                ties += tie
                meta = None if ans is None or tie else _keep(model, q, ans, f.bins)
                if meta is None:
                    misses += 1
                else:
                    kept.append((q, *ans, meta))
                    got, misses = got + 1, 0
    if want and ((not kept and not ties) or (len(kept) < want and not f.allow_fewer)):
        raise ConfigError(
            f"fields filters / n_questions_per_model: model {mid} has only {len(kept)} distinct "
            f"questions that pass the filters, {want} were asked for; relax the filters (bins, "
            "unique_questions, intervention_matters), ask for fewer questions per model, use "
            "larger graphs" + ("" if f.allow_fewer else ", or set filters.allow_fewer=true"))
    return [kept[i] for i in rng.permutation(len(kept))]


def _tied(q: Question, ans: tuple[Any, Any]) -> bool:
    """A comparison whose two probabilities are equal has no yes/no answer."""
    r, r2 = ans
    return q.other is not None and abs(r.probability - r2.probability) < 1e-9


def _keep(model, q: Question, ans: tuple[Any, Any], bins) -> dict | None:
    """The question's difficulty metadata, or None when a filter rejects it."""
    r, _ = ans
    meta = difficulty(model, q.query, None if isinstance(model, GaussianSCM) else r.ops)
    return None if bins is not None and meta["bin"] not in bins else meta


def generate_group(config: CausalQAConfig, split: str, group: int) -> list[Example]:
    nodes, states, index = locate(config, split, group)
    model = build_model(config, nodes, states, split, index)
    mid = model_id(config, split, group)
    key = (nodes, states or 0, index)
    order = list(model.dag.order)
    if config.prompt.shuffle_cpts:
        order_rng = np.random.default_rng(item_seed(config.seed, split, _ORDER_STREAM, *key))
        order = [int(v) for v in order_rng.permutation(model.n)]
    fields = describe_model(model, order, config.decimals)
    template = dict(VARIANTS[config.prompt.variant])
    template.update({k: v for k, v in (("system", config.prompt.system),
                                        ("user", config.prompt.user)) if v is not None})
    rng = np.random.default_rng(item_seed(config.seed, split, _QUESTION_STREAM, *key))
    fmt, d = FORMATS[config.answer_format], config.decimals
    answer_key = CausalQAKey(format=fmt.name, reward=config.reward, tolerance=config.tolerance)
    graph_hash = model.dag.wl_hash()
    out = []
    for i, (q, r, r2, meta) in enumerate(_sample_questions(model, config, split, rng, mid)):
        system, user = render(template, fields, q, fmt.prompt(q.query.target, d))
        value = fmt.value(r, r2)
        answer = fmt.answer(value, d)
        trace = fmt.trace(model, q, r, r2, d) if config.trace else ""
        completion = (f"THOUGHT PROCESS\n{trace}\n\n" if trace else "") + f"ANSWER\n{answer}"
        meta = {
            "model_id": mid, "subset": subset_name(nodes, states), "index": i,
            "query": str(q.query), "other_query": str(q.other) if q.other else None,
            "gold": fmt.meta_value(value),
            "values": list(model.states[model.dag.index(q.query.target)])
            if not isinstance(model, GaussianSCM) else None,
            "graph_hash": graph_hash, "seed": config.seed, **meta,
        }
        out.append(Example(id=f"{mid}-{i:03d}", task=NAME, split=split, prompt=user, answer=answer,
                           completion=completion, system=system, answer_key=answer_key, meta=meta))
    return out


def verify(example: Example, text: str, reward: str | None = None) -> Score:
    """Score ``text`` against the example's answer in its answer format, under reward mode
    ``reward`` (None: the dataset's)."""
    key = CausalQAKey.of(example)
    return FORMATS[key.format].score(text, example.answer, key.mode(reward), key.tolerance)


def group_files(config: CausalQAConfig, split: str, group: int) -> dict[str, str]:
    """``models/<model_id>.json`` (and ``.bif`` for discrete models) of one group."""
    model, mid = model_of(config, split, group), model_id(config, split, group)
    files = {f"models/{mid}.json": json.dumps(model_to_dict(model), indent=1) + "\n"}
    if not isinstance(model, GaussianSCM):
        files[f"models/{mid}.bif"] = to_bif(model, name=mid)
    return files


TASK = Task(name=NAME, config=CausalQAConfig, generate_group=generate_group, groups=groups,
            verify=verify, answer_key=CausalQAKey, group_files=group_files,
            planned=lambda c, split: groups(c, split) * getattr(c.n_questions_per_model, split),
            describe="Causal questions (rungs 1-3) on random discrete or linear-Gaussian SCMs")
