"""Reading and writing discrete models in the BIF interchange format.

BIF is how the classic benchmark networks (asia, sachs, alarm, child, insurance, ...) are
distributed. The reader takes the subset of the format those files use: ``network`` and
``variable`` blocks (``type discrete [ k ] { states }``, ``property`` lines ignored) and
``probability`` blocks with per-configuration rows ``(s1, s2) p, q;``, ``table`` and ``default``.
A ``table`` with parents is read child-major (all parent configurations for the first child state,
then the next), as pgmpy reads and writes it. The writer always uses explicit rows, so files it
writes are unambiguous. Floats are written with ``repr`` and therefore round-trip exactly.

The reader is strict where a lenient one would silently change the model: a second ``variable``
or ``probability`` block for a name, a row given twice, a ``table`` after rows, two ``default``
lines, a repeated or empty state name, a number that is not a finite non-negative probability
and a parent configuration left without a row or a default are each a :class:`ModelError` that
names the variable and the line. Table sizes are checked against the limits ``nodes``,
``cpt_cells`` and ``model_cells`` (:mod:`reasonlab.validation`) before a table is allocated.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from ..validation import InputError, check_limit, read_text
from ..validation import show_value as _q
from .dag import DAG
from .discrete import DiscreteSCM
from .errors import ModelError, cells

# comments (an unterminated /* runs to the end and is reported), punctuation, words
_TOKEN = re.compile(r"//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)|[{}()\[\]|,;]|[^\s{}()\[\]|,;]+")
_PUNCTUATION = frozenset("{}()[]|,;")


def _row(labels: list[str]) -> str:
    """``(s1, s2)`` for messages, cut to 80 characters."""
    text = "(" + ", ".join(labels) + ")"
    return text if len(text) <= 80 else text[:76] + "...)"


class _Tokens:
    """The tokens of a BIF text with their line numbers, and the reader's cursor."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.items: list[tuple[str, int]] = []
        line, last = 1, 0
        for m in _TOKEN.finditer(text):
            line += text.count("\n", last, m.start())
            last = m.start()
            tok = m.group(0)
            if tok.startswith("/*") and (len(tok) < 4 or not tok.endswith("*/")):
                raise ModelError(f"{source}, line {line}: a comment '/*' is never closed; end it with '*/'")
            if not tok.startswith(("//", "/*")):
                self.items.append((tok, line))
        self.i = 0

    def line(self) -> int:
        """Line of the next token (of the last one at the end of the file)."""
        return self.items[min(self.i, len(self.items) - 1)][1] if self.items else 1

    def error(self, message: str, line: int | None = None) -> ModelError:
        return ModelError(f"{self.source}, line {self.line() if line is None else line}: {message}")

    def peek(self) -> str | None:
        return self.items[self.i][0] if self.i < len(self.items) else None

    def next(self) -> str:
        if self.i >= len(self.items):
            raise self.error("unexpected end of file (a block is not closed?)")
        self.i += 1
        return self.items[self.i - 1][0]

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            self.i -= 1
            raise self.error(f"expected {_q(tok)}, found {_q(got)}")

    def name(self, what: str) -> str:
        """A word (a variable name), not punctuation."""
        tok = self.next()
        if tok in _PUNCTUATION:
            self.i -= 1
            raise self.error(f"expected {what}, found {_q(tok)}")
        return tok

    def words_until(self, *stops: str) -> list[str]:
        """Comma-separated items (multi-word items joined by a space) up to one of ``stops``."""
        items: list[str] = []
        cur: list[str] = []
        while (tok := self.next()) not in stops:
            if tok == ",":
                items.append(" ".join(cur))
                cur = []
            elif tok in _PUNCTUATION:
                self.i -= 1
                raise self.error(f"expected {' or '.join(map(repr, stops))}, found {_q(tok)}")
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

    def skip_statement(self) -> None:
        """A ``property ...;`` line."""
        while self.next() != ";":
            pass

    def probabilities(self, child: str) -> np.ndarray:
        """The numbers up to ``;``: each a finite, non-negative number."""
        line = self.line()
        words = self.words_until(";")
        self.expect(";")
        out = []
        for v in (v for w in words for v in w.split()):
            try:
                x = float(v)
            except ValueError:
                raise self.error(f"{_q(v)} in the probabilities of {_q(child)} is not a number",
                                 line) from None
            if not (math.isfinite(x) and x >= 0):
                raise self.error(f"{_q(v)} in the probabilities of {_q(child)} is not a finite probability; "
                                 "use a number from 0 to 1", line)
            out.append(x)
        return np.array(out, dtype=np.float64)


class _Reader:
    """What the blocks read so far declared: states and tables per variable, with their lines."""

    def __init__(self, t: _Tokens) -> None:
        self.t = t
        self.states: dict[str, list[str]] = {}
        self.tables: dict[str, tuple[list[str], np.ndarray]] = {}
        self.lines: dict[tuple[str, str], int] = {}  # (block kind, variable) -> line
        self.cells = 0

    def declare(self, kind: str, name: str, line: int) -> None:
        """Record a ``variable`` or ``probability`` block of ``name``; the second one is an error."""
        first = self.lines.setdefault((kind, name), line)
        if first != line or (name in self.states if kind == "variable" else name in self.tables):
            raise self.t.error(f"a second {kind} block for {_q(name)} (the first is at line {first}); "
                               f"keep one {kind} block per variable", line)


def _states(t: _Tokens, name: str) -> list[str]:
    """``discrete [ k ] { s1, ..., sk } ;`` after ``type``."""
    if (kind := t.next()) != "discrete":
        raise t.error(f"variable {_q(name)} has type {_q(kind)}; only discrete variables are supported")
    t.expect("[")
    count = t.next()
    try:
        k = int(count)
    except ValueError:
        raise t.error(f"variable {_q(name)}: the state count [ {_q(count)} ] is not a whole number") from None
    t.expect("]")
    if k < 1:
        raise t.error(f"variable {_q(name)} declares {k} states; a variable needs at least one")
    t.expect("{")
    labels = t.words_until("}")
    t.expect("}")
    t.expect(";")
    if "" in labels:
        raise t.error(f"variable {_q(name)} has an empty state name (two commas in a row?)")
    dup = next((s for s, c in Counter(labels).items() if c > 1), None)
    if dup is not None:
        raise t.error(f"duplicate state {_q(dup)} of variable {_q(name)}: state names must be distinct")
    if len(labels) != k:
        raise t.error(f"variable {_q(name)} declares {k} states but lists {len(labels)}")
    return labels


def _variable(r: _Reader) -> None:
    t = r.t
    line = t.line()
    name = t.name("a variable name")
    r.declare("variable", name, line)
    check_limit("nodes", f"{t.source}, line {line}: variables in the model", len(r.states) + 1,
                "use a smaller model")
    t.expect("{")
    labels: list[str] | None = None
    while (tok := t.next()) != "}":
        if tok == "type":
            if labels is not None:
                raise t.error(f"variable {_q(name)} declares its type twice; keep one 'type' line")
            labels = _states(t, name)
        else:  # property ... ;
            t.skip_statement()
    if labels is None:
        raise t.error(f"variable {_q(name)} has no 'type discrete [ k ] {{ ... }};' line", line)
    r.states[name] = labels


def _family(r: _Reader, line: int) -> tuple[str, list[str]]:
    """``( child | p1, p2 )`` of a probability block, checked against the declared variables."""
    t = r.t
    t.expect("(")
    child = t.name("the variable of the probability block")
    parents: list[str] = []
    if t.peek() == "|":
        t.next()
        parents = t.words_until(")")
    t.expect(")")
    r.declare("probability", child, line)
    for v in (child, *parents):
        if v not in r.states:
            raise t.error(f"probability block uses undeclared variable {_q(v)}; declare it in a "
                          "variable block", line)
    dup = next((p for p, c in Counter(parents).items() if c > 1), None)
    if dup is not None:
        raise t.error(f"probability block of {_q(child)} lists the parent {_q(dup)} twice", line)
    if child in parents:
        raise t.error(f"probability block of {_q(child)} lists {_q(child)} as its own parent", line)
    return child, parents


def _row_index(t: _Tokens, r: _Reader, child: str, parents: list[str], labels: list[str]) -> int:
    """Row (first parent slowest) of the parent states ``labels`` of a ``( ... )`` line."""
    if len(labels) != len(parents):
        raise t.error(f"row {_row(labels)} of {_q(child)} names {len(labels)} parent states, "
                      f"expected {len(parents)} (one for each of {_q(parents)})")
    row = 0
    for p, s in zip(parents, labels, strict=True):
        states = r.states[p]
        if s not in states:
            raise t.error(f"row {_row(labels)} of {_q(child)}: {_q(s)} is not a state of {_q(p)} "
                          f"(it has {_q(states)})")
        row = row * len(states) + states.index(s)
    return row


def _probability(r: _Reader) -> None:
    t = r.t
    line = t.line()
    child, parents = _family(r, line)
    k = len(r.states[child])
    rows = math.prod(len(r.states[p]) for p in parents)
    check_limit("cpt_cells", f"{t.source}, line {line}: the table of {_q(child)}", cells(rows * k),
                "use fewer parents or states")
    r.cells += rows * k
    check_limit("model_cells", f"{t.source}, line {line}: the tables of the model together", cells(r.cells),
                "use a smaller model")
    cpt = np.zeros((rows, k))
    given = np.zeros(rows, dtype=bool)
    default: np.ndarray | None = None
    t.expect("{")
    while (tok := t.next()) != "}":
        if tok in ("table", "default"):
            vals = t.probabilities(child)
            need = rows * k if tok == "table" else k
            if vals.size != need:
                raise t.error(f"{tok} of {_q(child)} has {vals.size} numbers, expected {need}")
            if tok == "default":
                if default is not None:
                    raise t.error(f"probability block of {_q(child)} has two default lines; keep one")
                default = vals
            else:
                if given.any():
                    raise t.error(f"table of {_q(child)} repeats rows given above; give each row once")
                cpt[:] = vals.reshape(k, rows).T  # child-major, as pgmpy
                given[:] = True
        elif tok == "(":
            labels = t.words_until(")")
            t.expect(")")
            row = _row_index(t, r, child, parents, labels)
            vals = t.probabilities(child)
            if len(vals) != k:
                raise t.error(f"row {_row(labels)} of {_q(child)} has {len(vals)} numbers, expected {k}")
            if given[row]:
                raise t.error(f"row {_row(labels)} of {_q(child)} is given twice; keep one")
            cpt[row], given[row] = vals, True
        elif tok == "property":
            t.skip_statement()
        else:
            raise t.error(f"unexpected {_q(tok)} in probability block of {_q(child)}")
    if not given.all():
        if default is None:
            missing = np.unravel_index(int(np.argmin(given)), [len(r.states[p]) for p in parents])
            labels = [r.states[p][int(s)] for p, s in zip(parents, missing, strict=True)]
            raise t.error(f"probability block of {_q(child)} gives no row for {_row(labels)} and "
                          "no default; add the row or a 'default' line", line)
        cpt[~given] = default
    r.tables[child] = (parents, cpt.reshape(*(len(r.states[p]) for p in parents), k))


def parse_bif(text: str, source: str = "<bif>") -> DiscreteSCM:
    """Parse BIF text into a :class:`DiscreteSCM` (variables in file order). Every problem is a
    :class:`ModelError` naming ``source`` and, where it has one, the line."""
    t = _Tokens(text, source)
    r = _Reader(t)
    while (tok := t.peek()) is not None:
        t.next()
        if tok == "network":
            while t.peek() != "{":
                t.next()
            t.skip_block()
        elif tok == "variable":
            _variable(r)
        elif tok == "probability":
            _probability(r)
        else:
            t.i -= 1
            raise t.error(f"expected 'network', 'variable' or 'probability', found {_q(tok)}")
    return _model(r, source)


def _model(r: _Reader, source: str) -> DiscreteSCM:
    names = list(r.states)
    if not names:
        raise ModelError(f"{source}: no variable blocks; a BIF file declares each variable as "
                         "'variable NAME { type discrete [ k ] { s1, s2 }; }' (is it a BIF file?)")
    missing = [v for v in names if v not in r.tables]
    if missing:
        shown = ", ".join(map(repr, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise ModelError(f"{source}: no probability block for {shown}; add one per variable")
    index = {v: i for i, v in enumerate(names)}
    try:
        dag = DAG(names=tuple(names), parents=tuple(tuple(index[p] for p in r.tables[v][0]) for v in names))
        return DiscreteSCM(dag=dag, states=tuple(tuple(r.states[v]) for v in names),
                           cpts=tuple(r.tables[v][1] for v in names))
    except ModelError as e:
        raise ModelError(f"{source}: {e}") from None


def read_bif(path: str | Path) -> DiscreteSCM:
    """The model in the BIF file ``path`` (unreadable files are one :class:`ModelError`)."""
    try:
        text = read_text(path, "model file")
    except InputError as e:
        raise ModelError(str(e)) from None
    return parse_bif(text, source=str(path))


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
