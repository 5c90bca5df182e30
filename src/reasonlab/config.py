"""YAML configs with dotted command-line overrides, validated by pydantic.

A file may start from another with ``base: other.yaml`` (a path relative to the file): the
base is read first (recursively) and the file's own keys are merged over it, section by section.
``load_config(path, ["a.b=3", "seed=7"])`` reads the YAML mapping, applies each override (the
value is parsed as YAML, so ``3``, ``[5, 10]`` and ``true`` have their types) and returns the
mapping; the caller validates it with its pydantic model (:func:`validate`). Every problem raises
:class:`ConfigError` with one message naming the field, the value and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .validation import InputError, describe, read_text, show_value

M = TypeVar("M", bound=BaseModel)


class ConfigError(InputError):
    """A config file, field or override that cannot be used as given."""


class YAMLSyntaxError(ConfigError):
    """Text that is not YAML at all (an override's value is then taken as a plain string)."""


def read_yaml(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The mapping in ``path``, merged over its ``base:`` file if it names one."""
    p = Path(path)
    try:
        data = parse_yaml(read_text(p, "config file"), f"config file {str(p)!r}")
    except InputError as e:
        raise ConfigError(str(e)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r} must hold a mapping (key: value lines), "
                          f"not a {type(data).__name__}")
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(f"config file {str(p)!r}: field base = {base!r} must be a file path")
    here = p.resolve()
    if here in _chain:
        raise ConfigError(f"config file {str(p)!r}: base files form a cycle; remove one base:")
    return _merge(read_yaml(p.parent / base, (*_chain, here)), data)


def parse_yaml(text: str, what: str) -> Any:
    """``yaml.safe_load`` with one clear error for invalid or too deeply nested YAML."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as e:
        raise ConfigError(f"{what}: the key {show_value(e.key)} is given twice (line {e.line}); "
                          "keep one") from None
    except yaml.YAMLError as e:
        raise YAMLSyntaxError(f"{what} is not valid YAML: {' '.join(str(e).split())}") from None
    except RecursionError:
        raise ConfigError(f"{what} nests too deeply to read; flatten it") from None
    except ValueError as e:  # e.g. an integer of 4,300+ digits, which int() refuses
        raise ConfigError(f"{what} cannot be read: {show_value(str(e))}") from None
    _check_size(data, what)
    return data


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping key given twice (plain YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) or key is None:
                    if key in seen:
                        raise _DuplicateKey(key, key_node.start_mark.line + 1)
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


MAX_NODES = 1_000_000  # values in one config, counting each use of a YAML alias again


def _check_size(data: Any, what: str) -> None:
    """Refuse structures that expand past :data:`MAX_NODES` (YAML aliases of aliases can make a
    few lines mean billions of values) or nest past 100 levels."""
    stack, seen = [(data, 0)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise ConfigError(f"{what} expands to more than {MAX_NODES:,} values (aliases of aliases?); "
                              "write it out plainly")
        if depth > 100:
            raise ConfigError(f"{what} nests deeper than 100 levels; flatten it")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.sub=value`` overrides applied."""
    out = yaml.safe_load(yaml.safe_dump(data))  # deep copy of plain data
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key or any(not part for part in key.split(".")):
            raise ConfigError(f"override {item!r} must look like field.sub=value, e.g. seed=7")
        try:
            value = parse_yaml(raw, f"override {show_value(item)}") if raw.strip() else raw
        except YAMLSyntaxError:
            value = raw
        node = out
        *parents, last = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: field {part!r} is not a section")
            node = child
        node[last] = value
    return out


def validate(model: type[M], data: dict[str, Any], source: str = "config") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ConfigError(describe(e, source)) from None


def to_yaml(config: BaseModel) -> str:
    """The resolved config as YAML (round-trips through :func:`validate`)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
