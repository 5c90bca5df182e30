"""pass@k (unbiased estimator, hand-computed values) and slices of an eval summary."""

from __future__ import annotations

import pytest

from reasonlab.eval.generation import Generated
from reasonlab.eval.report import pass_at_k, summarise
from reasonlab.rewards import Score
from reasonlab.tasks import Example


def test_pass_at_k_hand_values():
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - 3 / 6)
    assert pass_at_k(4, 1, 4) == 1.0
    assert pass_at_k(5, 0, 3) == 0.0
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # C(7,5) / C(10,5)


def test_summary_slices():
    def gen(meta, correct, prompt="p"):
        e = Example(id="x", task="t", split="test", prompt=prompt, answer="a", completion="a", meta=meta)
        return [Generated(e, "a", Score(float(c), c)) for c in correct]

    rows = [gen({"rung": 1, "held_out": True}, [True, False]),
            gen({"rung": 2, "held_out": False, "bin": "easy"}, [False, False]),
            gen({"rung": 2, "held_out": False, "bin": "easy",
                 "bins": {"ve_ops": "easy", "treewidth": "hard"}}, [True, True], prompt="q")]
    s = summarise(rows)
    assert s["n"] == 3 and s["exact_match"] == pytest.approx(2 / 3) and s["reward"] == pytest.approx(0.5)
    assert s["pass@k"] == {"pass@1": pytest.approx((0.5 + 0 + 1) / 3), "pass@2": pytest.approx(2 / 3)}
    assert s["prompts"] == 2 and s["slices"]["rung=2"]["prompts"] == 2
    assert s["slices"]["held_out"] == {"n": 1, "prompts": 1, "exact_match": 1.0, "reward": 0.5}
    assert s["slices"]["treewidth=hard"] == {"n": 1, "prompts": 1, "exact_match": 1.0, "reward": 1.0}
    assert s["slices"]["ve_ops=easy"]["n"] == 1
    assert s["slices"]["rung=2"]["n"] == 2 and s["slices"]["bin=easy"]["exact_match"] == 0.5


def test_scoring_takes_the_reward_mode_and_eval_checks_it_up_front():
    from reasonlab.cli.evaluate import check_reward
    from reasonlab.config import ConfigError
    from reasonlab.eval.generation import score
    from reasonlab.tasks.boolean_world import BooleanWorldConfig, generate_group

    config = BooleanWorldConfig(sizes={"train": 2, "dev": 0, "test": 0})
    e = generate_group(config, "train", 0)[0]
    bits = e.completion.split()[0]
    wrong = e.completion.replace(bits, str(1 - int(bits[0])) + bits[1:], 1)  # one field wrong
    assert score([e], [wrong])[0].score.reward == 0.0  # the dataset's mode: exact
    partial = score([e], [wrong], reward="partial")[0].score
    assert 0.0 < partial.reward < 1.0 and not partial.correct
    check_reward(None, [e])
    check_reward("partial", [e])
    with pytest.raises(ConfigError, match="--reward 'fuzzy': task boolean_world offers exact, partial"):
        check_reward("fuzzy", [e])
