"""``boolean_world``: boolean structural equations up the causal ladder (see :mod:`.task`)."""

from .. import register
from .config import BooleanWorldConfig, RandomWorldConfig
from .rules import RuleError, parse_rule
from .task import TASK, generate_group, resolve_world, verify
from .world import SEED_WORLD, World, world_from_dict

register(TASK)

__all__ = ["SEED_WORLD", "TASK", "BooleanWorldConfig", "RandomWorldConfig", "RuleError", "World",
           "generate_group", "parse_rule", "resolve_world", "verify", "world_from_dict"]
