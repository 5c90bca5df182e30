"""User-input errors and turning validation errors into one line a user can act on.

:class:`InputError` is the base of every error a user can cause (a config, a model file, a query,
a rule, a path, a size over a limit): the CLI prints its message as one line and exits 2, never a
traceback. Each layer subclasses it (``ConfigError``, ``CausalError``, ...).
"""

from __future__ import annotations

import math
import os
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

SEED_MAX = 2**63 - 1
#: A random seed: a non-negative integer below 2**63 (what torch and numpy generators accept).
def _seed_range(seed: int) -> int:
    if not 0 <= seed <= SEED_MAX:
        raise ValueError("a seed is an integer from 0 to 2**63-1")
    return seed


Seed = Annotated[int, AfterValidator(_seed_range), Field(description="random seed, 0 <= seed < 2**63")]


class StrictConfig(BaseModel):
    """Base of every config section: unknown fields are errors, values are frozen, and floats
    must be finite (``inf`` and ``nan`` are refused with the field's name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class InputError(ValueError):
    """Something a user gave (file, field, argument, size) that cannot be used as given."""


class LimitError(InputError):
    """A size that would cost more than a stated limit (memory, enumeration, time)."""

    def __init__(self, what: str, cost: int | float, limit: int | float, fix: str) -> None:
        super().__init__(f"{what}: {_num(cost)} exceeds the limit of {_num(limit)}; {fix}")
        self.cost, self.limit = cost, limit


def _num(x: int | float) -> str:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return f"{x:,}" if isinstance(x, int) or x < 1e15 else f"{x:.3g}"


#: Sizes that multiply, with their default limits. Each can be raised for one run by the
#: environment variable ``REASONLAB_LIMIT_<NAME>`` (upper case), e.g. REASONLAB_LIMIT_CPT_CELLS.
LIMITS: dict[str, int] = {
    "nodes": 2_000,                 # variables in one causal model
    "cpt_cells": 10_000_000,        # entries of one CPT (states ** (parents + 1))
    "model_cells": 50_000_000,      # entries of all CPTs of one model together
    "factor_cells": 50_000_000,     # entries of one intermediate factor during elimination
    "twin_cells": 50_000_000,       # entries of a counterfactual (twin-network) table
    "enumeration": 2**22,           # assignments a boolean world enumerates (2 ** bits)
    "model_parameters": 2_000_000_000,  # a model built from sizes (fp32 + AdamW: 16 bytes each)
}


def limit(name: str) -> int:
    """The limit called ``name``: its default, or ``REASONLAB_LIMIT_<NAME>`` when set."""
    env = f"REASONLAB_LIMIT_{name.upper()}"
    raw = os.environ.get(env)
    if raw is None:
        return LIMITS[name]
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise InputError(f"{env} = {raw!r} is not an integer; set it to a whole number") from None
    if value < 1:
        raise InputError(f"{env} = {raw!r} must be at least 1")
    return value


def check_limit(name: str, what: str, cost: int | float, fix: str) -> None:
    """Raise :class:`LimitError` when ``cost`` exceeds limit ``name``; the message says what it
    would cost, the limit, ``fix`` and the environment variable that raises the limit."""
    cap = limit(name)
    if cost > cap:
        raise LimitError(what, cost, cap, f"{fix}, or raise the limit with "
                         f"REASONLAB_LIMIT_{name.upper()}=N")


def check_seed(seed: int, field: str = "seed") -> int:
    """``seed`` itself when 0 <= seed < 2**63, else an :class:`InputError` naming ``field``."""
    if not 0 <= seed <= SEED_MAX:
        raise InputError(f"{field} = {seed} is out of range; use an integer from 0 to 2**63-1")
    return seed


def show_value(value: object) -> str:
    """A short repr for messages; floats keep inf/nan readable (``inf``, not ``None``)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(error: ValidationError, source: str = "config") -> str:
    """``source: field a.b = 'x': <message>`` for each problem, one per line."""
    lines = []
    for err in error.errors():
        where = ".".join(str(x) for x in err["loc"]) or "(root)"
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = f" = {show_value(value)}" if not isinstance(value, dict) else ""
        lines.append(f"{source}: field {where}{shown}: {msg}" if err["loc"] else f"{source}: {msg}")
    return "\n".join(lines)
