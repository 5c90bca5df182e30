"""RL objectives as pure tensor functions, each looked up by name in one registry.

``ADVANTAGES`` (grpo, dr_grpo, rloo, reinforce), ``POLICY_LOSSES`` (ppo_clip and the SPO family),
``AGGREGATIONS`` (the verl/TRL modes), ``KL_ESTIMATORS`` (k1, k2, k3), plus DAPO's shaping and
filters and RaML's k-of-n selection. Nothing here reads a config or logs: the RL loop wires them.
Exact formulas, the engines they mirror and the test vectors: ``docs/objectives.md``.
"""

from .advantages import ADVANTAGES, advantage_options
from .aggregate import AGGREGATIONS
from .combine import combine
from .losses import POLICY_LOSSES, PolicyInputs, PolicyLoss, loss_options
from .raml import select_rollouts
from .regularizers import KL_ESTIMATORS, entropy
from .shaping import overlong_penalty, truncation_mask, varied_groups, window_groups
from .spo import spo_rows

__all__ = ["ADVANTAGES", "AGGREGATIONS", "KL_ESTIMATORS", "POLICY_LOSSES", "PolicyInputs",
           "PolicyLoss", "advantage_options", "combine", "entropy", "loss_options", "overlong_penalty",
           "select_rollouts", "spo_rows", "truncation_mask", "varied_groups", "window_groups"]
