"""Prompt templates with named placeholders, filled without ``str.format``.

``str.format`` evaluates attribute and index lookups (``{graph.__class__}`` renders
``<class 'str'>``) and raises ``KeyError``/``ValueError`` on a typo. Here a template holds plain
``{name}`` placeholders from a declared set and ``{{``/``}}`` for literal braces; anything else is
one clear error when the config is validated, and filling is a plain substitution.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders(template: str, allowed: Collection[str], field: str = "") -> set[str]:
    """The placeholder names in ``template``; raises ValueError naming ``field`` for a name not
    in ``allowed``, a lookup like ``{a.b}``/``{a[0]}``/``{a!r}``, or a lone brace."""
    where = f"{field}: " if field else ""
    names = set()
    for m in _TOKEN.finditer(template):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if m.group(1) is None:
            raise ValueError(f"{where}lone {token!r} at character {m.start()}; write {token * 2} "
                             "for a literal brace")
        name = m.group(1)
        if name not in allowed:
            raise ValueError(f"{where}placeholder {token} is not one of "
                             f"{', '.join('{' + a + '}' for a in sorted(allowed))}; write {{{{ and }}}} "
                             "for literal braces")
        names.add(name)
    return names


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` (checked beforehand by
    :func:`placeholders`) and ``{{``/``}}`` by single braces."""

    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if m.group(1) is None or m.group(1) not in values:
            raise ValueError(f"template placeholder {token} has no value")
        return str(values[m.group(1)])

    return _TOKEN.sub(sub, template)
