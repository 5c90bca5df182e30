"""User input: its errors, reading user files safely, limits on sizes, and turning validation
errors into one line a user can act on.

:class:`InputError` is the base of every error a user can cause (a config, a model file, a query,
a rule, a path, a size over a limit): the CLI prints its message as one line and exits 2, never a
traceback. Each layer subclasses it (``ConfigError``, ``CausalError``, ...).

:func:`read_text` and :func:`read_json` turn every way a user's file can be unusable (no such
file, a folder, not UTF-8, nested too deeply, not JSON, duplicate keys) into one
:class:`InputError` that names the file and says what to do.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from pathlib import Path
from typing import Annotated, Any

import numpy as np
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
        self.what, self.cost, self.limit, self.fix = what, cost, limit, fix

    def __reduce__(self):  # picklable, so a worker process can raise it
        return LimitError, (self.what, self.cost, self.limit, self.fix)


def _num(x: int | float) -> str:
    """``1,234,567`` for readable sizes; ``about 1.2e+40`` (or ``a 5000-digit number``) past that."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, int) and x >= 10**18:
        digits = x.bit_length() * 0.30103
        return f"about 1e+{int(digits)}" if digits < 4000 else f"a {int(digits) + 1}-digit number"
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


def seed_sequence(seed: int, purpose: str, *path: int) -> np.random.SeedSequence:
    """The random stream of one ``purpose`` (e.g. ``"train/epoch_order"``) at ``path`` (epoch,
    step, ...): its first spawn key is a hash of the purpose's name, so streams of different
    purposes never coincide, whatever their paths."""
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(purpose.encode()), *path))


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


MAX_JSON_DEPTH = 200  # deeper JSON is refused before the parser can hit Python's recursion limit


def check_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` as a Path when it is an existing regular file, else one clear error."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} {str(p)!r} is a folder, not a file; give the path of the file")
    if not p.is_file():
        raise InputError(f"{what} {str(p)!r} does not exist; check the path")
    return p


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """The UTF-8 text of ``path``; binary or UTF-16 files and unreadable paths are one clear error."""
    p = check_file(path, what)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{what} {str(p)!r} cannot be read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise InputError(f"{what} {str(p)!r} is not UTF-8 text{hint}: byte {data[e.start]:#04x} "
                         f"at offset {e.start}; save it as UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{what} {str(p)!r} holds NUL bytes (a binary file?); give a text file")
    return text.removeprefix("\ufeff")


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets in ``text`` nest at most ``limit`` deep (strings are skipped)."""
    if text.count("[") + text.count("{") <= limit:  # cannot nest deeper: skip the scan
        return True
    depth, in_str, escape = 0, False, False
    for ch in text:
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(text: str, what: str = "JSON") -> Any:
    """``json.loads`` with one clear error for invalid, too-deep or duplicate-key JSON."""
    if not json_depth_ok(text):
        raise InputError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels; flatten it")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise InputError(f"{what} has the key {k!r} twice; keep one")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates,
                          parse_constant=lambda c: _bad_constant(c, what))
    except json.JSONDecodeError as e:
        raise InputError(f"{what} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except InputError:
        raise
    except ValueError as e:  # an integer of 4,300+ digits, which int() refuses
        raise InputError(f"{what} is not valid JSON here: {show_value(str(e))}") from None


def _bad_constant(name: str, what: str) -> Any:
    raise InputError(f"{what} holds {name}, which is not a JSON number; use a finite number")


def read_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    """The parsed JSON of ``path``, every failure one :class:`InputError`."""
    return parse_json(read_text(path, what), f"{what} {str(path)!r}")
