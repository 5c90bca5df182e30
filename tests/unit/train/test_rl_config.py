"""RL config validation: each policy loss gets only its own options."""

from __future__ import annotations

import pytest

from reasonlab.config import ConfigError, validate
from reasonlab.objectives.losses import PPOClip, SPOHalf
from reasonlab.train.rl_config import RLConfig

BASE = {"init": "x", "data": {"task": {"task": "boolean_world"}}}


def _cfg(**algorithm) -> RLConfig:
    return validate(RLConfig, {**BASE, "algorithm": algorithm})


def test_each_loss_is_built_with_its_own_options():
    assert _cfg(eps_high=0.28).algorithm.policy() == PPOClip(eps_high=0.28)
    spo = _cfg(policy_loss="spo_half", half_variant="intent", spo_normaliser="batch").algorithm.policy()
    assert spo == SPOHalf(half_variant="intent", spo_normaliser="batch") and spo.correct_only
    assert _cfg(policy_loss="ppo_clip", loss_options={"dual_clip": 3.0}).algorithm.policy().dual_clip == 3.0


@pytest.mark.parametrize("algorithm, needle", [
    ({"policy_loss": "ppo_clip", "half_variant": "intent"}, "half_variant is an option of spo_half"),
    ({"policy_loss": "spo_kl", "eps_high": 0.28}, "eps_high is an option of ppo_clip"),
    ({"policy_loss": "ppo_clip", "loss_options": {"eps_hi": 0.3}}, "loss_options names eps_hi"),
    ({"policy_loss": "ppo"}, "unknown policy loss 'ppo'"),
])
def test_an_option_of_another_loss_is_a_config_error(algorithm, needle):
    with pytest.raises(ConfigError, match=needle):
        _cfg(**algorithm)


def test_an_advantage_takes_only_its_own_options():
    assert validate(RLConfig, {**BASE, "algorithm": {"advantage": "grpo", "std_eps": 1e-4}})
    with pytest.raises(ConfigError, match="std_eps is an option of the grpo advantage, not of rloo"):
        _cfg(advantage="rloo", std_eps=1e-4)
