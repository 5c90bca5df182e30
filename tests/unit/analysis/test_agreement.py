"""Agreement metrics: hand-computed point values, bootstrap CI coverage, degenerate cases, the
human-label CSV reader and the table's pairing by id."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from reasonlab.analysis.agreement import agreement, agreement_table, read_human_labels
from reasonlab.config import ConfigError


def table(tp: int, fp: int, fn: int, tn: int) -> tuple[list[bool], list[bool]]:
    """Reference ``a`` and source ``b`` with the given 2x2 counts (positive = True)."""
    a = [True] * tp + [False] * fp + [True] * fn + [False] * tn
    b = [True] * tp + [True] * fp + [False] * fn + [False] * tn
    return a, b


def test_point_values_match_a_hand_computed_table():
    # tp=20, fp=5, fn=10, tn=15, n=50
    a, b = table(20, 5, 10, 15)
    r = agreement(a, b, n_resamples=999)
    assert r.n == 50
    # accuracy = (20 + 15) / 50 = 0.7
    assert r.accuracy.value == pytest.approx(0.7, abs=1e-12)
    # precision = 20 / (20 + 5) = 0.8 ; recall = 20 / (20 + 10) = 2/3
    assert r.precision.value == pytest.approx(0.8, abs=1e-12)
    assert r.recall.value == pytest.approx(2 / 3, abs=1e-12)
    # F1 = 2 * 20 / (2 * 20 + 5 + 10) = 40 / 55
    assert r.f1.value == pytest.approx(40 / 55, abs=1e-12)
    # kappa: po = 0.7; reference positive rate pa = 30/50 = 0.6, source's pb = 25/50 = 0.5
    # pe = 0.6 * 0.5 + 0.4 * 0.5 = 0.5 ; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert r.kappa.value == pytest.approx(0.4, abs=1e-12)
    assert r.notes == ()
    for est in (r.accuracy, r.precision, r.recall, r.f1, r.kappa):
        lo, hi = est.ci
        assert lo < est.value < hi


def test_second_kappa_table_and_perfect_disagreement():
    # tp=9, fp=1, fn=3, tn=7: po = 16/20 = 0.8; pa = 12/20 = 0.6; pb = 10/20 = 0.5; pe = 0.5
    # kappa = (0.8 - 0.5) / 0.5 = 0.6
    a, b = table(9, 1, 3, 7)
    assert agreement(a, b, n_resamples=999).kappa.value == pytest.approx(0.6, abs=1e-12)
    # a = [T, F], b = [F, T]: po = 0, pe = 0.5*0.5 + 0.5*0.5 = 0.5 -> kappa = -1
    assert agreement([True, False], [False, True], n_resamples=999).kappa.value == pytest.approx(-1.0)


def test_same_seed_same_ci_and_seed_matters():
    a, b = table(20, 5, 10, 15)
    assert agreement(a, b, seed=3, n_resamples=999) == agreement(a, b, seed=3, n_resamples=999)
    assert agreement(a, b, seed=3, n_resamples=999).kappa.ci != \
        agreement(a, b, seed=4, n_resamples=999).kappa.ci


def test_all_one_class_gives_nan_with_notes_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = agreement([True] * 10, [True] * 10, n_resamples=999)
        s = agreement([False] * 10, [False] * 10, n_resamples=999)
    assert r.accuracy.value == 1.0 and r.precision.value == 1.0 and r.recall.value == 1.0
    assert math.isnan(r.kappa.value) and all(math.isnan(x) for x in r.kappa.ci)
    assert any("kappa is undefined" in note for note in r.notes)
    assert s.accuracy.value == 1.0
    assert math.isnan(s.precision.value) and math.isnan(s.recall.value) and math.isnan(s.f1.value)
    assert math.isnan(s.kappa.value)
    assert {n.split(" ")[0] for n in s.notes} == {"precision", "recall", "f1", "kappa"}


def test_resamples_with_an_undefined_metric_are_noted():
    a, b = table(1, 0, 0, 29)  # one positive: many resamples hold none, so precision is undefined there
    r = agreement(a, b, n_resamples=999)
    assert r.precision.value == 1.0
    assert any(note.startswith("precision is undefined in ") for note in r.notes)


def test_bad_inputs_are_refused():
    with pytest.raises(ConfigError, match="a has 2 labels but b has 1"):
        agreement([True, False], [True])
    with pytest.raises(ConfigError, match="no items"):
        agreement([], [])
    with pytest.raises(ConfigError, match=r"b\[1\] = 'yes' is not a binary label"):
        agreement([True, False], [True, "yes"])
    with pytest.raises(ConfigError, match="n_resamples"):
        agreement([True, False], [True, False], n_resamples=5)


def test_ci_covers_the_truth_in_simulation():
    # reference a ~ Bernoulli(0.4); b copies a, flipped with probability 0.2. Population values:
    # accuracy 0.8; P(b) = 0.4*0.8 + 0.6*0.2 = 0.44; tp = 0.32, fp = 0.12, fn = 0.08
    # precision = 0.32/0.44, recall = 0.32/0.40 = 0.8, F1 = 0.64/0.84
    # kappa = (0.8 - pe) / (1 - pe), pe = 0.4*0.44 + 0.6*0.56 = 0.512
    truth = {"accuracy": 0.8, "precision": 0.32 / 0.44, "recall": 0.8, "f1": 0.64 / 0.84,
             "kappa": (0.8 - 0.512) / (1 - 0.512)}
    # (1000 such datasets give coverage 0.942-0.952 for every metric; these 200 give 0.93-0.955)
    rng = np.random.default_rng(1)
    covered = dict.fromkeys(truth, 0)
    sims = 200
    for k in range(sims):
        a = rng.random(300) < 0.4
        b = np.where(rng.random(300) < 0.2, ~a, a)
        r = agreement(list(a), list(b), seed=k, n_resamples=1999)
        for name, value in truth.items():
            lo, hi = getattr(r, name).ci
            covered[name] += lo <= value <= hi
    for name in truth:
        assert 0.90 <= covered[name] / sims <= 0.99, (name, covered[name])


def test_table_pairs_by_id_and_names_missing_ids():
    human = {"q1": True, "q2": False, "q3": True, "q4": False}
    judge = {"q4": False, "q3": True, "q2": True, "q1": True, "q9": False}  # other order, one extra
    rules = {"q1": False, "q2": False, "q3": True, "q4": False}
    rows = agreement_table({"human": human, "judge": judge, "rules": rules}, "human", n_resamples=999)
    assert [(r.reference, r.source) for r in rows] == [("human", "judge"), ("human", "rules")]
    # judge vs human: q1 T/T, q2 F/T, q3 T/T, q4 F/F -> accuracy 3/4, precision 2/3, recall 1
    assert rows[0].agreement.accuracy.value == 0.75
    assert rows[0].agreement.precision.value == pytest.approx(2 / 3)
    assert rows[0].agreement.recall.value == 1.0
    assert rows[0].ignored == 1
    # rules vs human: q1 T/F -> accuracy 3/4, precision 1, recall 1/2
    assert rows[1].agreement.recall.value == 0.5 and rows[1].agreement.precision.value == 1.0
    with pytest.raises(ConfigError, match=r"source 'rules' lacks 2 of the 4 items .*'q3', 'q4'"):
        agreement_table({"human": human, "rules": {"q1": True, "q2": False}}, "human")
    with pytest.raises(ConfigError, match=r"reference = 'crowd' is not a source; choose one of"):
        agreement_table({"human": human}, "crowd")


CSV_HEADER = "id,system,question,trace,modeling_error_human,order_human,alt_strategy_human\n"


def test_read_human_labels(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text(CSV_HEADER
                 + 'q1,7b,"a, question","multi\nline trace",Yes,,no\n'
                 + "q1,32b,x,y, no ,1,\n"
                 + "q2,7b,x,y,,0,\n"
                 + "q3,7b,x,y,TRUE,,\n"
                 + "q4,7b,x,y,0,,\n", encoding="utf-8")
    assert read_human_labels(p, "modeling_error_human") == {
        ("7b", "q1"): True, ("32b", "q1"): False, ("7b", "q3"): True, ("7b", "q4"): False}
    assert read_human_labels(p, "order_human") == {("32b", "q1"): True, ("7b", "q2"): False}


def test_read_human_labels_refusals(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text(CSV_HEADER + "q1,7b,x,y,yes,,\n" + "q2,7b,x,y,maybe,,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3: column modeling_error_human = 'maybe' is not a label"):
        read_human_labels(p, "modeling_error_human")
    with pytest.raises(ConfigError, match=r"has no column 'judge_human'.*'modeling_error_human'"):
        read_human_labels(p, "judge_human")
    p.write_text(CSV_HEADER + "q1,7b,x,y,yes,,\n" + "q1,7b,x,y,no,,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="labelled twice"):
        read_human_labels(p, "modeling_error_human")
    p.write_text("id,modeling_error_human\nq1,yes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no column 'system'"):
        read_human_labels(p, "modeling_error_human")
    with pytest.raises(ConfigError, match="does not exist"):
        read_human_labels(tmp_path / "nope.csv", "modeling_error_human")


def test_label_rates_use_the_wilson_interval():
    from reasonlab.analysis.judge_schemas import StepErrorsReply
    from reasonlab.analysis.trace_tables import label_rates, reply_labels, universe_of

    reply = StepErrorsReply.model_validate({"strategy": "recursion", "steps": [
        {"text": "a", "errors": ["copy"]}, {"text": "b", "errors": ["copy", "calculation"]}]})
    assert reply_labels(reply) == {"strategy=recursion", "any_error", "error=copy", "error=calculation"}
    sets = [{"modeling_error"}] * 3 + [set()] * 7
    from reasonlab.analysis.judge_schemas import ModelingErrorReply

    (row,) = label_rates({"s": sets}, universe_of(ModelingErrorReply))
    # Wilson 95% for 3 of 10: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), z = 1.959964
    z, n, p = 1.959963984540054, 10, 0.3
    centre, half = p + z * z / (2 * n), z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert (row.k, row.n, row.rate) == (3, 10, 0.3)
    assert row.lo == pytest.approx((centre - half) / (1 + z * z / n))
    assert row.hi == pytest.approx((centre + half) / (1 + z * z / n))
