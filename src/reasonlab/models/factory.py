"""Causal LMs for training: tiny ones built from scratch, or any local Hugging Face checkpoint.

``ModelConfig(arch="gpt2")`` with the 128-dim, 4-layer, 4-head size of the original
causal-experiment project (docs/origins.md) is the default;
``arch="llama"`` builds a Llama-style model (RMSNorm, rotary positions, SwiGLU) of the same
size. ``path: /some/checkpoint`` loads any causal LM on disk with its own tokenizer (never a hub
download: ``local_files_only``). Everything is saved with ``save_pretrained`` (safetensors), so
``AutoModelForCausalLM.from_pretrained(run/final)`` works outside reasonlab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field
from safetensors import SafetensorError
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import logging as hf_logging

from ..config import ConfigError
from ..validation import StrictConfig, check_limit

hf_logging.disable_progress_bar()  # our own progress bars and logs say what happens


class ModelConfig(StrictConfig):
    """A tiny model from scratch (``arch`` and sizes) or a local checkpoint (``path``)."""

    arch: Literal["gpt2", "llama"] = "gpt2"
    path: str | None = Field(None, description="a local Hugging Face checkpoint folder")
    n_embd: int = Field(128, ge=8)
    n_layer: int = Field(4, ge=1)
    n_head: int = Field(4, ge=1)
    n_positions: int = Field(256, ge=16, description="context length")
    dropout: float = Field(0.0, ge=0.0, lt=1.0)


def _gpt2(cfg: ModelConfig, tok: PreTrainedTokenizerBase) -> PreTrainedModel:
    config = GPT2Config(vocab_size=len(tok), n_positions=cfg.n_positions, n_embd=cfg.n_embd,
                        n_layer=cfg.n_layer, n_head=cfg.n_head, resid_pdrop=cfg.dropout,
                        embd_pdrop=cfg.dropout, attn_pdrop=cfg.dropout,
                        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                        pad_token_id=tok.pad_token_id,
                        # GPT-2's tanh-approximate GELU as one native kernel: the same function as
                        # the Python "gelu_new", which costs ~25% of a tiny model's CPU step
                        activation_function="gelu_pytorch_tanh")
    return GPT2LMHeadModel(config)


def _llama(cfg: ModelConfig, tok: PreTrainedTokenizerBase) -> PreTrainedModel:
    config = LlamaConfig(vocab_size=len(tok), hidden_size=cfg.n_embd,
                         intermediate_size=4 * cfg.n_embd, num_hidden_layers=cfg.n_layer,
                         num_attention_heads=cfg.n_head, num_key_value_heads=cfg.n_head,
                         max_position_embeddings=cfg.n_positions, attention_dropout=cfg.dropout,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                         pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


ARCHS: dict[str, Callable[[ModelConfig, PreTrainedTokenizerBase], PreTrainedModel]] = {
    "gpt2": _gpt2, "llama": _llama}


def build_model(cfg: ModelConfig, tok: PreTrainedTokenizerBase) -> PreTrainedModel:
    """A freshly initialised tiny model for ``tok``'s vocabulary (seed torch first)."""
    if cfg.n_embd % cfg.n_head:
        raise ConfigError(f"field model.n_embd = {cfg.n_embd} must be divisible by "
                          f"model.n_head = {cfg.n_head}")
    check_limit("model_parameters", f"model {cfg.arch} n_embd={cfg.n_embd} n_layer={cfg.n_layer} "
                f"n_positions={cfg.n_positions} would have about this many parameters",
                estimated_parameters(cfg, len(tok)), "use smaller model sizes")
    return _causal_lm_loss(ARCHS[cfg.arch](cfg, tok))


def _causal_lm_loss(model: PreTrainedModel) -> PreTrainedModel:
    """Name the causal-LM loss for classes whose name transformers cannot map to one
    (``GPT2LMHeadModel``); otherwise every first forward warns that ``loss_type=None``."""
    if getattr(model, "loss_type", None) is None:
        model.loss_type = "ForCausalLM"
    return model


def estimated_parameters(cfg: ModelConfig, vocab: int) -> int:
    """About the parameter count of a tiny model (12 d^2 per block, embeddings, positions)."""
    return 12 * cfg.n_layer * cfg.n_embd**2 + (vocab + cfg.n_positions) * cfg.n_embd


def load_pretrained(path: str | Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A causal LM and its tokenizer from a local folder (a run's ``final/``, a checkpoint, or
    any Hugging Face model on disk)."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise ConfigError(f"{path}: not a model folder (no config.json); give a run's final/ or "
                          "checkpoints/step-N/ folder, or a local Hugging Face checkpoint")
    if not any(path.glob("*.safetensors")) and any(path.glob("*.bin")):
        raise ConfigError(f"{path}: the weights are pickle files (*.bin), which reasonlab does not load "
                          "(unpickling can run code); convert them to safetensors (save_pretrained "
                          "with safe_serialization=True) and try again")
    try:
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = _causal_lm_loss(AutoModelForCausalLM.from_pretrained(path, local_files_only=True,
                                                                     use_safetensors=True))
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as e:
        raise ConfigError(f"{path}: cannot load the model or tokenizer ({' '.join(str(e).split())[:300]}); "
                          "give a folder written by save_pretrained") from None
    return model, tok


def context_length(model: PreTrainedModel) -> int | None:
    """The model's position limit (``n_positions`` or ``max_position_embeddings``), if it has one."""
    return (getattr(model.config, "n_positions", None)
            or getattr(model.config, "max_position_embeddings", None))


def count_parameters(model: PreTrainedModel) -> tuple[int, int]:
    """(all parameters, embedding parameters)."""
    total = sum(p.numel() for p in model.parameters())
    emb = model.get_input_embeddings().weight.numel()
    return total, emb
