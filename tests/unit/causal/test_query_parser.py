"""The query grammar: examples, error messages, and property tests (round trip, no crash)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasonlab.causal import Query, QueryError, QuerySyntaxError, parse_query


@pytest.mark.parametrize("text,rung,target,do,cf,ev", [
    ("P(Y)", 1, "Y", (), (), ()),
    ("P(Y | Z=1, W=0)", 1, "Y", (), (), (("Z", "1"), ("W", "0"))),
    ("P( v2|do(v3=1),v0=0 )", 2, "v2", (("v3", "1"),), (), (("v0", "0"),)),
    ("P(Y | do(X=1, W=2), Z=0)", 2, "Y", (("X", "1"), ("W", "2")), (), (("Z", "0"),)),
    ("P(Y | do(X=1), do(W=2))", 2, "Y", (("X", "1"), ("W", "2")), (), ()),
    ("P(Y_{X=1} | X=0, Y=1)", 3, "Y", (), (("X", "1"),), (("X", "0"), ("Y", "1"))),
    ("P(my_var_{X_1=1, W=0} | Z=1)", 3, "my_var", (), (("X_1", "1"), ("W", "0")), (("Z", "1"),)),
    ("P(a__{b=2})", 3, "a_", (), (("b", "2"),), ()),
    ("P(Age | Smoker=\"<5\")", 1, "Age", (), (), (("Smoker", "<5"),)),
])
def test_examples(text, rung, target, do, cf, ev):
    q = parse_query(text)
    assert (q.rung, q.target, q.do, q.counterfactual, q.evidence) == (rung, target, do, cf, ev)
    assert parse_query(str(q)) == q


def test_targets_with_value_and_tail():
    assert parse_query("P(Y=1 | X=0)").target_value == "1"
    q = parse_query("P(Y >= -1.5e-1 | do(X=2.5))")
    assert (q.comparison, q.threshold, q.do) == (">=", -0.15, (("X", "2.5"),))


@pytest.mark.parametrize("text,column,fragment", [
    ("P(Y | do(X=1)", 13, "expected ',' or ')'"),
    ("Q(Y)", 0, "expected 'P'"),
    ("P(Y | X)", 7, "expected '=' after X"),
    ("P(Y | X=)", 8, "expected a value"),
    ("P(Y) and more", 5, "unexpected text"),
    ("P(Y{X=1})", 3, "Y_{X=x}"),
    ("P(Y_{X=1} | do(W=1))", 2, "cannot also have do()"),
    ("P(Y | X=1, X=2)", 2, "more than once"),
    ("P(Y | X=\"open)", 8, "unterminated"),
])
def test_syntax_errors_point_at_the_column(text, column, fragment):
    with pytest.raises(QuerySyntaxError) as err:
        parse_query(text)
    assert err.value.position == column
    assert fragment in str(err.value)


def test_programmatic_construction_and_validation():
    q = Query(target="Y", do={"X": 1}, evidence={"Z": 0.5})
    assert str(q) == "P(Y | do(X=1), Z=0.5)"
    assert q.signature == ("Y", 2, ("X",), ("Z",))
    with pytest.raises(QueryError):
        Query(target="Y", do={"X": 1}, counterfactual={"X": 0})
    with pytest.raises(QueryError):
        Query(target="bad name")


names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s != "do")
values = st.one_of(st.integers(0, 9).map(str), st.from_regex(r"[A-Za-z0-9_.+\-/]{1,5}", fullmatch=True),
                   st.text(alphabet="<>= ab", min_size=1, max_size=4))
assigns = st.dictionaries(names, values, max_size=3)


@settings(max_examples=300, deadline=None)
@given(target=names, do=assigns, cf=assigns, ev=assigns, value=st.one_of(st.none(), values))
def test_round_trip(target, do, cf, ev, value):
    if do and cf:
        cf = {}
    q = Query(target=target, target_value=value, do=do, counterfactual=cf, evidence=ev)
    assert parse_query(str(q)) == q


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="P()|{}_,=<>do XYZ01\"'.-", max_size=30))
def test_garbage_never_crashes_with_anything_but_a_query_error(text):
    with contextlib.suppress(QueryError):
        parse_query(text)
