"""GSM8K-style final answers: the number after ``####``, compared exactly.

Extraction (as the SPO thesis's ``envs/gsm8k.py``, docs/origins.md): keep the text after the last
``</think>`` if there is one, then take the first ``#### <answer>`` line. Unlike the thesis, the
answer is compared as a number, exactly (``Fraction``): "42", "42.0", "$42" and "42." all equal
42, while "4" no longer matches "14" or "42" (its substring test ``gold in answer`` did). Its
test is kept as the reward ``seed_substring`` to reproduce its numbers.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .score import Score

_FINAL = re.compile(r"####\s*(.*?)(?:\n|$)")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def final_answer(text: str) -> str | None:
    """The raw answer after ``####`` (after ``</think>`` if present), or None."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    m = _FINAL.search(text)
    return m.group(1).strip() if m else None


def as_number(raw: str) -> Fraction | None:
    """``raw`` as an exact number: commas, a leading ``$`` and a trailing ``.`` or ``%`` dropped."""
    s = raw.strip().replace(",", "").lstrip("$").rstrip(".%").strip()
    if not _NUMBER.match(s):
        return None
    return Fraction(s)


def score_final_number(text: str, gold: str, reward: str = "exact") -> Score:
    """1 when the final answer equals ``gold`` as a number (``reward="seed_substring"``: when
    ``gold`` equals or is a substring of the raw answer, as the thesis scored)."""
    raw = final_answer(text)
    if raw is None:
        return Score(0.0, False, None, "no '#### <answer>' line")
    if reward == "seed_substring":
        ok = gold == raw or gold in raw
        return Score(float(ok), ok, raw)
    got, want = as_number(raw), as_number(gold)
    if got is None:
        return Score(0.0, False, raw, f"final answer {raw!r} is not a number")
    ok = want is not None and got == want
    return Score(float(ok), ok, float(got))


FINAL_ANSWER_REWARDS = ("exact", "seed_substring")
