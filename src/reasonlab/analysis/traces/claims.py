"""Independence claims in a trace, checked by d-separation in the graph the question needs.

Forms recognised (``X``, ``Y`` a variable or ``{a, b}``; ``Z`` a list ``a, b and c`` or ``{a, b}``,
values such as ``a=0`` and ``do(a=1)`` allowed):

* symbols: ``X ⊥ Y | Z``, ``X ⊥⊥ Y``, ``X ⫫ Y``, ``X _||_ Y | Z, W``, ``X \\perp Y \\mid Z``,
  ``X ⊥ Y given Z``;
* words: ``X is (conditionally) independent of Y (given Z)``, ``X is d-separated from Y by Z``,
  ``X and Y are (conditionally) independent (given Z)``, ``Y does not depend on X (given Z)``,
  each optionally led by ``given Z, ...``.

Negated forms (``not independent``, ``⊥̸``, ``\\not\\perp``) are not independence claims. A claim
is skipped, never guessed at, when one of its names is not a variable of the model or its
conditioning set is written in words (``given its parents``, ``given the evidence``).

The check: ``X`` d-separated from ``Y`` given ``Z`` plus the intervened variables (``fixed`` of
:class:`.graphs.QueryGraph`: constants of the mutilated graph or the twin network) unless the
claim is about one of them ("v0 does not depend on v4" under ``do(v4=1)`` asks whether ``v4``
has an effect on ``v0``). A false claim names one open path (:func:`.dsep.describe_path`).
Where the original study had an LLM judge spot "false independence assumptions", this is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dsep import d_separated, describe_path, open_path
from .graphs import QueryGraph
from .text import VAR, VAR_RE, Trace


@dataclass(frozen=True)
class Claim:
    """One independence claim and its verdict."""

    text: str
    line: int
    x: tuple[str, ...]
    y: tuple[str, ...]
    given: tuple[str, ...]
    holds: bool
    open_path: str | None


_STOP = (r"(?:given|and|or|by|so|then|thus|hence|therefore|conditional|conditioned|conditioning|"
         r"when|once|since|because|which|is|are|the|we|it|if|do\s+not|does)")
_ITEM = rf"(?!(?i:{_STOP})\b)(?:do\(\s*)?{VAR}(?:\s*=\s*[\w.+\-]+)?(?:\s*\))?"
# an item is not the subject of the next clause ("..., and v0 is", "v0 and v1 are", "v0 ⊥")
_LAST = r"(?!\s+(?:is|are|and\s+\S+\s+are)\b|\s*(?:⊥|⫫|_\|\|_|\\perp))"
_LIST = rf"(?:\{{[^{{}}\n]*\}}|{_ITEM}{_LAST}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*){_ITEM}{_LAST})*)"
_SET = rf"(?:\{{\s*{VAR}(?:\s*,\s*{VAR})*\s*\}}|(?!(?i:{_STOP})\b){VAR})"
_GIVEN = (r"(?i:given(?:\s+that)?|conditional\s+on|conditioned\s+on|conditioning\s+on|"
          r"when\s+(?:we\s+)?condition(?:ing)?\s+on|once\s+we\s+(?:know|condition\s+on|observe))")
_SYMBOL = (r"(?:⊥⊥|⫫|⊥|_\|\|_|\\perp\s*(?:\\!\s*)*\\perp|\\perp|\\indep(?:endent)?|\\CI)"
           r"(?![\u0338])")
_ADV = r"(?i:(?:also|then|thus|therefore|hence|still|now|both)\s+)?"
_LEAD = rf"(?:{_GIVEN}\s+(?P<z0>{_LIST})\s*,\s*)?"
_TAIL = rf"(?:\s*,?\s*(?:{_GIVEN}|(?i:by))\s+(?P<z>{_LIST}))?"
_KIND = r"(?i:(?:conditionally|marginally|mutually|statistically)\s+)?"

PATTERNS = (
    re.compile(rf"(?P<x>{_SET})\s*{_SYMBOL}\s*(?P<y>{_SET})(?:\s*(?:\||\\mid|{_GIVEN})\s*(?P<z>{_LIST}))?"),
    re.compile(rf"{_LEAD}(?P<x>{_SET})\s+(?i:is|are)\s+{_ADV}{_KIND}"
               rf"(?i:independent\s+(?:of|from)|d-separated\s+from)\s+(?P<y>{_LIST}){_TAIL}"),
    re.compile(rf"{_LEAD}(?P<x>{VAR})\s+(?i:and)\s+(?P<y>{VAR})\s+(?i:are)\s+{_ADV}{_KIND}"
               rf"(?i:independent|d-separated)(?!\s+(?:of|from)\b){_TAIL}"),
    re.compile(rf"{_LEAD}(?P<y>{_SET})\s+(?i:does\s+not|doesn't|do\s+not|don't|cannot|can't)\s+"
               rf"(?i:depend)\s+on\s+(?P<x>{_LIST}){_TAIL}"),
)
_HINTS = ("indep", "depend", "d-sep", "⊥", "⫫", "_||_", "\\perp", "\\ci")  # case-blind filter
_DANGLING = re.compile(rf"\s*,?\s*(?:{_GIVEN}|(?i:by)\b)")
_ITEM_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\s+|&\s*)\s*")


def _ids(graph: QueryGraph, group: str | None) -> list[int] | None:
    """Ids of the variables of a matched group (None: some item is not a variable)."""
    if not group:
        return []
    out = []
    for item in _ITEM_SPLIT.split(group.strip().strip("{}").strip()):
        if not item:
            continue
        is_do = item.startswith("do(")
        m = VAR_RE.match(item[3:].lstrip() if is_do else item)
        name = m.group(0) if m else ""
        if is_do and graph.rung == 3 and not name.endswith("*"):
            name += "*"  # the intervened copy of the twin network
        v = graph.resolve(name)
        if v is None:
            return None
        out.append(v)
    return out


def _check(graph: QueryGraph, match: re.Match, trace: Trace, offset: int) -> Claim | None:
    xs, ys = _ids(graph, match["x"]), _ids(graph, match["y"])
    zs, z0 = _ids(graph, match["z"]), _ids(graph, match.groupdict().get("z0"))
    if xs is None or ys is None or zs is None or z0 is None or not xs or not ys:
        return None
    if not match["z"] and _DANGLING.match(trace.thought, match.end()):
        return None  # "given the evidence": a conditioning set we cannot read
    zs = list(dict.fromkeys(z0 + zs))
    sx, sy, sz = set(xs), set(ys), set(zs)
    if sx & sy or (sx | sy) & sz:
        return None
    observed = sz | (set(graph.fixed) - sx - sy)
    holds = d_separated(graph.parents, graph.children, sx, sy, observed)
    shown = None
    if not holds:
        path = open_path(graph.parents, graph.children, sorted(sx), sy, observed)
        shown = describe_path(path, graph.parents, graph.names, observed) if path else None
    names = graph.names
    return Claim(text=match.group(0).strip(), line=trace.line_of(offset + match.start()),
                 x=tuple(names[v] for v in xs), y=tuple(names[v] for v in ys),
                 given=tuple(names[v] for v in zs), holds=holds, open_path=shown)


def find_claims(trace: Trace, graph: QueryGraph) -> tuple[Claim, ...]:
    """Every independence claim of the reasoning part of ``trace``, checked on ``graph``."""
    text = trace.thought
    if not trace.has_any(_HINTS):
        return ()
    out: dict[tuple, tuple[int, Claim]] = {}
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            claim = _check(graph, m, trace, 0)
            if claim is not None:
                key = (claim.line, frozenset(claim.x) | frozenset(claim.y), frozenset(claim.given))
                out.setdefault(key, (m.start(), claim))
    return tuple(claim for _, claim in sorted(out.values(), key=lambda item: item[0]))
