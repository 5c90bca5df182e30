"""Where and in what precision training runs, and the seeding of every RNG it touches.

CUDA when asked for (or on ``auto`` when present), else the CPU. Mixed precision is CUDA-only:
bf16 autocast where the GPU supports it (fp16 otherwise, or when asked, with a gradient
scaler); CPUs without bf16 units are slower in bf16 than in fp32, so the CPU stays fp32.
"""

from __future__ import annotations

import random
from typing import Literal

import numpy as np
import torch

from ..config import ConfigError


def pick_device(device: Literal["auto", "cpu", "cuda"]) -> torch.device:
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ConfigError("field device = 'cuda' but no CUDA device is available; use auto or cpu")
        return torch.device("cuda")
    return torch.device("cpu")


def autocast_dtype(precision: Literal["auto", "fp32", "bf16", "fp16"],
                   device: torch.device) -> torch.dtype | None:
    """The autocast dtype, or None for plain fp32."""
    if device.type != "cuda" or precision == "fp32":
        return None
    if precision == "fp16":
        return torch.float16
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def grad_scaler(dtype: torch.dtype | None, device: torch.device) -> torch.amp.GradScaler:
    """A loss scaler, active only for fp16 (bf16 has fp32's exponent range)."""
    return torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
