"""Every gold trace reasonlab generates (rungs 1-3, discrete, every discrete answer format) comes
out error-free; the public API (annotate, annotate_many, load_models) and the summary table."""

from __future__ import annotations

import math

import pytest

from reasonlab.analysis.traces import (
    LABELS,
    TraceAnnotation,
    annotate,
    annotate_many,
    load_models,
    summary_table,
)
from reasonlab.causal import model_from_dict
from reasonlab.config import ConfigError
from reasonlab.data.writer import generate_dataset, read_split
from reasonlab.tasks import Example
from reasonlab.tasks.causal_qa import CausalQAConfig
from reasonlab.tasks.causal_qa.task import generate_group, groups, model_of

BASE = {"rungs": {1: 1.0, 2: 1.0, 3: 1.0}, "states": [2, 3], "n_evidence": [0, 2],
        "n_interventions": [1, 2], "trace": True, "prompt": {"variant": "hint"}}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    config = CausalQAConfig(seed=5, nodes=[5, 7], n_models={"train": 2, "dev": 1, "test": 1},
                            n_questions_per_model={"train": 15, "dev": 6, "test": 6}, **BASE)
    out = tmp_path_factory.mktemp("traces") / "ds"
    generate_dataset(config, out)
    return out


def _gold_in_memory(fmt: str) -> list[tuple[Example, object]]:
    config = CausalQAConfig(seed=11, nodes=[6, 9], answer_format=fmt,
                            n_models={"train": 2, "dev": 0, "test": 0},
                            n_questions_per_model={"train": 15, "dev": 0, "test": 0},
                            **{**BASE, "n_evidence": [1, 2] if fmt == "comparison" else [0, 2]})
    out = []
    for g in range(groups(config, "train")):
        model = model_of(config, "train", g)
        out += [(e, model) for e in generate_group(config, "train", g)]
    return out


def _eliminated(completion: str) -> set[str]:
    """The gold trace's eliminated variables, read off its ``Eliminate X:`` lines."""
    return {line.split()[1].rstrip(":") for line in completion.splitlines() if line.startswith("Eliminate ")}


def _assert_clean(example: Example, a: TraceAnnotation) -> None:
    where = f"{example.id} {example.meta['query']}"
    assert not a.false_claims and not a.claims, where
    assert a.surgery is None if a.rung != 2 else a.surgery.verdict == "cut", where
    assert a.missing == () and a.extra == (), where
    assert set(a.marginalised) == _eliminated(example.completion), where
    assert a.arithmetic == (), where
    assert a.copy_error is False, where
    assert a.strategy == ("recursion" if _eliminated(example.completion) else "other"), where
    assert not a.modeling_error, where


def test_every_gold_trace_of_a_dataset_is_error_free(dataset):
    models = load_models(dataset)
    examples = [e for split in ("train", "dev", "test") for e in read_split(dataset, split)]
    annotations = annotate_many(examples, [e.completion for e in examples], models)
    assert {a.rung for a in annotations} == {1, 2, 3}
    assert any(a.marginals.required for a in annotations)
    for e, a in zip(examples, annotations, strict=True):
        _assert_clean(e, a)
    assert len(models) == 4 * 4  # 2 sizes x 2 cardinalities x 4 models


@pytest.mark.parametrize("fmt", ["probability", "comparison"])
def test_every_gold_trace_of_other_formats_is_error_free(fmt):
    items = _gold_in_memory(fmt)
    assert {e.meta["rung"] for e, _ in items} == {1, 2, 3}
    for e, model in items:
        _assert_clean(e, annotate(e, e.completion, model))


def _var(name, parents, cpt):
    return {"name": name, "states": ["0", "1"], "parents": parents, "cpt": cpt}


TOY = model_from_dict({"format": "reasonlab-scm", "version": 1, "family": "discrete", "variables": [
    _var("v0", [], [[0.4, 0.6]]), _var("v1", [], [[0.7, 0.3]]),
    _var("v2", ["v0", "v1"], [[0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [0.2, 0.8]]),
    _var("v3", ["v2"], [[0.8, 0.2], [0.3, 0.7]])]})
EXAMPLE = Example(id="toy-000", task="causal_qa", split="test", prompt="", answer="[0.35, 0.65]",
                  completion="", meta={"query": "P(v3 | do(v2=1))", "model_id": "toy"})
BAD = """THOUGHT PROCESS
v3 is independent of v2, and v0 ⊥ v1 | v2 (true after surgery).
P(v2=1 | v0=1) = 0.7, and by Bayes P(v0=1 | v2=1) = 0.6 * 0.7 / 0.5 = 0.86.
ANSWER
[0.3, 0.7]"""


def test_annotate_free_text_with_every_error():
    a = annotate(EXAMPLE, BAD, TOY)
    assert [(c.x, c.y, c.holds, c.open_path) for c in a.claims] == [
        (("v3",), ("v2",), False, "v3 <- v2"), (("v0",), ("v1",), True, None)]
    assert (a.surgery.verdict, a.surgery.line) == ("conditioned", 3)
    assert a.missing == ()  # P(v3 | do(v2=1)) is v3's CPT row: nothing to sum
    assert [(s.line, s.expected, s.written) for s in a.arithmetic] == [(3, 0.84, 0.86)]
    assert a.copy_error is True and a.strategy == "other" and a.modeling_error


def test_api_errors_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="no models/ folder"):
        load_models(tmp_path)
    (tmp_path / "models").mkdir()
    with pytest.raises(ConfigError, match="does not exist"):
        load_models(tmp_path)["n5v2-train-00000"]
    with pytest.raises(ConfigError, match="is not a model name"):
        load_models(tmp_path)["../secret"]
    with pytest.raises(ConfigError, match="one trace per example"):
        annotate_many([EXAMPLE], [], {"toy": TOY})
    with pytest.raises(ConfigError, match="not among the models"):
        annotate_many([EXAMPLE], [BAD], {})
    other = Example(id="b", task="boolean_world", split="test", prompt="", answer="", completion="")
    with pytest.raises(ConfigError, match="task = 'boolean_world'"):
        annotate(other, BAD, TOY)
    broken = Example(**{**EXAMPLE.__dict__, "meta": {"query": "P(v9)", "model_id": "toy"}})
    with pytest.raises(ConfigError, match="'v9' is not in the model"):
        annotate(broken, BAD, TOY)


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    center = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return center - half, center + half


def test_summary_table_rates_with_wilson_intervals():
    good = annotate(EXAMPLE, "We cut the incoming edges of v2.\nP(v3 | do(v2=1)) = [0.3, 0.7]\n"
                    "ANSWER\n[0.3, 0.7]", TOY)
    bad = annotate(EXAMPLE, BAD, TOY)
    rows = summary_table({"sys": [good, bad, good], "none": []})
    assert [r.label for r in rows[: len(LABELS)]] == list(LABELS)
    by = {(r.system, r.label): r for r in rows}
    for label, k, n in [("modeling_error", 1, 3), ("surgery=cut", 2, 3), ("error=conditioned", 1, 3),
                        ("error=copy", 1, 3), ("strategy=other", 3, 3), ("error=false_independence", 1, 3)]:
        r = by[("sys", label)]
        assert (r.k, r.n, r.rate) == (k, n, k / n)
        assert (r.lo, r.hi) == pytest.approx(_wilson(k, n), abs=1e-12)
    assert by[("none", "modeling_error")].n == 0 and math.isnan(by[("none", "modeling_error")].rate)
    with pytest.raises(ConfigError, match="unknown"):
        summary_table({"sys": [good]}, labels=["nope"])
