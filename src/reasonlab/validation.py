"""Turning validation errors into one line a user can act on: field, value, what is expected."""

from __future__ import annotations

from pydantic import ValidationError


def describe(error: ValidationError, source: str = "config") -> str:
    """``source: field a.b = 'x': <message>`` for each problem, one per line."""
    lines = []
    for err in error.errors():
        where = ".".join(str(x) for x in err["loc"]) or "(root)"
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = f" = {value!r:.80}" if not isinstance(value, dict) else ""
        lines.append(f"{source}: field {where}{shown}: {msg}" if err["loc"] else f"{source}: {msg}")
    return "\n".join(lines)
