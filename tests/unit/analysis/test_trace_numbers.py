"""Arithmetic steps recomputed with their rounding tolerance, and copy errors between the last
computed numbers and the ANSWER."""

from __future__ import annotations

import pytest

from reasonlab.analysis.traces import check_arithmetic, check_copy, split_trace
from reasonlab.analysis.traces.text import numbers


def _slips(text: str):
    return [(s.line, s.expression, s.expected, s.written) for s in check_arithmetic(split_trace(text))]


def test_arithmetic_flags_slips_with_line_and_values():
    text = """THOUGHT PROCESS
P(v1=1) = 0.3 * 0.4 + 0.7 * 0.2 = 0.26
P(v1=1)=0.3*0.4+0.7*0.2=0.27
0.1456 * 0.3 = 0.0447
(0.3)(0.4) = 0.13
0.3 × 0.4 = 0.12, and 0.7 · 0.2 = 0.15.
P(v0=1) = 1 − 0.18 = 0.84
ANSWER
0.5"""
    assert _slips(text) == [
        (3, "0.3*0.4+0.7*0.2 = 0.27", 0.26, 0.27),
        (4, "0.1456 * 0.3 = 0.0447", 0.04368, 0.0447),
        (5, "(0.3)(0.4) = 0.13", 0.12, 0.13),
        (6, "0.7 * 0.2 = 0.15", 0.14, 0.15),
        (7, "1 - 0.18 = 0.84", 0.82, 0.84),
    ]


@pytest.mark.parametrize("step", [
    "0.3 * 0.4 + 0.7 * 0.2 = 0.26",
    "0.3*0.4 + 0.7*0.2 = 0.12 + 0.14 = 0.26",
    "0.1456 * 0.3 = 0.0437",  # 0.04368 rounds to 0.0437
    "0.14558 * 0.3 ≈ 0.0437",
    "0.134 / 0.92 = 0.1457",  # 0.145652...
    "0.12 + 0.14 = 0.27",  # operands rounded from 0.12499 and 0.14499 do sum to 0.27
    "0.3 \\times 0.5 \\approx 0.15",
    "0.1456 + 0.8544 = 1",
    "P(v0=1 | v2=0) = 0.82",  # a value, no step
    "v2=0.5 and P(v3)=0.25",
    "0.2 / 0 = 5",  # division by an interval holding zero: not checked
    "[[0.14, 0.86], [0.18, 0.82]] = 0.5",
])
def test_arithmetic_passes_correct_or_unverifiable_steps(step):
    assert _slips(f"THOUGHT PROCESS\n{step}\nANSWER\n1") == []


def test_arithmetic_tolerance_is_the_rounding_shown():
    # 0.26 written with 2 decimals stands for [0.255, 0.265]
    assert _slips("0.5 * 0.529 = 0.26") == []  # 0.2645 (0.529 +- 0.0005 -> +- 0.00025)
    assert _slips("0.5 * 0.531 = 0.26")[0][2:] == (0.2655, 0.26)
    assert _slips("0.3 * 0.4 + 0.7 * 0.2 = 0.2651")[0][2:] == (0.26, 0.2651)
    # rounded operands at the step's precision: 1 - 0.18 may be 0.8251, which shows as 0.83
    assert _slips("1 - 0.18 = 0.83") == []
    # a rounded operand (4 decimals) widens the product by 0.3 * 0.00005
    slip = check_arithmetic(split_trace("0.1456 * 0.3 = 0.0438"))[0]
    assert slip.tolerance == pytest.approx(0.00005 + 0.3 * 0.00005)


def test_number_tokens_skip_variable_values():
    got = [(n.value, n.decimals) for n in numbers("P(v0=1 | v12=0) = 0.8544, v3 > 0.5, 1e-3 and 3")]
    assert got == [(0.8544, 4), (0.001, 3), (3.0, 0)]


def _copy(text: str):
    c = check_copy(split_trace(text))
    return c.copy_error, c.answer, c.last


def test_copy_distribution_rounded_and_mistyped():
    body = "THOUGHT PROCESS\nNormalise: P(v0*) = [0.1456, 0.8544]\n\nANSWER\n"
    assert _copy(body + "[0.15, 0.85]") == (False, (0.15, 0.85), (0.1456, 0.8544))
    assert _copy(body + "[0.15, 0.83]")[0] is True
    assert _copy(body + "[0.15, 0.15]")[0] is True  # each computed number matches once
    # the complement computed last
    assert _copy("P(v0=0) = 1 - 0.8544 = 0.1456.\nANSWER\n[0.15, 0.85]")[0] is False
    # largest-remainder rounding moves an entry by up to one unit
    assert _copy("p = [0.125, 0.125, 0.75]\nANSWER\n[0.12, 0.13, 0.75]")[0] is False


def test_copy_scalar_and_lines_back():
    assert _copy("So P(v0=1 | do(v4=1)) = 0.8544.\nANSWER\n0.85")[:2] == (False, (0.85,))
    assert _copy("So P(v0=1 | do(v4=1)) = 0.8544.\nANSWER\n0.84")[0] is True
    lines = "P(v0=0) = 0.1456\nP(v0=1) = 1 - 0.1456 = 0.8544\nANSWER: [0.15, 0.85]"
    assert _copy(lines)[0] is False


def test_copy_yes_no_and_no_verdict():
    assert _copy("Compare 0.3074 with 0.2: greater.\n\nANSWER\nyes") == (False, "yes", (0.3074, 0.2))
    assert _copy("Compare 0.3074 with 0.2: greater.\n\nANSWER\nno")[0] is True
    assert _copy("0.2 < 0.31, so\nANSWER\nno")[0] is False
    assert _copy("no numbers here\nANSWER\n[0.5, 0.5]")[0] is None
    assert _copy("P = 0.5 and no answer line")[0] is None
    assert _copy("P = 0.5\nANSWER\nI don't know")[0] is None
