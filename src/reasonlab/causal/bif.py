"""Reading and writing discrete models in the BIF interchange format.

BIF is how the classic benchmark networks (asia, sachs, alarm, child, insurance, ...) are
distributed. The reader takes the subset of the format those files use: ``network`` and
``variable`` blocks (``type discrete [ k ] { states }``, ``property`` lines ignored) and
``probability`` blocks with per-configuration rows ``(s1, s2) p, q;``, ``table`` and ``default``.
A ``table`` with parents is read child-major (all parent configurations for the first child state,
then the next), as pgmpy reads and writes it. The writer always uses explicit rows, so files it
writes are unambiguous. Floats are written with ``repr`` and therefore round-trip exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .dag import DAG
from .discrete import DiscreteSCM
from .errors import ModelError

_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|[{}()\[\]|,;]|[^\s{}()\[\]|,;]+", re.S)


class _Tokens:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.items = [(m.group(0), text.count("\n", 0, m.start()) + 1)
                      for m in _TOKEN.finditer(text) if not m.group(0).startswith(("//", "/*"))]
        self.i = 0

    def error(self, message: str) -> ModelError:
        line = self.items[min(self.i, len(self.items) - 1)][1] if self.items else 1
        return ModelError(f"{self.source}, line {line}: {message}")

    def peek(self) -> str | None:
        return self.items[self.i][0] if self.i < len(self.items) else None

    def next(self) -> str:
        if self.i >= len(self.items):
            raise self.error("unexpected end of file")
        self.i += 1
        return self.items[self.i - 1][0]

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            self.i -= 1
            raise self.error(f"expected {tok!r}, found {got!r}")

    def words_until(self, *stops: str) -> list[str]:
        """Comma-separated items (multi-word items joined by a space) up to one of ``stops``."""
        items, cur = [], []
        while (tok := self.next()) not in stops:
            if tok == ",":
                items.append(" ".join(cur))
                cur = []
            else:
                cur.append(tok)
        if cur:
            items.append(" ".join(cur))
        self.i -= 1
        return items

    def skip_block(self) -> None:
        depth = 0
        while True:
            tok = self.next()
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0 and tok == "}":
                return

    def numbers(self) -> list[float]:
        vals = self.words_until(";")
        self.expect(";")
        try:
            return [float(v) for w in vals for v in w.split()]
        except ValueError:
            raise self.error(f"expected probabilities, found {vals}") from None


def _variable(t: _Tokens, states: dict[str, list[str]]) -> None:
    name = t.next()
    t.expect("{")
    while (tok := t.next()) != "}":
        if tok == "type":
            if t.next() != "discrete":
                raise t.error(f"variable {name!r}: only discrete variables are supported")
            t.expect("[")
            k = int(t.next())
            t.expect("]")
            t.expect("{")
            labels = t.words_until("}")
            t.expect("}")
            t.expect(";")
            if len(labels) != k:
                raise t.error(f"variable {name!r} declares {k} states but lists {len(labels)}")
            states[name] = labels
        else:  # property ... ;
            while t.next() != ";":
                pass


def _probability(t: _Tokens, states: dict[str, list[str]],
                 tables: dict[str, tuple[list[str], np.ndarray]]) -> None:
    t.expect("(")
    child = t.next()
    parents: list[str] = []
    if t.peek() == "|":
        t.next()
        parents = t.words_until(")")
    t.expect(")")
    for v in (child, *parents):
        if v not in states:
            raise t.error(f"probability block uses undeclared variable {v!r}")
    cards = [len(states[p]) for p in parents]
    k = len(states[child])
    cpt = np.full((*cards, k), np.nan)
    t.expect("{")
    while (tok := t.next()) != "}":
        if tok in ("table", "default"):
            vals = np.array(t.numbers())
            if tok == "table" and vals.size == cpt.size:
                cpt = vals.reshape(k, -1).T.reshape(cpt.shape)  # child-major, as pgmpy
            elif tok == "default" and vals.size == k:
                cpt[np.isnan(cpt[..., 0])] = vals
            else:
                raise t.error(f"{tok} of {child!r} has {vals.size} numbers")
        elif tok == "(":
            labels = t.words_until(")")
            t.expect(")")
            if len(labels) != len(parents):
                raise t.error(f"row of {child!r} names {len(labels)} parent states, "
                              f"expected {len(parents)}")
            try:
                idx = tuple(states[p].index(s) for p, s in zip(parents, labels, strict=True))
            except ValueError:
                raise t.error(f"row {labels} of {child!r} uses an unknown parent state") from None
            vals = t.numbers()
            if len(vals) != k:
                raise t.error(f"row {labels} of {child!r} has {len(vals)} numbers, expected {k}")
            cpt[idx] = vals
        elif tok == "property":
            while t.next() != ";":
                pass
        else:
            raise t.error(f"unexpected {tok!r} in probability block of {child!r}")
    if np.isnan(cpt).any():
        raise t.error(f"probability block of {child!r} leaves some parent configurations unset")
    tables[child] = (parents, cpt)


def parse_bif(text: str, source: str = "<bif>") -> DiscreteSCM:
    """Parse BIF text into a :class:`DiscreteSCM` (variables in file order)."""
    t = _Tokens(text, source)
    states: dict[str, list[str]] = {}
    tables: dict[str, tuple[list[str], np.ndarray]] = {}
    while (tok := t.peek()) is not None:
        t.next()
        if tok == "network":
            while t.peek() != "{":
                t.next()
            t.skip_block()
        elif tok == "variable":
            _variable(t, states)
        elif tok == "probability":
            _probability(t, states, tables)
        else:
            raise t.error(f"expected 'network', 'variable' or 'probability', found {tok!r}")
    names = list(states)
    missing = [v for v in names if v not in tables]
    if not names or missing:
        raise ModelError(f"{source}: no probability block for {missing or 'any variable'}")
    index = {v: i for i, v in enumerate(names)}
    dag = DAG(names=tuple(names), parents=tuple(tuple(index[p] for p in tables[v][0]) for v in names))
    return DiscreteSCM(dag=dag, states=tuple(tuple(states[v]) for v in names),
                       cpts=tuple(tables[v][1] for v in names))


def read_bif(path: str | Path) -> DiscreteSCM:
    return parse_bif(Path(path).read_text(encoding="utf-8"), source=str(path))


def to_bif(model: DiscreteSCM, name: str = "unknown") -> str:
    """BIF text for ``model`` (explicit rows, ``repr`` floats)."""
    lines = [f"network {name} {{", "}"]
    for v, states in zip(model.names, model.states, strict=True):
        lines += [f"variable {v} {{",
                  f"  type discrete [ {len(states)} ] {{ {', '.join(states)} }};", "}"]
    for i, v in enumerate(model.names):
        pa = model.parents[i]
        cpt = model.cpts[i]
        if not pa:
            lines += [f"probability ( {v} ) {{", f"  table {', '.join(map(repr, map(float, cpt)))};"]
        else:
            lines.append(f"probability ( {v} | {', '.join(model.names[p] for p in pa)} ) {{")
            for idx in np.ndindex(*cpt.shape[:-1]):
                labels = ", ".join(model.states[p][s] for p, s in zip(pa, idx, strict=True))
                lines.append(f"  ({labels}) {', '.join(map(repr, map(float, cpt[idx])))};")
        lines.append("}")
    return "\n".join(lines) + "\n"
