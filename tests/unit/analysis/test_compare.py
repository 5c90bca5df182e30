"""``reasonlab compare`` on hand-made result files: cell values, CIs, significance and bolding
against direct computations, seed groups, slices, sampling, every table format, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from reasonlab.analysis.compare import Column, compare
from reasonlab.analysis.outputs import comparison_outputs
from reasonlab.analysis.results import System, group_by_seed, load_eval
from reasonlab.analysis.samples import sample_examples
from reasonlab.analysis.tables import RENDERERS
from reasonlab.config import ConfigError
from reasonlab.validation import InputError

BINS = ("easy", "medium", "hard")


def write_results(path, tvds, config=None):
    """A results file as ``reasonlab eval`` writes it (and the run's config.yaml, if given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, t in enumerate(tvds):
        b = BINS[i % 3]
        rows.append({"id": f"q{i:03d}", "prompt": f"p{i % 7}", "answer": "[0.5, 0.5]", "samples": [f"o{i}"],
                     "rewards": [0.0], "correct": [bool(t < 0.01)], "reasons": [""], "details": [{"tvd": t}],
                     "slices": [f"rung={1 + i % 2}", f"bin={b}", f"ve_ops={b}"],
                     "meta": {"rung": 1 + i % 2, "bins": {"ve_ops": b}}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    if config is not None:
        (path.parent.parent / "config.yaml").write_text(json.dumps(config))
    return path


def systems(tmp_path, **tvds):
    return [System(k, (load_eval(write_results(tmp_path / f"{k}.jsonl", v)),)) for k, v in tvds.items()]


def test_cells_match_direct_computation(tmp_path):
    rng = np.random.default_rng(0)
    a, b = np.round(rng.exponential(0.02, 60), 3), np.round(rng.exponential(0.01, 60), 3)
    cmp = compare(systems(tmp_path, A=a, B=b), tolerances=(0.01, 0.03), n_resamples=999, unit="example")
    col = Column("overall", "all", 0.03)
    ca, cb = cmp.cell("A", col), cmp.cell("B", col)
    assert ca.mean == pytest.approx(np.mean(a <= 0.03)) and ca.n == 60 and ca.prompts == 7
    assert cb.best and cb.bold and cb.p is None
    ref = stats.permutation_test(((a <= 0.03).astype(float), (b <= 0.03).astype(float)),
                                 lambda x, y, axis: x.mean(axis) - y.mean(axis), permutation_type="samples",
                                 n_resamples=999, vectorized=True, rng=np.random.default_rng(0)).pvalue
    assert ca.p == ref and ca.p_adjusted == ref  # one other system: Holm leaves it
    assert ca.bold == (ref >= 0.05) and ca.lo <= ca.mean <= ca.hi
    easy = cmp.cell("A", Column("ve_ops", "ve_ops=easy", 0.01))
    assert easy.n == 20 and easy.mean == pytest.approx(np.mean(a[0::3] <= 0.01))
    assert {c.group for c in cmp.columns} == {"overall", "rung", "ve_ops"}  # "bin" repeats ve_ops


def test_repeated_prompts_are_one_unit(tmp_path):
    # 21 rows of 7 prompts (each prompt 3 times): by prompt, each prompt's mean is one observation
    tv = np.array([0.0, 0.5, 0.5, 0.0, 0.5, 0.0, 0.0] * 3)
    (s,) = systems(tmp_path, A=tv)
    by_prompt = compare([s], (0.01,), n_resamples=99).cell("A", Column("overall", "all", 0.01))
    by_row = compare([s], (0.01,), n_resamples=99, unit="example").cell("A", Column("overall", "all", 0.01))
    assert by_prompt.mean == by_row.mean == pytest.approx(4 / 7)
    assert by_prompt.n == 21 and by_prompt.prompts == 7
    # a bootstrap over 7 binary units is wider than over 21 rows of the same values
    assert by_prompt.hi - by_prompt.lo > by_row.hi - by_row.lo
    rung1 = compare([s], (0.01,), n_resamples=99).cell("A", Column("rung", "rung=1", 0.01))
    # rung 1 = even rows: prompts 0, 2, 4, 6, 1, 3, 5, 0, ... -> per-prompt means over 1-2 rows
    rows = np.arange(0, 21, 2)
    per_prompt = {}
    for r in rows:
        per_prompt.setdefault(r % 7, []).append(float(tv[r] <= 0.01))
    assert rung1.mean == pytest.approx(np.mean([np.mean(v) for v in per_prompt.values()]))


def test_holm_across_systems_of_a_column_and_none_reproduces_raw_p(tmp_path):
    rng = np.random.default_rng(1)
    s = systems(tmp_path, **{k: np.round(rng.exponential(sc, 90), 3) for k, sc in
                             (("A", 0.004), ("B", 0.012), ("C", 0.02))})
    col = Column("overall", "all", 0.01)
    holm, raw = compare(s, (0.01,), n_resamples=999), compare(s, (0.01,), correction="none", n_resamples=999)
    ps = sorted(raw.cell(n, col).p for n in "BC")
    adjusted = sorted(holm.cell(n, col).p_adjusted for n in "BC")
    assert adjusted[0] == pytest.approx(min(1, 2 * ps[0]))
    assert adjusted[1] == pytest.approx(min(1, max(2 * ps[0], ps[1])))
    assert all(raw.cell(n, col).p == raw.cell(n, col).p_adjusted for n in "BC")


def test_seeds_form_one_system_with_a_between_seed_interval(tmp_path):
    cfg = {"name": "sft", "seed": 0, "model": {"n_layer": 2}}
    tv = [np.array([0.0, 0.5, 0.0, 0.5, 0.0, 0.0]), np.array([0.5, 0.5, 0.0, 0.0, 0.0, 0.5])]
    files = [load_eval(write_results(tmp_path / f"run{s}" / "eval" / "x.jsonl", t, cfg | {"seed": s}))
             for s, t in enumerate(tv)]
    other = load_eval(write_results(tmp_path / "other" / "eval" / "x.jsonl", tv[0], cfg | {"model": {}}))
    groups = group_by_seed([*files, other])
    assert [len(g) for g in groups] == [2, 1]
    cmp = compare([System("sft", tuple(groups[0])), System("o", tuple(groups[1]))], (0.01,), n_resamples=99)
    cell = cmp.cell("sft", Column("overall", "all", 0.01))
    seed_means = np.array([4 / 6, 3 / 6])
    half = stats.t.ppf(0.975, 1) * seed_means.std(ddof=1) / np.sqrt(2)
    assert cell.seeds == 2 and cell.mean == pytest.approx(7 / 12)
    assert half > 1 and (cell.lo, cell.hi) == (0.0, 1.0)  # two seeds: the t interval, clipped to [0, 1]
    three = compare([System("sft", (*groups[0], groups[0][0]))], (0.01,), n_resamples=99)
    cell = three.cell("sft", Column("overall", "all", 0.01))
    m = np.array([4 / 6, 3 / 6, 4 / 6])
    half = stats.t.ppf(0.975, 2) * m.std(ddof=1) / np.sqrt(3)
    assert (cell.lo, cell.hi) == pytest.approx((m.mean() - half, m.mean() + half))


def test_every_format_renders(tmp_path):
    out = comparison_outputs(systems(tmp_path, A=[0.0, 0.02, 0.5] * 4, B_x=[0.0, 0.0, 0.05] * 4),
                             (0.01, 0.02), None, n_resamples=99)
    assert set(out.texts) == set(RENDERERS)
    tex = out.texts["latex"]
    assert r"\toprule" in tex and r"\textbf{" in tex and r"B\_x" in tex and r"\cmidrule(lr){2-3}" in tex
    cells = json.loads(out.texts["json"])["cells"]
    assert {c["system"] for c in cells} == {"A", "B_x"} and all("p_adjusted" in c for c in cells)
    assert out.texts["csv"].splitlines()[0].startswith("system,group,slice,tolerance,mean,lo,hi,n")
    assert "**" in out.texts["markdown"]
    files = out.write(tmp_path / "out")
    assert (tmp_path / "out" / "thresholds_ve_ops.svg") in files
    assert (tmp_path / "out" / "thresholds_ve_ops.png").read_bytes()[:4] == b"\x89PNG"


def test_sampling_keeps_incorrect_rows_per_bin_seeded(tmp_path):
    s = systems(tmp_path, A=[0.5, 0.0, 0.5, 0.0, 0.5, 0.0] * 5, B=[0.0] * 30)
    rows = sample_examples(s, per_bin=3, only="incorrect", metric="ve_ops", seed=42)
    assert rows == sample_examples(s, per_bin=3, only="incorrect", metric="ve_ops", seed=42)
    assert all(r.system == "A" and not r.correct for r in rows)
    by_bin = {b: [r for r in rows if r.bin == f"ve_ops={b}"] for b in BINS}
    assert [len(v) for v in by_bin.values()] == [3, 3, 3]  # every bin holds wrong answers of A
    assert {r.id for r in rows} <= {f"q{i:03d}" for i in range(30) if i % 2 == 0}


def test_bad_input_is_one_clear_message(tmp_path):
    a = write_results(tmp_path / "a.jsonl", [0.0] * 6)
    b = write_results(tmp_path / "b.jsonl", [0.0] * 5)
    with pytest.raises(ConfigError, match=r"lacks 1 example ids .*q005.*same examples"):
        compare([System("a", (load_eval(a),)), System("b", (load_eval(b),))])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "samples": ["s"], "correct": [true]}\nnot json\n')
    with pytest.raises(InputError, match="line 2"):
        load_eval(bad)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ConfigError, match="holds no rows"):
        load_eval(tmp_path / "empty.jsonl")
    with pytest.raises(ConfigError, match="correction 'bonf'"):
        compare([System("a", (load_eval(a),))], correction="bonf")


def test_a_spec_file_lists_systems_and_seed_groups(tmp_path, capsys):
    from reasonlab.cli import main

    for name in ("a0", "a1", "b"):
        write_results(tmp_path / f"{name}.jsonl", [0.0, 0.02, 0.5] * 4)
    spec = tmp_path / "systems.yaml"
    spec.write_text(f"systems:\n  A: [{tmp_path}/a0.jsonl, {tmp_path}/a1.jsonl]\n  B: {tmp_path}/b.jsonl\n")
    assert main(["compare", "--spec", str(spec), "--format", "json", "--out", str(tmp_path / "o"),
                 "--resamples", "99"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]  # stdout holds the JSON alone
    assert {(c["system"], c["seeds"]) for c in cells} == {("A", 2), ("B", 1)}
    spec.write_text("systems: {A: 3}\n")
    assert main(["compare", "--spec", str(spec), "--out", str(tmp_path / "p")]) == 2
    assert "systems.A" in capsys.readouterr().err and not (tmp_path / "p").exists()


@pytest.mark.skipif(not Path("/usr/bin/pdflatex").exists(), reason="needs pdflatex (make test installs it)")
def test_latex_tables_compile_with_booktabs(tmp_path):
    out = comparison_outputs(systems(tmp_path, A_1=[0.0, 0.02, 0.5] * 4, B=[0.0, 0.0, 0.05] * 4),
                             (0.01, 0.02), None, n_resamples=99)
    doc = tmp_path / "t.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\begin{document}\n"
                   + out.texts["latex"] + "\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000
