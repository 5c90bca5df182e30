"""GSM8K-style final answers: extraction after </think> and ####, exact numeric comparison, the
SPO thesis's substring test as a named reward (docs/origins.md), and the gsm8k task on local
files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasonlab.config import ConfigError
from reasonlab.rewards.final_answer import as_number, final_answer, score_final_number
from reasonlab.tasks import task_config

DATA = Path(__file__).parents[2] / "data" / "gsm8k"


@pytest.mark.parametrize("text, raw", [
    ("so 12\n#### 12", "12"), ("#### 12\n#### 13", "12"), ("<think>#### 3</think>\n#### 4", "4"),
    ("<think>#### 3</think> no final line", None), ("nothing", None), ("####  1,000 \nmore", "1,000")])
def test_extraction(text, raw):
    assert final_answer(text) == raw


@pytest.mark.parametrize("text, gold, ok", [
    ("#### 42", "42", True), ("#### 42.0", "42", True), ("#### $42", "42", True), ("#### 42.", "42", True),
    ("#### 1,000", "1000", True), ("#### 4.5", "4.5", True), ("#### -4", "-4", True),
    ("#### 14", "4", False), ("#### 42", "4", False), ("#### 4.50001", "4.5", False)])
def test_exact_numeric_comparison(text, gold, ok):
    assert score_final_number(text, gold).correct is ok


def test_seed_substring_reward_reproduces_the_seed():
    assert score_final_number("#### 14", "4", "seed_substring").reward == 1.0  # the original's bug
    assert score_final_number("#### 14", "4").reward == 0.0
    assert score_final_number("#### 42.0", "42", "seed_substring").reward == 1.0
    assert score_final_number("#### 42", "42.0", "seed_substring").reward == 0.0


def test_reasons():
    assert score_final_number("the answer is 3", "3").reason == "no '#### <answer>' line"
    assert "not a number" in score_final_number("#### three", "3").reason
    assert as_number("1/2") is None


def test_gsm8k_task_reads_local_files(tmp_path):
    task, config = task_config({"task": "gsm8k", "path": str(DATA)})
    train = list(task.iter_split(config, "train"))
    assert len(train) == 8 and train[2].answer == "#### 1,000"
    assert train[0].prompt.endswith("Write your final numerical answer after #### on a new line.")
    assert task.verify(train[2], "1250 - 250 is\n#### 1000").correct
    assert list(task.iter_split(config, "dev")) == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n')
    task2, config2 = task_config({"task": "gsm8k", "path": str(bad)})
    with pytest.raises(ConfigError, match="line 1"):
        list(task2.iter_split(config2, "train"))
    task3, config3 = task_config({"task": "gsm8k", "path": str(tmp_path / "none")})
    with pytest.raises(ConfigError, match="does not exist"):
        task3.groups(config3, "train")
