"""Trainer hooks and run folders, without training: order, stop requests, refusal, clearing."""

from __future__ import annotations

import pytest

from reasonlab.config import ConfigError
from reasonlab.train.callbacks import Callback, Callbacks, StepInfo, StopWhenPerfect
from reasonlab.train.rundir import RunDir


def test_callbacks_run_in_order_and_share_one_control():
    seen = []

    class Rec(Callback):
        def __init__(self, name):
            self.name = name

        def on_step(self, info, control):
            seen.append((self.name, info.step, control.stop))
            if self.name == "a" and info.step == 2:
                control.request_stop("enough")

    hooks = Callbacks([Rec("a"), Rec("b")])
    for step in (1, 2):
        hooks.step(StepInfo(step, 5, None, None, {}))
    assert seen == [("a", 1, False), ("b", 1, False), ("a", 2, False), ("b", 2, True)]
    assert hooks.control.reason == "enough"


def test_stop_when_perfect_counts_consecutive_perfect_evals():
    stop, hooks = StopWhenPerfect(2), None
    hooks = Callbacks([stop])
    for exact, want in ((1.0, False), (0.5, False), (1.0, False), (1.0, True)):
        hooks.eval(StepInfo(1, 9, None, None, {"eval/dev/exact": exact, "eval/held_out/exact": 1.0}))
        assert hooks.control.stop is want
    assert stop.streak == 2


def test_stop_when_perfect_watches_only_the_named_sets():
    stop = StopWhenPerfect(1, watch=["dev"])
    hooks = Callbacks([stop])
    hooks.eval(StepInfo(1, 9, None, None, {"eval/dev/exact": 1.0, "eval/held_out/exact": 0.0}))
    assert hooks.control.stop  # a wrong held-out input does not keep it training
    every = Callbacks([StopWhenPerfect(1)])
    every.eval(StepInfo(1, 9, None, None, {"eval/dev/exact": 1.0, "eval/held_out/exact": 0.0}))
    assert not every.control.stop


def test_run_folder_refused_unless_overwrite_or_resume(tmp_path):
    root = tmp_path / "r"
    (root / "eval").mkdir(parents=True)
    (root / "metrics.jsonl").write_text('{"step": 1}\n')
    with pytest.raises(ConfigError, match="--overwrite"):
        RunDir(root).begin(resume=False)
    run = RunDir(root)
    assert run.begin(resume=False, overwrite=True) is None
    run.close()
    assert sorted(p.name for p in root.iterdir()) == ["logs"]  # eval/ and metrics are gone
    run = RunDir(root)
    assert run.begin(resume=False) is None  # only a log: no run to protect
    run.close()
