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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..files import atomic_write_text
from .bif import read_bif, to_bif
from .dag import DAG
from .discrete import DiscreteSCM
from .errors import ModelError
from .gaussian import GaussianSCM

SCM = DiscreteSCM | GaussianSCM
FORMAT = "reasonlab-scm"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
            raise ModelError(f"{source}: variable {v.name!r} has unknown parents {unknown}")
        parents.append(tuple(index[p] for p in v.parents))
    return DAG(names=tuple(names), parents=tuple(parents))


def model_from_dict(data: dict, source: str = "<dict>") -> SCM:
    """Build a model from the JSON schema above (errors name the offending field)."""
    family = data.get("family") if isinstance(data, dict) else None
    schema = {"discrete": _DiscreteFile, "gaussian": _GaussianFile}.get(family)  # type: ignore[arg-type]
    if schema is None:
        raise ModelError(f"{source}: 'family' is {family!r}; it must be 'discrete' or 'gaussian'")
    try:
        doc = schema.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ModelError(f"{source}: field {where}: {err['msg']} (got {err.get('input')!r:.80})") from None
    dag = _dag(source, doc.variables)
    if isinstance(doc, _DiscreteFile):
        cpts = []
        for i, v in enumerate(doc.variables):
            shape = (*tuple(len(doc.variables[p].states) for p in dag.parents[i]), len(v.states))
            arr = np.array(v.cpt, dtype=np.float64)
            if arr.size != int(np.prod(shape)):
                raise ModelError(f"{source}: variable {v.name!r}: cpt has {arr.size} numbers, "
                                 f"expected {int(np.prod(shape[:-1]))} rows of {shape[-1]}")
            cpts.append(arr.reshape(shape))
        return DiscreteSCM(dag=dag, states=tuple(tuple(v.states) for v in doc.variables),
                           cpts=tuple(cpts))
    return GaussianSCM(dag=dag, weights=tuple(np.array(v.weights) for v in doc.variables),
                       intercepts=np.array([v.intercept for v in doc.variables]),
                       sigmas=np.array([v.sigma for v in doc.variables]))


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
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
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
        raise ModelError(f"{path}: unknown model format {path.suffix!r}; use .json or .bif")
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    return reader(path)


def save_model(model: SCM, path: str | Path, meta: dict | None = None) -> Path:
    """Write ``model`` to ``.json`` or ``.bif`` (atomically); returns the path."""
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ModelError(f"{path}: unknown model format {path.suffix!r}; use .json or .bif")
    writer(model, path, meta)
    return path
