"""Loading and saving SCMs: our JSON schema (both families) and BIF (discrete).

JSON schema (``format: reasonlab-scm``, ``version: 1``)::

    {"format": "reasonlab-scm", "version": 1, "family": "discrete",
     "variables": [
       {"name": "v0", "states": ["0", "1"], "parents": [], "cpt": [[0.3, 0.7]]},
       {"name": "v1", "states": ["0", "1"], "parents": ["v0"],
        "cpt": [[0.9, 0.1], [0.2, 0.8]]}],
     "meta": {...}}

``cpt`` has one row per parent configuration, in row-major order of ``parents`` (first parent
slowest), each row a distribution over ``states``. Gaussian variables carry
``{"name", "parents", "weights", "intercept", "sigma"}`` with ``X = intercept + sum_j weights[j] *
parents[j] + sigma * eps``. ``meta`` is free-form and ignored on load. Floats are written with
``repr`` precision, so a save/load round trip is exact. Writes are atomic.

Files are read with :mod:`reasonlab.files` (UTF-8 text, strict JSON: no NaN or Infinity, no
repeated keys, at most 200 levels deep); numbers must be finite, and table sizes are checked
against the limits ``nodes``, ``cpt_cells`` and ``model_cells`` before arrays are built. Every
problem is one :class:`ModelError` naming the file and the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..files import atomic_write_text
from ..validation import InputError, check_limit, parse_json, read_text, show_value
from .bif import read_bif, to_bif
from .dag import DAG
from .discrete import DiscreteSCM
from .errors import ModelError, cells
from .gaussian import GaussianSCM

SCM = DiscreteSCM | GaussianSCM
FORMAT = "reasonlab-scm"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _DiscreteVar(_Strict):
    name: str
    states: list[str] = Field(min_length=1)
    parents: list[str] = []
    cpt: list[list[float]]


class _GaussianVar(_Strict):
    name: str
    parents: list[str] = []
    weights: list[float] = []
    intercept: float = 0.0
    sigma: float


class _DiscreteFile(_Strict):
    format: Literal["reasonlab-scm"]
    version: Literal[1]
    family: Literal["discrete"]
    variables: list[_DiscreteVar] = Field(min_length=1)
    meta: dict[str, Any] = {}


class _GaussianFile(_Strict):
    format: Literal["reasonlab-scm"]
    version: Literal[1]
    family: Literal["gaussian"]
    variables: list[_GaussianVar] = Field(min_length=1)
    meta: dict[str, Any] = {}


def _dag(source: str, variables: list) -> DAG:
    names = [v.name for v in variables]
    index = {n: i for i, n in enumerate(names)}
    parents = []
    for v in variables:
        unknown = [p for p in v.parents if p not in index]
        if unknown:
            raise ModelError(f"{source}: variable {show_value(v.name)} has unknown parents {unknown}")
        parents.append(tuple(index[p] for p in v.parents))
    return DAG(names=tuple(names), parents=tuple(parents))


def model_from_dict(data: dict, source: str = "<dict>") -> SCM:
    """Build a model from the JSON schema above (errors name the offending field)."""
    doc = _document(data, source)
    check_limit("nodes", f"{source}: variables in the model", len(doc.variables), "use a smaller model")
    try:
        dag = _dag(source, doc.variables)
        if isinstance(doc, _DiscreteFile):
            return DiscreteSCM(dag=dag, states=tuple(tuple(v.states) for v in doc.variables),
                               cpts=_cpts(source, doc, dag))
        return GaussianSCM(dag=dag, weights=tuple(np.array(v.weights) for v in doc.variables),
                           intercepts=np.array([v.intercept for v in doc.variables]),
                           sigmas=np.array([v.sigma for v in doc.variables]))
    except ModelError as e:
        message = str(e)
        raise ModelError(message if message.startswith(source) else f"{source}: {message}") from None


def _document(data: object, source: str) -> _DiscreteFile | _GaussianFile:
    """``data`` validated against the schema of its family."""
    if not isinstance(data, dict):
        raise ModelError(f"{source}: a model file must hold a JSON object (a mapping with 'format', "
                         f"'family' and 'variables'), not a {_json_type(data)}")
    family = data.get("family")
    schema = {"discrete": _DiscreteFile, "gaussian": _GaussianFile}.get(family) if isinstance(
        family, str) else None
    if schema is None:
        got = "missing" if "family" not in data else f"{show_value(family)}"
        raise ModelError(f"{source}: 'family' is {got}; it must be 'discrete' or 'gaussian'")
    try:
        return schema.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ModelError(f"{source}: field {where}{_variable_name(data, err['loc'])}: {err['msg']} "
                         f"(got {show_value(err.get('input'))})") from None


def _json_type(data: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null"}.get(type(data), type(data).__name__)


def _variable_name(data: dict, loc: tuple) -> str:
    """`` (variable 'a')`` when ``loc`` points into ``variables[i]`` and that one has a name."""
    if len(loc) < 2 or loc[0] != "variables" or not isinstance(loc[1], int):
        return ""
    variables = data.get("variables")
    item = variables[loc[1]] if isinstance(variables, list) and loc[1] < len(variables) else None
    name = item.get("name") if isinstance(item, dict) else None
    return f" (variable {show_value(name)})" if isinstance(name, str) else ""


def _cpts(source: str, doc: _DiscreteFile, dag: DAG) -> tuple[np.ndarray, ...]:
    """The CPT arrays of a discrete document, sizes checked against the limits first."""
    cpts, total = [], 0
    for i, v in enumerate(doc.variables):
        shape = (*tuple(len(doc.variables[p].states) for p in dag.parents[i]), len(v.states))
        size = math.prod(shape)
        check_limit("cpt_cells", f"{source}: the table of {show_value(v.name)}", cells(size),
                    "use fewer parents or states")
        total += size
        check_limit("model_cells", f"{source}: the tables of the model together", cells(total),
                    "use a smaller model")
        rows = [len(row) for row in v.cpt]
        if len(rows) != size // shape[-1] or any(n != shape[-1] for n in rows):
            bad = next((r for r, n in enumerate(rows) if n != shape[-1]), 0)
            detail = f"it has {len(rows)} rows" if len(rows) != size // shape[-1] else \
                f"row {bad} has {rows[bad]} numbers"
            raise ModelError(f"{source}: variable {show_value(v.name)}: cpt needs {size // shape[-1]} rows "
                             f"(one per parent configuration) of {shape[-1]} numbers; {detail}")
        cpts.append(np.array(v.cpt, dtype=np.float64).reshape(shape))
    return tuple(cpts)


def model_to_dict(model: SCM, meta: dict | None = None) -> dict:
    """The JSON-schema dict of ``model``."""
    out: dict[str, Any] = {"format": FORMAT, "version": 1, "family": model.family}
    variables = []
    for i, name in enumerate(model.names):
        parents = [model.names[p] for p in model.parents[i]]
        if isinstance(model, DiscreteSCM):
            rows = model.cpts[i].reshape(-1, model.cards[i]).tolist()
            variables.append({"name": name, "states": list(model.states[i]), "parents": parents,
                              "cpt": rows})
        else:
            variables.append({"name": name, "parents": parents,
                              "weights": model.weights[i].tolist(),
                              "intercept": float(model.intercepts[i]),
                              "sigma": float(model.sigmas[i])})
    out["variables"] = variables
    if meta:
        out["meta"] = meta
    return out


def _read_json(path: Path) -> SCM:
    try:
        data = parse_json(read_text(path, "model file"), str(path))
    except InputError as e:
        raise ModelError(str(e)) from None
    except ValueError as e:  # json's own limits, e.g. integers of more than 4300 digits
        raise ModelError(f"{path} is not valid JSON: {e}") from None
    return model_from_dict(data, source=str(path))


def _write_json(model: SCM, path: Path, meta: dict | None) -> None:
    atomic_write_text(path, json.dumps(model_to_dict(model, meta), indent=1) + "\n")


def _write_bif(model: SCM, path: Path, meta: dict | None) -> None:
    if not isinstance(model, DiscreteSCM):
        raise ModelError(f"{path}: BIF holds discrete models only; save a Gaussian model as .json")
    atomic_write_text(path, to_bif(model))


_READERS: dict[str, Callable[[Path], SCM]] = {".json": _read_json, ".bif": read_bif}
_WRITERS: dict[str, Callable[[SCM, Path, dict | None], None]] = {
    ".json": _write_json, ".bif": _write_bif}


def load_model(path: str | Path) -> SCM:
    """Read a model from ``.json`` (our schema) or ``.bif``."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ModelError(f"{path}: unknown model format {show_value(path.suffix)}; use .json or .bif")
    if path.is_dir():
        raise ModelError(f"{path}: is a folder, not a model file; give the path of a .json or .bif file")
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    return reader(path)


def save_model(model: SCM, path: str | Path, meta: dict | None = None) -> Path:
    """Write ``model`` to ``.json`` or ``.bif`` (atomically); returns the path."""
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ModelError(f"{path}: unknown model format {show_value(path.suffix)}; use .json or .bif")
    if path.is_dir():
        raise ModelError(f"{path}: is a folder; give the path of the file to write")
    writer(model, path, meta)
    return path
