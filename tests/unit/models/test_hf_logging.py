"""The one transformers warning reasonlab drops (a pad id with no mask, a false alarm in decode
steps and the RL log-prob forward) is dropped, and every other one still reaches a handler."""

from __future__ import annotations

import logging

import reasonlab.models  # noqa: F401  (installs the filter)
from reasonlab.models.hf_logging import MESSAGE, install


def test_only_the_pad_without_mask_warning_is_dropped():
    install()  # twice is once
    log = logging.getLogger("transformers.modeling_utils")
    assert sum(type(f).__name__ == "_PadWithoutMask" for f in log.filters) == 1
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    log.addHandler(handler)
    try:
        log.warning(MESSAGE + " since your input_ids may be padded.")
        log.warning("Some weights of the model checkpoint were not used")
    finally:
        log.removeHandler(handler)
    assert seen == ["Some weights of the model checkpoint were not used"]
