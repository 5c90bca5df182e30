"""Answer extraction and distribution rewards: the failure cases of the LLM causal-reasoning study's
scorer (docs/origins.md) with its numbers for its own formulas, and the fixed behaviour of ours."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasonlab.causal import round_distribution
from reasonlab.rewards import (
    accuracy_at,
    extract_list,
    is_valid,
    score_distribution,
    score_number,
    score_numbers,
    score_yes_no,
    tvd,
)

GOLD = [0.76, 0.24]


@pytest.mark.parametrize("text", ["ANSWER: [0.76, 0.24]", "**ANSWER**\n[0.76, 0.24]",
                                  "ANSWER\n[0.76,0.24]", "**ANSWER:** [0.76,0.24]"])
def test_seed_parser_misses_what_ours_reads(text):
    assert score_distribution(text, GOLD, "seed_strict").reward == 0.0
    assert score_distribution(text, GOLD, "seed_soft").reward == 0.0
    for reward in ("exact", "strict", "soft"):
        s = score_distribution(text, GOLD, reward)
        assert s.reward == 1.0 and s.correct and s.parsed == GOLD


def test_seed_formats_it_accepts():
    text = "THOUGHT PROCESS\n...\nANSWER\n[0.76, 0.24]"
    assert score_distribution(text, GOLD, "seed_strict").reward == 1.0
    # a stored 7B DAPO output of the study: TVD 0.003116 < 0.01
    s = score_distribution("ANSWER\n[0.756884, 0.243116]", GOLD, "seed_strict")
    assert s.reward == 1.0 and s.details["tvd"] == pytest.approx(0.003116, abs=1e-12)


def test_half_half_soft_numbers():
    # TVD([0.5, 0.5], [0.76, 0.24]) = 0.26: soft = 0.2 + 0.8 * 0.74 = 0.792, strict = 0.2
    for prefix in ("seed_", ""):
        assert score_distribution("ANSWER [0.5, 0.5]", GOLD, prefix + "soft").reward == pytest.approx(0.792)
        assert score_distribution("ANSWER [0.5, 0.5]", GOLD, prefix + "strict").reward == pytest.approx(0.2)
    assert score_distribution("ANSWER [0.5, 0.5]", GOLD, "exact").reward == 0.0
    assert score_distribution("ANSWER [0.5, 0.5]", GOLD, "tvd").reward == pytest.approx(0.74)


def test_invalid_distribution_is_not_rewarded():
    # the study's scorer gives [0.1, 0.1] a soft reward of 0.68 (TVD 0.4, sum and sign never checked)
    assert score_distribution("ANSWER [0.1, 0.1]", GOLD, "seed_soft").reward == pytest.approx(0.68)
    for reward, value in (("soft", 0.1), ("strict", 0.1), ("exact", 0.0)):
        s = score_distribution("ANSWER [0.1, 0.1]", GOLD, reward)
        assert s.reward == pytest.approx(value) and not s.correct and "distribution" in s.reason
    assert not is_valid([1.2, -0.2]) and not is_valid([0.5, 0.6]) and is_valid([0.33, 0.33, 0.33])


def test_wrong_length_and_unparsable():
    for reward in ("seed_soft", "seed_strict", "soft", "strict"):
        assert score_distribution("ANSWER [0.2, 0.3, 0.5]", GOLD, reward).reward == pytest.approx(0.1)
        assert score_distribution("I think the answer is two thirds", GOLD, reward).reward == 0.0
    assert score_distribution("ANSWER [0.2, 0.3, 0.5]", GOLD, "exact").reward == 0.0


def test_last_block_wins_and_think_handling():
    text = "ANSWER [0.5, 0.5] wait, let me recheck.\nANSWER [0.76, 0.24]"
    assert score_distribution(text, GOLD).reward == 1.0
    assert score_distribution(text, GOLD, "seed_strict").reward == pytest.approx(0.2)  # first match
    think = "<think>ANSWER: [0.76, 0.24]</think>\nANSWER: [0.5, 0.5]"
    assert score_distribution(think, GOLD).parsed == [0.5, 0.5]
    got = extract_list("<think>ANSWER: [0.76, 0.24] and the model never stops thinking")
    assert got.value is None and "<think>" in got.reason


def test_strict_threshold_and_accuracy_at():
    # one unit off in both entries: TVD 0.01, not < 0.01; the study's float arithmetic gets
    # 0.009999999999999995 and counts it correct, ours compares TVD rounded to 12 decimals
    assert score_distribution("ANSWER [0.77, 0.23]", GOLD).correct is False
    assert score_distribution("ANSWER [0.77, 0.23]", GOLD, "seed_strict").reward == 1.0
    assert score_distribution("ANSWER [0.765, 0.235]", GOLD).correct is True
    assert accuracy_at(0.02) == {"acc@0.01": 0.0, "acc@0.02": 1.0, "acc@0.03": 1.0}
    assert tvd([0.2, 0.3, 0.5], [0.5, 0.3, 0.2]) == pytest.approx(0.3)


def test_scalar_and_yes_no():
    assert score_number("ANSWER: 0.15", 0.15).reward == 1.0
    assert score_number("ANSWER: 0.17", 0.15).reward == 0.0
    assert score_numbers("ANSWER: [-1.97, 2.07]", [-1.97, 2.07]).correct
    assert not score_numbers("ANSWER: [-1.9, 2.07]", [-1.97, 2.07]).correct
    assert score_yes_no("**Answer:** Yes", "yes").correct
    assert not score_yes_no("ANSWER: no", "yes").correct
    assert score_yes_no("no idea", "yes").reason == "no ANSWER marker; used the last yes/no in the text"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.001, 1.0), min_size=2, max_size=6), st.integers(1, 4),
       st.sampled_from(["ANSWER: ", "**ANSWER**\n", "ANSWER\n", ""]), st.sampled_from([", ", ","]))
def test_formatted_gold_round_trips(weights, d, marker, sep):
    gold = round_distribution(np.array(weights) / sum(weights), d)[0]
    text = f"reasoning [1, 2] ... {marker}[{sep.join(repr(float(x)) for x in gold)}]"
    s = score_distribution(text, list(gold))
    assert s.reward == 1.0 and s.parsed == [float(x) for x in gold]
