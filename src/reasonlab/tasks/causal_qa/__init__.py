"""``causal_qa``: causal questions on all three rungs with exact answers (see :mod:`.task`)."""

from .. import register
from .config import CausalQAConfig
from .task import TASK, generate_group, model_of, verify

register(TASK)

__all__ = ["TASK", "CausalQAConfig", "generate_group", "model_of", "verify"]
