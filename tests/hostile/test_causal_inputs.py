"""Hostile models, queries and sizes for the causal engine and ``reasonlab causal ...``.

Every refusal is exit 2 with exactly one ``error:`` line naming what is wrong and no traceback:
duplicate BIF blocks, non-finite values in queries (and ``--json`` output that is always strict
JSON), sizes that multiply past the stated limits (refused before anything is allocated), files
that are binary, UTF-16, folders, empty or nested too deeply, out-of-range seeds, and the
misleading messages the probe found. Property tests feed random bytes, text, token soups and
nested structures to every reader the engine owns and accept only our own errors.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.hostile import assert_refused, cli, write_file
from reasonlab.causal import (
    DagConfig,
    DiscreteModelConfig,
    GaussianModelConfig,
    ZeroProbabilityEvidence,
    load_model,
    model_from_dict,
    model_to_dict,
    parse_query,
    query,
    sample,
    sample_model,
)
from reasonlab.causal.bif import parse_bif
from reasonlab.cli import main
from reasonlab.validation import InputError, LimitError

DATA = Path(__file__).parents[1] / "data"
ASIA = DATA / "asia.bif"
ALARM = DATA / "alarm.bif"
SIZE_TIMEOUT = 30  # seconds a refused size may take (the refusal must come before any allocation)


def refused(capsys, argv: list[str], *needles: str) -> str:
    """Run ``reasonlab argv`` in-process: exit 2, one single-line ``error:`` message holding the
    needles, no traceback; returns the message."""
    rc = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    message = assert_refused((rc, err), *needles)
    assert len(err.strip().splitlines()) == 1, err
    return message


def refused_subprocess(*args: str, needles: tuple[str, ...] = (), env: dict[str, str] | None = None) -> str:
    """The same through the console script, bounded by :data:`SIZE_TIMEOUT`."""
    result = cli(*args, timeout=SIZE_TIMEOUT, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    message = assert_refused(result, *needles)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return message


def strict_json(text: str) -> object:
    """``json.loads`` that refuses NaN / Infinity tokens."""
    def bad(name: str) -> None:
        raise AssertionError(f"invalid JSON token {name} in {text!r}")
    return json.loads(text, parse_constant=bad)


@pytest.fixture
def gaussian(tmp_path) -> Path:
    """A small linear-Gaussian model file (v0 -> v1 -> v2 among its edges)."""
    path = tmp_path / "g.json"
    assert main(["causal", "sample-model", "--family", "gaussian", "-n", "4", "--seed", "0",
                 "-o", str(path)]) == 0
    return path


_write = write_file


# --------------------------------------------------------------------- 1. duplicate BIF blocks
ASIA_TEXT = ASIA.read_text()
DUPLICATES = {
    "variable": (ASIA_TEXT + "variable dysp {\n  type discrete [ 2 ] { no, yes };\n}\n", "variable", "dysp"),
    "probability": (ASIA_TEXT + "probability ( asia ) {\n  table 0.5, 0.5;\n}\n", "probability", "asia"),
    "row": (ASIA_TEXT.replace("(yes) 0.05, 0.95;", "(yes) 0.05, 0.95;\n  (yes) 0.5, 0.5;", 1),
            "given twice", "tub"),
    "table after rows": (ASIA_TEXT.replace("(yes) 0.05, 0.95;",
                                           "(yes) 0.05, 0.95;\n  table 0.1, 0.2, 0.9, 0.8;", 1),
                         "repeats rows", "tub"),
    "two defaults": ("variable a { type discrete [ 2 ] { x, y }; }\n"
                     "probability ( a ) { default 0.5, 0.5; default 0.1, 0.9; }\n", "two default", "a"),
    "two types": ("variable a { type discrete [ 2 ] { x, y }; type discrete [ 2 ] { y, x }; }\n",
                  "type twice", "a"),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_bif_duplicates_are_refused_naming_the_variable_and_line(case, tmp_path, capsys):
    text, *needles = DUPLICATES[case]
    assert "(yes) 0.05, 0.95;" in ASIA_TEXT  # the row the cases edit
    path = _write(tmp_path, "dup.bif", text)
    refused(capsys, ["causal", "query", str(path), "P(dysp)"], *needles, "line ")


def test_redeclared_states_cannot_relabel_an_answer(tmp_path):
    """The probe's case: states redeclared in another order used to relabel P(dysp=yes) as 'no'."""
    text, *_ = DUPLICATES["variable"]
    with pytest.raises(InputError, match=r"second variable block for 'dysp' \(the first is at line \d+\)"):
        parse_bif(text, "dup.bif")


# --------------------------------------------------------------------- 2. non-finite values
@pytest.mark.parametrize("q,value", [
    ("P(v1 | v0=nan)", "v0='nan'"), ("P(v1 | v0=inf)", "v0='inf'"), ("P(v1 | v0=-inf)", "v0='-inf'"),
    ("P(v1 | v0=1e400)", "v0='1e400'"), ("P(v1 | v0=NaN)", "v0='NaN'"),
    ("P(v1 | v0=infinity)", "v0='infinity'"),
    ("P(v1 | do(v0=nan))", "v0='nan'"), ("P(v1 | do(v0=1e999))", "v0='1e999'"),
    ("P(v1_{v0=inf})", "v0='inf'"), ("P(v1_{v0=1} | v2=nan)", "v2='nan'"),
])
def test_non_finite_gaussian_values_are_refused(q, value, gaussian, capsys):
    refused(capsys, ["causal", "query", str(gaussian), q, "--json"], "not a finite number", value)


@pytest.mark.parametrize("q,column", [("P(v1 > 1e400)", 7), ("P(v1 <= -1e999)", 8)])
def test_non_finite_thresholds_point_at_the_column(q, column, gaussian, capsys):
    refused(capsys, ["causal", "query", str(gaussian), q], "threshold", "not a finite number",
            f"column {column}")


def test_library_rejects_non_finite_values_too():
    model = sample_model(GaussianModelConfig(dag=DagConfig(nodes=3)), 0)
    for q in ("P(v1 | v0=nan)", "P(v1 | do(v0=inf))", "P(v1 > 1e400)"):
        with pytest.raises(InputError, match="finite"):
            query(model, q)
    with pytest.raises(InputError, match="finite"):
        sample(model, 3, do={"v0": float("nan")})


def test_an_answer_that_overflows_is_refused_not_nan(tmp_path, capsys):
    doc = {"format": "reasonlab-scm", "version": 1, "family": "gaussian", "variables": [
        {"name": "a", "sigma": 1.0}, {"name": "b", "parents": ["a"], "weights": [1e300], "sigma": 1.0}]}
    path = _write(tmp_path, "big.json", json.dumps(doc))
    refused(capsys, ["causal", "query", str(path), "P(b | do(a=1e300))", "--json"], "not a finite number")


def test_json_output_is_always_strict_json(gaussian, capsys):
    queries = ["P(v1 | v0=1e300)", "P(v2 | do(v0=-1e200))", "P(v1 > 0 | v0=1e-300)", "P(v1_{v0=5e307})"]
    for q in queries:
        rc = main(["causal", "query", str(gaussian), q, "--json"])
        out, err = capsys.readouterr()
        if rc == 0:
            answer = strict_json(out)
            assert all(np.isfinite(v) for k, v in answer.items() if k != "query")
        else:
            assert_refused((rc, err), "finite")
    assert main(["causal", "query", str(ASIA), "P(dysp | smoke=yes)", "P(lung_{smoke=no})", "--json"]) == 0
    assert len(strict_json(capsys.readouterr().out)) == 2


# --------------------------------------------------------------------- 3. sizes over the limits
@pytest.mark.parametrize("args,needles", [
    (["--states", "1000", "--parents", "3-3"], ("1000**4", "REASONLAB_LIMIT_CPT_CELLS")),
    (["--states", "3", "--parents", "1-20", "-n", "2000"], ("3**21", "REASONLAB_LIMIT_CPT_CELLS")),
    (["--states", "50", "--parents", "3-3", "-n", "2000"], ("REASONLAB_LIMIT_MODEL_CELLS",)),
    (["-n", "100000"], ("nodes", "100,000", "REASONLAB_LIMIT_NODES")),
    (["-n", "1000000000000", "--family", "gaussian"], ("nodes", "REASONLAB_LIMIT_NODES")),
    (["--states", "99999999999999999999", "--parents", "1-1"], ("REASONLAB_LIMIT_CPT_CELLS",)),
    (["--states", "9" * 4000, "--parents", "1-2000", "-n", "2000"], ("~10**4000 states", "CPT_CELLS")),
])
def test_sample_model_sizes_are_refused_up_front(args, needles):
    refused_subprocess("causal", "sample-model", *args, needles=needles)


def test_limit_messages_never_print_thousands_of_digits():
    from reasonlab.causal.errors import big, cells
    assert cells(12) == 12 and cells(10**20) == 1e20 and cells(10**5000) == float("inf")
    assert big(1000) == "1,000" and big(10**5000) == "~10**5000"
    with pytest.raises(LimitError, match="inf exceeds"):
        from reasonlab.validation import check_limit
        check_limit("cpt_cells", "a table", cells(7**9000), "use a smaller one")


def test_a_bif_declaring_a_huge_table_is_refused_before_allocating(tmp_path):
    labels = ", ".join(f"s{i}" for i in range(1000))
    text = "".join(f"variable x{i} {{ type discrete [ 1000 ] {{ {labels} }}; }}\n" for i in range(4))
    text += "probability ( x3 | x0, x1, x2 ) { default " + ", ".join(["0.001"] * 1000) + "; }\n"
    path = _write(tmp_path, "huge.bif", text)
    refused_subprocess("causal", "show", str(path),
                       needles=("huge.bif", "line 5", "'x3'", "1,000,000,000,000"))


def test_a_json_model_declaring_a_huge_table_is_refused(tmp_path):
    states = [str(i) for i in range(1000)]
    variables = [{"name": f"x{i}", "states": states, "cpt": [[0.001] * 1000]} for i in range(3)]
    variables.append({"name": "y", "states": ["a", "b"], "parents": ["x0", "x1", "x2"], "cpt": [[0.5, 0.5]]})
    doc = {"format": "reasonlab-scm", "version": 1, "family": "discrete", "variables": variables}
    path = _write(tmp_path, "huge.json", json.dumps(doc))
    refused_subprocess("causal", "query", str(path), "P(y)", needles=("'y'", "2,000,000,000", "CPT_CELLS"))


@pytest.mark.parametrize("limit,args,needles", [
    ("NODES=20", ["show", str(ALARM)], ("variables", "REASONLAB_LIMIT_NODES")),
    ("CPT_CELLS=20", ["show", str(ALARM)], ("the table of", "line")),
    ("MODEL_CELLS=200", ["show", str(ALARM)], ("together",)),
    ("FACTOR_CELLS=20", ["query", str(ALARM), "P(HR | BP=LOW)"], ("P(HR | BP=LOW)", "elimination")),
    ("FACTOR_CELLS=20", ["query", str(ALARM), "P(HR | BP=LOW)", "P(HR | BP=HIGH)", "--json"],
     ("elimination",)),
    ("FACTOR_CELLS=50", ["query", str(ALARM), "P(HR_{TPR=LOW} | BP=HIGH)"], ("elimination",)),
    ("TWIN_CELLS=20", ["query", str(ALARM), "P(HR_{TPR=LOW} | BP=HIGH)"], ("twin-network", "CATECHOL")),
])
def test_every_limit_holds_for_loaded_models_and_queries(limit, args, needles):
    name, value = limit.split("=")
    refused_subprocess("causal", *args, needles=(*needles, f"REASONLAB_LIMIT_{name}"),
                       env={f"REASONLAB_LIMIT_{name}": value})


def test_a_real_elimination_blowup_is_refused_by_the_compiled_kernel(tmp_path):
    """A dense random model (treewidth in the tens) whose exact answer needs a table of 4**15
    entries: refused with the number, not an 8 GiB allocation."""
    path = tmp_path / "dense.json"
    assert cli("causal", "sample-model", "-n", "300", "--states", "4", "--parents", "3-3", "--roots", "1-1",
               "--seed", "1", "-o", str(path), timeout=SIZE_TIMEOUT).returncode == 0
    refused_subprocess("causal", "query", str(path), "P(v0)",
                       needles=("P(v0)", "1,073,741,824", "REASONLAB_LIMIT_FACTOR_CELLS"))


def test_the_free_table_shortcut_falls_back_instead_of_failing(monkeypatch):
    """Several queries of one shape are first tried with their inputs free (a larger table, here
    8 entries against 2 for one query); over the limit that shortcut is dropped, not the queries."""
    from reasonlab.causal.discrete_inference import solve_many
    qs = ["P(asia | tub=yes, smoke=yes)", "P(asia | tub=no, smoke=no)"]
    expected = solve_many(load_model(ASIA), qs, engine="numpy")
    monkeypatch.setenv("REASONLAB_LIMIT_FACTOR_CELLS", "4")
    got = solve_many(load_model(ASIA), qs, engine="numpy")
    for a, b in zip(got, expected, strict=True):
        assert np.allclose(a.probabilities, b.probabilities)
    monkeypatch.setenv("REASONLAB_LIMIT_FACTOR_CELLS", "1")
    with pytest.raises(LimitError, match="REASONLAB_LIMIT_FACTOR_CELLS"):
        solve_many(load_model(ASIA), qs, engine="numpy")


def test_sampling_sizes_and_counts_are_checked():
    model = sample_model(DiscreteModelConfig(dag=DagConfig(nodes=3)), 0)
    with pytest.raises(LimitError, match="samples"):
        sample(model, 10**12)
    for bad in (-1, 1.5, True):
        with pytest.raises(InputError, match="number of samples"):
            sample(model, bad)


# --------------------------------------------------------------------- 4. crashes on odd files and seeds
BAD_FILES = {
    "utf16.json": ('{"family": "discrete"}'.encode("utf-16"), ("UTF-8", "UTF-16")),
    "utf16.bif": (ASIA_TEXT.encode("utf-16"), ("UTF-8", "UTF-16")),
    "binary.bif": (bytes(range(256)) * 4, ("UTF-8",)),
    "nul.json": (b'{"family": "discrete"\x00}', ("NUL",)),
    "latin1.bif": ("variable caf\xe9 {}".encode("latin-1"), ("UTF-8",)),
    "deep.json": ("[" * 100_000 + "]" * 100_000, ("nests deeper",)),
    "deep_objects.json": ('{"a":' * 50_000 + "1" + "}" * 50_000, ("nests deeper",)),
    "bigint.json": ('{"family": ' + "9" * 5000 + "}", ("not valid JSON", "4300")),
    "empty.json": ("", ("not valid JSON",)),
    "empty.bif": ("", ("no variable blocks",)),
    "blank.bif": ("\n  // only a comment\n", ("no variable blocks",)),
    "nan.json": ('{"family": NaN}', ("NaN",)),
    "list.json": ("[1, 2]", ("must hold a JSON object", "list")),
    "string.json": ('"discrete"', ("must hold a JSON object", "string")),
    "nofamily.json": ('{"format": "reasonlab-scm"}', ("'family' is missing",)),
    "listfamily.json": ('{"family": ["discrete"]}', ("'family' is ['discrete']",)),
    "comment.bif": ("variable a { /* never closed", ("never closed",)),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unusable_model_files_are_one_clear_message(name, tmp_path, capsys):
    content, needles = BAD_FILES[name]
    path = _write(tmp_path, name, content)
    refused(capsys, ["causal", "show", str(path)], name, *needles)
    refused(capsys, ["causal", "query", str(path), "P(a)"], name)


@pytest.mark.parametrize("name", ["model.json", "model.bif"])
def test_a_folder_or_a_missing_file_is_one_clear_message(name, tmp_path, capsys):
    refused(capsys, ["causal", "show", str(tmp_path / name)], "no such model file")
    (tmp_path / name).mkdir()
    refused(capsys, ["causal", "show", str(tmp_path / name)], "folder")
    refused(capsys, ["causal", "sample-model", "-o", str(tmp_path / name)], "folder")


@pytest.mark.parametrize("seed", [str(2**63), str(2**64), "-1", str(-(2**70))])
def test_out_of_range_seeds_are_refused(seed, capsys):
    refused(capsys, ["causal", "sample-model", "--seed", seed], "--seed", seed, "2**63-1")


def test_library_seeds_are_checked():
    config = DiscreteModelConfig()
    for seed in (-1, 2**63, 2**100):
        with pytest.raises(InputError, match="out of range"):
            sample_model(config, seed)
    with pytest.raises(InputError, match="not an integer"):
        sample_model(config, "7")  # type: ignore[arg-type]
    assert model_to_dict(sample_model(config, 2**63 - 1))  # the largest seed works


# --------------------------------------------------------------------- 5. messages that said the wrong thing
@pytest.mark.parametrize("q,needles", [
    ("P(dysp, smoke)", ("one target variable", "column 6", "P(dysp, smoke)")),
    ("P(dysp=yes, smoke=no)", ("one target variable", "column 10")),
    ("P(dysp_{smoke=no}, lung)", ("one target variable",)),
    ("P(dysp smoke)", ("expected '|' or ')'", "column 7")),
    ("P(dysp | smoke=yes", ("expected ',' or ')'", "the end of the query")),
    ("P(" + "x" * 5000 + ", y)", ("one target variable", "...")),
])
def test_query_syntax_messages_say_what_the_grammar_allows(q, needles, capsys):
    message = refused(capsys, ["causal", "query", str(ASIA), q], *needles)
    assert len(message) < 400


@pytest.mark.parametrize("text,needles", [
    ("variable a { type discrete [ 2 ] { yes, no }; }\nprobability ( a ) { table nan, 0.5; }\n",
     ("'nan'", "not a finite probability", "line 2")),
    ("variable a { type discrete [ 2 ] { yes, no }; }\nprobability ( a ) { table inf, 0.5; }\n",
     ("'inf'", "not a finite probability")),
    ("variable a { type discrete [ 2 ] { yes, no }; }\nprobability ( a ) { table -0.5, 1.5; }\n",
     ("'-0.5'", "not a finite probability")),
    ("variable a { type discrete [ 2 ] { yes, no }; }\nprobability ( a ) { table 1e999, 0; }\n",
     ("'1e999'", "not a finite probability")),
    ("variable a { type discrete [ 2 ] { yes, yes }; }\n", ("duplicate state 'yes' of variable 'a'",)),
    ("variable a { type discrete [ 3 ] { yes, , no }; }\n", ("empty state name",)),
    ("variable a { type discrete [ abc ] { yes, no }; }\n", ("'abc'", "whole number")),
    ("variable a { type discrete [ 0 ] { }; }\n", ("0 states",)),
    ("variable a { type discrete [ -3 ] { }; }\n", ("-3 states",)),
    ("variable a { type discrete [ 99999999999999999999 ] { x }; }\n", ("lists 1",)),
    ("variable a { property x; }\n", ("no 'type discrete",)),
    ("variable a { type continuous; }\n", ("only discrete",)),
    ("variable a { type discrete [ 2 ] { x, y }; }\nvariable b { type discrete [ 2 ] { x, y }; }\n"
     "probability ( a ) { table 0.5, 0.5; }\nprobability ( b | a ) { (x) 0.5, 0.5; }\n",
     ("no row for (y)", "default")),
    ("variable a { type discrete [ 2 ] { x, y }; }\nvariable b { type discrete [ 2 ] { x, y }; }\n"
     "probability ( a ) { table 0.5, 0.5; }\nprobability ( b | a ) { (z) 0.5, 0.5; (y) 0.5, 0.5; }\n",
     ("'z' is not a state of 'a'",)),
    ("variable a { type discrete [ 2 ] { x, y }; }\nprobability ( a | a ) { (x) 0.5, 0.5; (y) 1, 0; }\n",
     ("own parent",)),
    ("variable a { type discrete [ 2 ] { x, y }; }\nvariable b { type discrete [ 2 ] { x, y }; }\n"
     "probability ( a | b, b ) { default 0.5, 0.5; }\n", ("parent 'b' twice",)),
    ("variable a { type discrete [ 2 ] { x, y }; }\nvariable b { type discrete [ 2 ] { x, y }; }\n"
     "probability ( a | b ) { default 0.5, 0.5; }\nprobability ( b | a ) { default 0.5, 0.5; }\n",
     ("cycle",)),
    ("variable a { type discrete [ 2 ] { x, y }; }\n", ("no probability block for 'a'",)),
    ("variable a { type discrete [ 2 ] { x y }", ("unexpected end of file",)),
    ("variable a { type discrete [ 2 ] { x, y; }; }\n", ("expected '}'", "';'")),
    ("probability ( a ) { table 1; }\n", ("undeclared variable 'a'",)),
    ("garbage " * 10_000, ("expected 'network', 'variable' or 'probability'",)),
    ("variable " + "v" * 100_000 + " { type discrete [ 1 ] { x, x }; }", ("...", "duplicate state 'x'")),
])
def test_bif_messages_name_the_real_problem(text, needles, tmp_path, capsys):
    path = _write(tmp_path, "m.bif", text)
    message = refused(capsys, ["causal", "show", str(path)], "m.bif", *needles)
    assert len(message) < 500


@pytest.mark.parametrize("doc,needles", [
    ({"format": "reasonlab-scm", "version": 1, "family": "discrete",
      "variables": [{"name": "a", "states": ["yes", "yes"], "cpt": [[0.5, 0.5]]}]},
     ("duplicate state 'yes' of variable 'a'",)),
    ({"format": "reasonlab-scm", "version": 1, "family": "discrete",
      "variables": [{"name": "a", "states": ["x", "y"], "cpt": [[1e400, 0]]}]}, ("cpt.0.0", "finite", "'a'")),
    ({"format": "reasonlab-scm", "version": 1, "family": "discrete",
      "variables": [{"name": "a", "states": ["x", "y"], "cpt": [[0.5, 0.5], [0.5]]}]},
     ("needs 1 rows", "it has 2 rows")),
    ({"format": "reasonlab-scm", "version": 1, "family": "discrete",
      "variables": [{"name": "a", "states": ["x", "y"], "cpt": [[0.5]]}]}, ("row 0 has 1 numbers",)),
    ({"format": "reasonlab-scm", "version": 1, "family": "gaussian",
      "variables": [{"name": "a", "sigma": 1e999}]}, ("sigma", "finite", "'a'")),
    ({"format": "reasonlab-scm", "version": 1, "family": "gaussian",
      "variables": [{"name": "a", "sigma": -1}]}, ("sigma -1.0", "positive")),
    ({"format": "reasonlab-scm", "version": 1, "family": "gaussian",
      "variables": [{"name": "a", "sigma": 1}, {"name": "a", "sigma": 1}]}, ("duplicate",)),
    ({"format": "reasonlab-scm", "version": 1, "family": "gaussian",
      "variables": [{"name": "a", "parents": ["b"], "weights": [1], "sigma": 1},
                    {"name": "b", "parents": ["a"], "weights": [1], "sigma": 1}]}, ("cycle",)),
    ({"format": "reasonlab-scm", "version": 1, "family": "gaussian", "variables": []}, ("variables",)),
])
def test_json_model_messages_name_the_field(doc, needles, tmp_path, capsys):
    path = _write(tmp_path, "m.json", json.dumps(doc).replace("Infinity", "1e999"))
    refused(capsys, ["causal", "show", str(path)], "m.json", *needles)


@pytest.mark.parametrize("args,needles", [
    (["--alpha", "inf"], ("alpha = inf", "finite")),
    (["--alpha", "nan"], ("alpha = nan", "finite")),
    (["--alpha", "0"], ("alpha = 0.0", "greater than 0")),
    (["--edge-density", "nan"], ("edge_density = nan", "finite")),
    (["-n", "0"], ("nodes = 0",)),
    (["-n", "-5"], ("nodes = -5",)),
    (["--max-in-degree", "0"], ("max_in_degree = 0",)),
    (["--states", "3-2"], ("states",)),
    (["--parents", "0-1"], ("parents",)),
    (["--decimals", "99"], ("decimals = 99",)),
])
def test_sample_model_options_are_checked(args, needles, capsys):
    refused(capsys, ["causal", "sample-model", *args], *needles)


def test_config_alpha_inf_is_shown_as_inf_not_none():
    from pydantic import ValidationError

    from reasonlab.validation import describe
    with pytest.raises(ValidationError) as err:
        DiscreteModelConfig(alpha=float("inf"))
    assert "alpha = inf" in describe(err.value) and "None" not in describe(err.value)


def test_user_text_is_not_rich_markup(tmp_path, capsys):
    doc = {"format": "reasonlab-scm", "version": 1, "family": "discrete",
           "variables": [{"name": "a", "states": ["[/bold]", "[red]x"], "cpt": [[0.5, 0.5]]}]}
    path = _write(tmp_path, "markup.json", json.dumps(doc))
    assert main(["causal", "show", str(path)]) == 0
    assert main(["causal", "query", str(path), "P(a)"]) == 0
    assert "[/bold]" in capsys.readouterr().out


def test_quoted_unicode_digits_are_not_state_indices():
    model = load_model(ASIA)
    with pytest.raises(InputError, match="out of range"):
        query(model, 'P(dysp | smoke="²")')


# --------------------------------------------------------------------- properties: only our errors
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BIF_TOKENS = ["network", "variable", "probability", "type", "discrete", "property", "table", "default",
              "{", "}", "(", ")", "[", "]", "|", ",", ";", "a", "b", "x", "y", "2", "1", "0", "0.5",
              "nan", "-1", "1e999", "//c\n", "/*", "*/", "\n"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["format", "version", "family", "variables", "name", "states", "parents", "cpt",
                         "weights", "intercept", "sigma", "meta", "x"]), children, max_size=5),
    max_leaves=30)
families = st.sampled_from(["discrete", "gaussian"])
variable = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"])},
    optional={"states": st.lists(st.sampled_from(["x", "y", "z"]), max_size=3),
              "parents": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
              "cpt": st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2, 2),
                                       max_size=3), max_size=3),
              "weights": st.lists(st.floats(allow_nan=True), max_size=3),
              "intercept": st.floats(allow_nan=True) | json_values,
              "sigma": st.floats(allow_nan=True) | st.integers() | json_values})
documents = st.fixed_dictionaries({"format": st.just("reasonlab-scm"), "version": st.just(1),
                                   "family": families, "variables": st.lists(variable, max_size=4)})


def only_our_errors(fn, *args) -> None:
    """``fn(*args)`` returns or raises an :class:`InputError`, nothing else."""
    with contextlib.suppress(InputError):
        fn(*args)


def _load_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"m{suffix}"
        path.write_bytes(data)
        only_our_errors(load_model, path)


@FAST
@given(st.binary(max_size=300), st.sampled_from([".json", ".bif"]))
def test_random_bytes_in_model_files(data, suffix):
    _load_bytes(data, suffix)


@FAST
@given(st.text(max_size=300))
def test_random_text_to_the_bif_parser(text):
    only_our_errors(parse_bif, text)


@FAST
@given(st.lists(st.sampled_from(BIF_TOKENS), max_size=80))
def test_bif_token_soup(tokens):
    only_our_errors(parse_bif, " ".join(tokens))


def _distribution(k: int) -> str:
    return ", ".join(["1"] + ["0"] * (k - 1)) if k else ""


@st.composite
def bif_documents(draw) -> str:
    """A valid small BIF (1-4 variables, 1-3 states, parents among earlier variables) with, most of
    the time, one part broken: a count, a state, a number, a row, a block repeated or dropped."""
    n = draw(st.integers(1, 4))
    names = [f"v{i}" for i in range(n)]
    states = [draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3, unique=True))
              for _ in names]
    blocks = [f"variable {v} {{ type discrete [ {len(s)} ] {{ {', '.join(s)} }}; }}"
              for v, s in zip(names, states, strict=True)]
    for i, v in enumerate(names):
        parents = draw(st.lists(st.sampled_from(names[:i]), unique=True, max_size=2)) if i else []
        rows = [f"({', '.join(cfg)}) {_distribution(len(states[i]))};"
                for cfg in itertools.product(*(states[names.index(p)] for p in parents))]
        head = f"{v} | {', '.join(parents)}" if parents else v
        body = " ".join(rows) if parents else f"table {_distribution(len(states[i]))};"
        blocks.append(f"probability ( {head} ) {{ {body} }}")
    text = "\n".join(blocks)
    mutation = draw(st.sampled_from(["none", "replace", "drop", "repeat"]))
    if mutation == "replace":
        old = draw(st.sampled_from(["[ 1 ]", "[ 2 ]", "{ x", "x,", "1", "0", "(x", "table", "|", ";"]))
        new = draw(st.sampled_from(["[ 0 ]", "[ 9 ]", "{ x, x", "x,,", "nan", "-1", "1e999", "(q",
                                    "default", ",", ""]))
        text = text.replace(old, new, 1)
    elif mutation in ("drop", "repeat"):
        k = draw(st.integers(0, len(blocks) - 1))
        blocks = blocks[:k] + blocks[k + 1:] if mutation == "drop" else [*blocks, blocks[k]]
        text = "\n".join(blocks)
    return text


@FAST
@given(bif_documents())
def test_near_miss_bif_documents_and_queries_on_them(text):
    try:
        model = parse_bif(text)
    except InputError:
        return
    first, last = model.names[0], model.names[-1]
    for q in (f"P({first})", f"P({last} | do({first}=0))", f"P({last}_{{{first}=0}} | {first}=0)"):
        only_our_errors(query, model, q)


@FAST
@given(json_values)
def test_random_nested_structures_to_the_model_loader(data):
    only_our_errors(model_from_dict, data)


@FAST
@given(documents)
def test_near_miss_model_documents(doc):
    only_our_errors(model_from_dict, doc)


@FAST
@given(json_values)
def test_random_json_model_files(data):
    _load_bytes(json.dumps(data).encode(), ".json")


QUERY_TOKENS = ["P", "(", ")", "|", ",", "=", "do", "_{", "}", ">", ">=", "<", "dysp", "smoke", "lung",
                "either", "yes", "no", "0", "1", "nan", "inf", "1e400", '"', "'", " ", "²", "\n"]


@FAST
@given(st.text(max_size=80))
def test_random_text_to_the_query_parser(text):
    only_our_errors(parse_query, text)


@FAST
@given(st.lists(st.sampled_from(QUERY_TOKENS), max_size=30))
def test_query_token_soup_against_a_discrete_and_a_gaussian_model(tokens):
    text = "".join(tokens)
    only_our_errors(query, ASIA_MODEL, text)
    only_our_errors(query, GAUSSIAN_MODEL, text.replace("dysp", "v0").replace("smoke", "v1"))


ASIA_MODEL = load_model(ASIA)
GAUSSIAN_MODEL = sample_model(GaussianModelConfig(dag=DagConfig(nodes=3)), 0)


def test_zero_probability_evidence_is_one_of_our_errors():
    assert issubclass(ZeroProbabilityEvidence, InputError)
