"""Boolean worlds: what the rules language of :mod:`.rules` describes, and reading one in.

A :class:`World` is inputs, optional exogenous noise bits, ordered outputs ``name = expression``
(an output may use inputs, noise and other outputs, as long as there is no cycle) and summary
lines; it checks its names and rules when built and runs them in dependency order.
:func:`world_from_dict` and :func:`world_from_yaml` read one from a mapping or a YAML file,
refusing each malformed field with a :class:`~.rules.RuleError` that names the source and the
field. :data:`SEED_WORLD` is the world of the original causal-experiment project
(docs/origins.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from typing import Any

from ...config import parse_yaml
from ...validation import show_value
from .rules import Expr, RuleError, evaluate, is_variable_name, names_in, parse_rule, parse_summary, shorten


def _listing(names: list[str] | set[str], n: int = 12) -> str:
    """``['A', 'B', ...]`` with at most ``n`` names, for messages."""
    items = sorted(names)
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return f"{[shorten(x) for x in items[:n]]}{more}"


def _check_name(name: Any, world: str) -> None:
    """Refuse a variable name the rules language could not read back."""
    if not is_variable_name(name):
        raise RuleError(f"world {world}: {show_value(name)} is not a usable variable name; use letters, "
                        "digits and _ (first a letter or _, no '__'), not AND/OR/XOR/NOT or sum")


@dataclass(frozen=True)
class World:
    """A boolean world: ``inputs``, hidden ``noise`` bits, ordered ``rules`` (output -> text)
    and ``summary`` lines, joined by ``separator`` in the completion."""

    inputs: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]
    noise: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()
    separator: str = " - "
    name: str = "world"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for n in (*self.inputs, *self.noise, *self.outputs):
            _check_name(n, self.name)
            if n in seen:
                raise RuleError(f"world {self.name}: variable {n!r} is defined twice; give each input, "
                                "noise bit and output its own name")
            seen.add(n)
        if not self.inputs or not self.rules:
            raise RuleError(f"world {self.name}: needs at least one input and one rule")
        known = set(self.inputs) | set(self.noise) | set(self.outputs)
        for (out, text), expr in zip(self.rules, self.exprs.values(), strict=True):
            unknown = names_in(expr) - known
            if unknown:
                raise RuleError(f"world {self.name}: rule {out} = {shorten(text, 60)} uses unknown "
                                f"variable(s) {_listing(unknown)}; known are {_listing(known)}")
        for k, expr in enumerate(self.summary_exprs):
            unknown = names_in(expr) - known
            if unknown:
                raise RuleError(f"world {self.name}: summary line {k + 1} uses unknown variable(s) "
                                f"{_listing(unknown)}; known are {_listing(known)}")
        _ = self.order  # raises on cycles

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(o for o, _ in self.rules)

    @cached_property
    def exprs(self) -> dict[str, Expr]:
        return {o: parse_rule(text, f"rule {o}") for o, text in self.rules}

    @cached_property
    def summary_exprs(self) -> tuple[Expr, ...]:
        return tuple(parse_summary(s, f"summary line {k + 1}") for k, s in enumerate(self.summary))

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Outputs in an order where every output comes after the outputs it uses."""
        outs = set(self.outputs)
        deps = {o: names_in(e) & outs for o, e in self.exprs.items()}
        try:
            return tuple(TopologicalSorter(deps).static_order())
        except CycleError as e:
            cycle = shorten(" -> ".join(e.args[1]), 200)
            raise RuleError(f"world {self.name}: the rules form a cycle ({cycle}); an output may "
                            "only use outputs that do not depend on it") from None

    def run(self, inputs: Mapping[str, int], noise: Mapping[str, int] | None = None,
            do: Mapping[str, int] | None = None) -> dict[str, int]:
        """Every variable's value: inputs, noise, then the outputs (``do`` overrides rules)."""
        env = dict(inputs) | dict(noise or {})
        do = dict(do or {})
        for out in self.order:
            env[out] = do[out] if out in do else evaluate(self.exprs[out], env)
        return env

    def summarise(self, env: Mapping[str, int]) -> list[int]:
        return [evaluate(e, env) for e in self.summary_exprs]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "inputs": list(self.inputs)}
        if self.noise:
            out["noise"] = list(self.noise)
        out["rules"] = dict(self.rules)
        out["summary"] = list(self.summary)
        out["separator"] = self.separator
        return out


_WORLD_FIELDS = ("name", "inputs", "noise", "rules", "summary", "separator")
_WORLD_EXAMPLE = "e.g. {inputs: [A, B], rules: {newA: A AND NOT B}}"


def _kind(value: Any) -> str:
    """What a YAML value is, for messages: 'nothing', 'a list', 'text', ..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, int | float):
        return f"a number ({show_value(value)})"
    if isinstance(value, str):
        return f"text ({show_value(value)})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _names(data: Mapping[str, Any], key: str, source: str) -> tuple[str, ...]:
    """Field ``key``: a list of names, or one comma-separated line of them."""
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise RuleError(f"{source}: field {key} must be a list of names, e.g. [A, B, C], not {_kind(value)}")
    for v in value:
        if not isinstance(v, str):
            raise RuleError(f"{source}: field {key} holds {_kind(v)}, not a name; write names such as A "
                            "or x_1 (quote them if YAML reads them otherwise)")
    return tuple(value)


def _rule_text(output: str, value: Any, source: str) -> str:
    """The expression text of one rule; empty, true/false and non-text values are refused."""
    name = shorten(output)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleError(f"{source}: the rule of output {name} is empty; write its expression, "
                        f"e.g. {name}: A AND NOT B")
    if isinstance(value, bool):
        raise RuleError(f"{source}: the rule of output {name} is {value} (YAML reads yes/no/true/false "
                        "so); write 1 or 0, or quote the expression")
    if isinstance(value, int) and value in (0, 1):
        return str(value)
    if not isinstance(value, str):
        raise RuleError(f"{source}: the rule of output {name} is {_kind(value)}, not an expression; "
                        f"write it as text, e.g. {name}: A AND NOT B")
    return value


def _rules(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    """Field ``rules``: output name -> expression text, in order."""
    if not isinstance(value, Mapping) or not value:
        raise RuleError(f"{source}: field rules must map each output to its expression, "
                        f"e.g. {{newA: A XOR C}}, not {_kind(value) if value or value is None else 'empty'}")
    rules = []
    for output, text in value.items():
        if not isinstance(output, str):
            raise RuleError(f"{source}: field rules: the output name {show_value(output)} is not a name; "
                            "write names such as newA (quote them if YAML reads them otherwise)")
        rules.append((output, _rule_text(output, text, source)))
    return tuple(rules)


def _summary(value: Any, source: str) -> tuple[str, ...]:
    """Field ``summary``: one line or a list of integer expressions."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise RuleError(f"{source}: field summary must be a list of lines such as sum(A+B), "
                        f"not {_kind(value)}")
    lines = []
    for k, line in enumerate(value):
        if isinstance(line, int) and not isinstance(line, bool):
            line = str(line)
        if not isinstance(line, str):
            raise RuleError(f"{source}: summary line {k + 1} is {_kind(line)}; write it as text such as "
                            "sum(A+B)")
        lines.append(line)
    return tuple(lines)


def _line(data: Mapping[str, Any], key: str, source: str, default: str) -> str:
    """Field ``key``: one line of text (a number is read as its text)."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        raise RuleError(f"{source}: field {key} must be one line of text, not {_kind(value)}")
    return value


def world_from_dict(data: Mapping[str, Any], source: str = "world") -> World:
    """A world from its mapping (``inputs``, ``rules`` as an ordered mapping, ``noise``,
    ``summary``, ``separator``, ``name``); problems raise :class:`RuleError` naming ``source``
    and the field."""
    if not isinstance(data, Mapping):
        raise RuleError(f"{source}: a world is a mapping with inputs and rules, not {_kind(data)}; "
                        f"{_WORLD_EXAMPLE}")
    extra = [str(k) for k in data if k not in _WORLD_FIELDS]
    if extra:
        raise RuleError(f"{source}: unknown field(s) {_listing(extra)}; a world has "
                        f"{', '.join(_WORLD_FIELDS)}")
    for key in ("inputs", "rules"):
        if data.get(key) is None:
            raise RuleError(f"{source}: field {key} is missing or empty; {_WORLD_EXAMPLE}")
    name = _line(data, "name", source, source)
    try:
        return World(inputs=_names(data, "inputs", source), noise=_names(data, "noise", source),
                     rules=_rules(data["rules"], source), summary=_summary(data.get("summary"), source),
                     separator=_line(data, "separator", source, " - "), name=name)
    except RuleError as e:
        if str(e).startswith((source, f"world {source}:")):  # already names where it is
            raise
        raise RuleError(f"{source}: {e}") from None


def world_from_yaml(text: str, source: str = "world file") -> World:
    """A world from YAML text: invalid or too deeply nested YAML, a key given twice, an empty
    document or one that is not a mapping are each one :class:`InputError` naming ``source``."""
    data = parse_yaml(text, source)
    if data is None:
        raise RuleError(f"{source} holds no world (it is empty); write a mapping with inputs and rules, "
                        f"{_WORLD_EXAMPLE}")
    return world_from_dict(data, source)


SEED_WORLD = World(
    name="causal-experiment",
    inputs=("A", "B", "C", "D", "E"),
    rules=(("newA", "A XOR C"), ("newB", "NOT D"), ("newC", "B AND E"), ("newD", "A OR newB")),
    summary=("sum(A+B+C+D+E)", "sum2(newA+newB+newC+newD)"),
)
