"""Models and tokenizers: tiny causal LMs from config, local checkpoints, char tokenizers."""

from .factory import (
    ARCHS,
    ModelConfig,
    build_model,
    context_length,
    count_parameters,
    load_pretrained,
)
from .hf_logging import install as _install_hf_filter
from .tokenizer import alphabet, char_tokenizer, data_tokenizer

_install_hf_filter()

__all__ = [
    "ARCHS",
    "ModelConfig",
    "alphabet",
    "build_model",
    "char_tokenizer",
    "context_length",
    "count_parameters",
    "data_tokenizer",
    "load_pretrained",
]
