"""Trainer state on disk without pickle: tensors in safetensors, everything else in JSON.

A checkpoint's trainer state (optimizer, schedule, loss scaler, step, RNG state, data cursor) is
a nested structure of dicts, lists, tuples, numbers, strings, booleans, ``None`` and tensors.
``torch.load`` of a pickle can run arbitrary code, so a crafted run folder could run a command on
``--resume``; this module writes the structure as ``trainer_state.json`` (the tree, with tensors
replaced by references) beside ``trainer_state.safetensors`` (the tensors), and reads it back with
parsers that only ever build plain data. Tags keep what JSON alone would lose: integer dict keys
(optimizer state is keyed by parameter index), tuples, and non-finite floats.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..files import atomic_write_text
from ..validation import InputError, read_json

JSON_NAME = "trainer_state.json"
TENSORS_NAME = "trainer_state.safetensors"
LEGACY_NAME = "trainer_state.pt"
FORMAT = 1


class StateError(InputError):
    """A checkpoint's trainer state that cannot be read back."""


def save_state(state: dict[str, Any], folder: Path) -> None:
    """Write ``state`` into ``folder`` as trainer_state.{json,safetensors}."""
    tensors: dict[str, torch.Tensor] = {}
    tree = _encode(state, tensors)
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(folder / TENSORS_NAME))
    atomic_write_text(folder / JSON_NAME, json.dumps({"format": FORMAT, "state": tree}, allow_nan=False))


def load_state(folder: Path) -> dict[str, Any]:
    """The state saved by :func:`save_state` in ``folder``; one :class:`StateError` otherwise."""
    if not (folder / JSON_NAME).is_file() and (folder / LEGACY_NAME).is_file():
        raise StateError(f"checkpoint {str(folder)!r} holds {LEGACY_NAME}, a pickle that reasonlab no "
                         "longer loads (unpickling can run code); start the run again without --resume")
    try:
        doc = read_json(folder / JSON_NAME, "trainer state")
        tensors = load_file(str(folder / TENSORS_NAME))
    except (InputError, SafetensorError, OSError) as e:
        raise StateError(f"checkpoint {str(folder)!r}: trainer state unreadable ({e}); resume from "
                         "another checkpoint or start again without --resume") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("state"), dict):
        raise StateError(f"checkpoint {str(folder)!r}: {JSON_NAME} is not a format-{FORMAT} trainer state")
    return _decode(doc["state"], tensors, str(folder))


def _encode(x: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(x, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = x
        return {"__tensor__": key}
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else {"__float__": repr(x)}
    if isinstance(x, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in x):
            return {k: _encode(v, tensors) for k, v in x.items()}
        return {"__items__": [[_encode(k, tensors), _encode(v, tensors)] for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v, tensors) for v in x]}
    if isinstance(x, list):
        return [_encode(v, tensors) for v in x]
    raise TypeError(f"trainer state holds a {type(x).__name__}, which has no safe encoding")


def _decode(x: Any, tensors: dict[str, torch.Tensor], where: str) -> Any:
    if isinstance(x, list):
        return [_decode(v, tensors, where) for v in x]
    if not isinstance(x, dict):
        return x
    if "__tensor__" in x:
        key = x["__tensor__"]
        if not isinstance(key, str) or key not in tensors:
            raise StateError(f"checkpoint {where!r}: trainer state names a missing tensor {key!r}")
        return tensors[key]
    if "__float__" in x:
        if x["__float__"] not in ("inf", "-inf", "nan"):
            raise StateError(f"checkpoint {where!r}: bad float tag {x['__float__']!r}")
        return float(x["__float__"])
    if "__tuple__" in x:
        return tuple(_decode(v, tensors, where) for v in _as_list(x["__tuple__"], where))
    if "__items__" in x:
        pairs = _as_list(x["__items__"], where)
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise StateError(f"checkpoint {where!r}: bad dict entries in trainer state")
        return {_key(_decode(k, tensors, where), where): _decode(v, tensors, where) for k, v in pairs}
    return {k: _decode(v, tensors, where) for k, v in x.items()}


def _as_list(x: Any, where: str) -> list:
    if not isinstance(x, list):
        raise StateError(f"checkpoint {where!r}: trainer state tag holds {type(x).__name__}, not a list")
    return x


def _key(k: Any, where: str) -> Any:
    if not isinstance(k, (str, int, float, bool, tuple)) and k is not None:
        raise StateError(f"checkpoint {where!r}: trainer state has an unhashable dict key")
    return k
