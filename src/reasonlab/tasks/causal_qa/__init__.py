"""``causal_qa``: causal questions on all three rungs with exact answers (see :mod:`.task`)."""

from .. import register
from .config import CausalQAConfig
from .formats import FORMATS
from .key import CausalQAKey
from .task import TASK, generate_group, model_of, verify

register(TASK)

__all__ = ["FORMATS", "TASK", "CausalQAConfig", "CausalQAKey", "generate_group", "model_of", "verify"]
