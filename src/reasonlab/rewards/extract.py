"""Answer extraction from model output: lists, numbers and yes/no after an ``ANSWER`` marker.

The robust parser (ours) fixes the failure cases of the LLM causal-reasoning study's scorer
(docs/origins.md):

* only the text after the last ``</think>`` counts; an unclosed ``<think>`` is unparsable;
* the marker may be ``ANSWER``, ``ANSWER:``, ``**ANSWER**``, ``**ANSWER:**``, ``Answer:`` ...;
* list entries may be separated by commas with or without spaces;
* the *last* answer block wins (models restate and correct themselves);
* with no marker at all, the last bracketed list (or last number / yes-no) is used, and the
  returned reason says so.

:func:`seed_list` is that study's own extractor (first match of its regex), kept to reproduce
the published reward numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_MARKER = r"(?:\*\*|__)?\s*answer\s*(?:\*\*|__)?\s*[:=]?\s*(?:\*\*|__)?\s*"
_LIST = rf"\[\s*({_NUM}(?:\s*[,;]\s*{_NUM})*)\s*,?\s*\]"
_MARKED_LIST = re.compile(_MARKER + _LIST, re.IGNORECASE)
_ANY_LIST = re.compile(_LIST)
_MARKED_NUM = re.compile(_MARKER + rf"({_NUM})", re.IGNORECASE)
_ANY_NUM = re.compile(_NUM)
_MARKED_YESNO = re.compile(_MARKER + r"\b(yes|no)\b", re.IGNORECASE)
_ANY_YESNO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
_SEED = re.compile(r"ANSWER\s*\[((-?[0-9.])+,\s+)*(-?[0-9.])+\]")


@dataclass(frozen=True)
class Extracted:
    """What was found (``value`` None when nothing) and, if anything is off, why."""

    value: object
    reason: str = ""


def final_text(text: str) -> tuple[str | None, str]:
    """The part of ``text`` an answer is read from: after the last ``</think>``."""
    if "</think>" in text:
        return text.rsplit("</think>", 1)[1], ""
    if "<think>" in text:
        return None, "unclosed <think> block: no final answer"
    return text, ""


def _last(pattern: re.Pattern[str], fallback: re.Pattern[str], text: str, what: str) -> Extracted:
    body, why = final_text(text)
    if body is None:
        return Extracted(None, why)
    found = pattern.findall(body)
    if found:
        return Extracted(found[-1])
    found = fallback.findall(body)
    if found:
        return Extracted(found[-1], f"no ANSWER marker; used the last {what} in the text")
    return Extracted(None, f"no {what} found")


def extract_list(text: str) -> Extracted:
    """The last answer list as floats."""
    got = _last(_MARKED_LIST, _ANY_LIST, text, "list")
    if got.value is None:
        return got
    return Extracted([float(x) for x in re.split(r"\s*[,;]\s*", got.value.strip())], got.reason)


def extract_number(text: str) -> Extracted:
    got = _last(_MARKED_NUM, _ANY_NUM, text, "number")
    return got if got.value is None else Extracted(float(got.value), got.reason)


def extract_yes_no(text: str) -> Extracted:
    got = _last(_MARKED_YESNO, _ANY_YESNO, text, "yes/no")
    return got if got.value is None else Extracted(got.value.lower(), got.reason)


def seed_list(text: str) -> list[float] | None:
    """The study's extractor: first ``ANSWER [a, b]`` with a space after each comma, or None."""
    m = _SEED.search(text)
    if m is None:
        return None
    body = m.group(0)[m.group(0).index("[") + 1 : -1]
    try:
        return [float(x) for x in body.split(",")]
    except ValueError:
        return None
