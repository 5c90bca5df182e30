"""One transformers message that is wrong for how reasonlab calls its models, dropped.

transformers warns once ("We strongly recommend passing in an `attention_mask`...") when a
forward gets ``input_ids`` holding the pad id and no attention mask. reasonlab hits it in two
places where it is a false alarm: generation's decode steps, where a finished row's newest token
*is* the pad id (the mask given to ``generate`` is applied; the step's ``input_ids`` is just that
one token), and the RL log-prob forward, where unpadded prompts take the plain causal path on
purpose (pads only follow EOS, and causal attention never lets an earlier token see them).
Every other warning passes. Installed when :mod:`reasonlab.models` is imported.
"""

from __future__ import annotations

import logging

MESSAGE = "We strongly recommend passing in an `attention_mask`"


class _PadWithoutMask(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(MESSAGE)


def install() -> None:
    """Add the filter to transformers' modeling logger (once)."""
    log = logging.getLogger("transformers.modeling_utils")
    if not any(isinstance(f, _PadWithoutMask) for f in log.filters):
        log.addFilter(_PadWithoutMask())
