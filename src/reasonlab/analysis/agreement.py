"""Agreement between two sources of binary labels (rule-based annotator, LLM judge, human labels).

The original study validated its modeling-error judge against 60 human-labelled traces and
reported accuracy, precision, recall and F1 as bare numbers (0.85 / 0.81 / 0.93 / 0.87). Here
each metric -- accuracy, precision, recall, F1 and Cohen's kappa -- comes with a 95% CI:

* Point values are scikit-learn's (``sklearn.metrics``). ``a`` is the reference (treated as the
  truth), ``b`` the source under test, and ``True`` the positive class: precision =
  tp / (tp + fp) is "of the items ``b`` flags, how many ``a`` flags too".
* CIs are a seeded percentile bootstrap over items, paired (an item's two labels travel
  together). A resample of ``n`` items drawn with replacement only matters through its 2x2
  table, and the table of such a resample is exactly ``Multinomial(n, observed cell
  frequencies)``; so each resample is one multinomial draw of four counts (``numpy``,
  vectorised), which is the same distribution as resampling indices, at O(1) cost per resample
  instead of O(n). The stream is ``seed_sequence(seed, "analysis/agreement")``.
* Undefined values are NaN with a note, never a crash: kappa when both sources give every item
  the same label (expected agreement 1), precision when ``b`` flags nothing, recall when ``a``
  flags nothing. Resamples where a metric is undefined are left out of its CI (and noted).

:func:`agreement_table` pairs several sources by item id against one reference, and
:func:`read_human_labels` reads the labelling CSV (``id``, ``system``, ..., ``*_human`` columns).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn import metrics

from ..config import ConfigError
from ..validation import SEED_MAX, InputError, read_text, seed_sequence, show_value

METRICS = ("accuracy", "precision", "recall", "f1", "kappa")
LEVEL = 0.95
#: Spellings a human label may take (case and surrounding spaces ignored); blank = unlabelled.
HUMAN_VALUES: dict[str, bool] = {"yes": True, "no": False, "1": True, "0": False,
                                 "true": True, "false": False}


@dataclass(frozen=True)
class Estimate:
    """One metric: its point value and 95% percentile-bootstrap CI (NaN when undefined)."""

    value: float
    ci: tuple[float, float]


@dataclass(frozen=True)
class Agreement:
    """Agreement of source ``b`` with reference ``a`` over ``n`` paired items."""

    n: int
    accuracy: Estimate
    precision: Estimate
    recall: Estimate
    f1: Estimate
    kappa: Estimate
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AgreementRow:
    """One line of an agreement table: ``source`` against ``reference`` on the reference's items;
    ``ignored`` counts the source's items that the reference does not label."""

    reference: str
    source: str
    agreement: Agreement
    ignored: int = 0


def _labels(values: Sequence[bool], name: str) -> np.ndarray:
    """``values`` as a bool array; only bools (or 0/1) are labels."""
    out = np.empty(len(values), dtype=bool)
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and v in (0, 1)):
            out[i] = bool(v)
        else:
            raise ConfigError(f"agreement: {name}[{i}] = {show_value(v)} is not a binary label; "
                              "give True/False (or 1/0)")
    return out


def _from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric from the 2x2 counts (arrays of one shape); NaN where undefined."""
    tp, fp, fn, tn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn, tn))
    n = tp + fp + fn + tn

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)

    pa, pb = (tp + fn) / n, (tp + fp) / n  # positive rates of the reference and of the source
    pe = pa * pb + (1 - pa) * (1 - pb)     # chance agreement
    po = (tp + tn) / n
    return {"accuracy": po, "precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn),
            "f1": ratio(2 * tp, 2 * tp + fp + fn),
            "kappa": ratio(po - pe, np.where(np.isclose(pe, 1.0), 0.0, 1 - pe))}


def _point(a: np.ndarray, b: np.ndarray) -> tuple[dict[str, float], list[str]]:
    """scikit-learn's point values, NaN (with a note) where a metric is undefined."""
    kw = {"labels": [False, True], "pos_label": True, "zero_division": np.nan}
    out = {"accuracy": float(metrics.accuracy_score(a, b)),
           "precision": float(metrics.precision_score(a, b, **kw)),
           "recall": float(metrics.recall_score(a, b, **kw)),
           "f1": float(metrics.f1_score(a, b, **kw))}
    notes = []
    if np.isnan(out["precision"]):
        notes.append("precision is undefined: the source labels no item True")
    if np.isnan(out["recall"]):
        notes.append("recall is undefined: the reference labels no item True")
    if np.isnan(out["f1"]):
        notes.append("f1 is undefined: neither source labels any item True")
    if (a.all() and b.all()) or (not a.any() and not b.any()):  # sklearn would warn here
        out["kappa"] = float("nan")
        notes.append("kappa is undefined: both sources give every item the same label "
                     "(chance agreement is 1)")
    else:
        out["kappa"] = float(metrics.cohen_kappa_score(a, b, labels=[False, True]))
    return out, notes


def agreement(a: Sequence[bool], b: Sequence[bool], seed: int = 0, n_resamples: int = 9999) -> Agreement:
    """Accuracy, precision, recall, F1 and Cohen's kappa of ``b`` against reference ``a``
    (paired by position), each with a 95% paired percentile-bootstrap CI over items."""
    ra, rb = _labels(a, "a"), _labels(b, "b")
    if len(ra) != len(rb):
        raise ConfigError(f"agreement: a has {len(ra)} labels but b has {len(rb)}; pair them item by item")
    if len(ra) == 0:
        raise ConfigError("agreement: no items to compare; give at least one labelled item")
    if not (isinstance(seed, int) and 0 <= seed <= SEED_MAX):
        raise ConfigError(f"agreement: seed = {show_value(seed)} must be an integer from 0 to 2**63-1")
    if not (isinstance(n_resamples, int) and n_resamples >= 100):
        raise ConfigError(f"agreement: n_resamples = {show_value(n_resamples)} must be an integer "
                          ">= 100 (9999 is the default)")
    point, notes = _point(ra, rb)
    n = len(ra)
    cells = np.array([np.sum(ra & rb), np.sum(~ra & rb), np.sum(ra & ~rb), np.sum(~ra & ~rb)])
    rng = np.random.default_rng(seed_sequence(seed, "analysis/agreement"))
    draws = rng.multinomial(n, cells / n, size=n_resamples)  # (R, 4): tp, fp, fn, tn
    boot = _from_counts(*draws.T)
    estimates = {}
    for name in METRICS:
        values = boot[name][np.isfinite(boot[name])]
        if np.isnan(point[name]) or values.size == 0:
            estimates[name] = Estimate(point[name], (float("nan"), float("nan")))
            continue
        if values.size < n_resamples:
            notes.append(f"{name} is undefined in {n_resamples - values.size} of {n_resamples} "
                         "resamples; its CI uses the others")
        lo, hi = np.quantile(values, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        estimates[name] = Estimate(point[name], (float(lo), float(hi)))
    return Agreement(n=n, notes=tuple(notes), **estimates)


def agreement_table(sources: Mapping[str, Mapping[Hashable, bool]], reference: str,
                    seed: int = 0, n_resamples: int = 9999) -> list[AgreementRow]:
    """Every other source against ``sources[reference]``, paired by item id, on the reference's
    items (each other source must label all of them; its extra items are ignored and counted)."""
    if reference not in sources:
        raise ConfigError(f"agreement: reference = {reference!r} is not a source; "
                          f"choose one of {sorted(sources)}")
    ref = sources[reference]
    if not ref:
        raise ConfigError(f"agreement: the reference {reference!r} labels no items; label some first")
    ids = list(ref)
    rows = []
    for name, labels in sources.items():
        if name == reference:
            continue
        missing = [i for i in ids if i not in labels]
        if missing:
            shown = ", ".join(show_value(i) for i in missing[:5])
            raise ConfigError(f"agreement: source {name!r} lacks {len(missing)} of the {len(ids)} items "
                              f"that {reference!r} labels (e.g. {shown}); label them, or choose "
                              "the source with the fewest items as the reference")
        agree = agreement([ref[i] for i in ids], [labels[i] for i in ids], seed, n_resamples)
        rows.append(AgreementRow(reference, name, agree, ignored=len(set(labels) - set(ids))))
    return rows


def read_human_labels(path: str | Path, column: str) -> dict[tuple[str, str], bool]:
    """The labels in ``column`` of the labelling CSV, keyed by ``(system, id)``; blank cells are
    unlabelled and skipped; any value outside :data:`HUMAN_VALUES` is refused."""
    try:
        text = read_text(path, "human-label CSV")
    except InputError as e:
        raise ConfigError(str(e)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for need in ("id", "system", column):
        if need not in header:
            human = [h for h in header if h.endswith("_human")]
            raise ConfigError(f"human-label CSV {str(path)!r} has no column {need!r}; it needs id, "
                              f"system and the label column (its label columns: {human})")
    out: dict[tuple[str, str], bool] = {}
    for row in reader:
        raw = (row.get(column) or "").strip()
        if not raw:
            continue
        where = f"human-label CSV {str(path)!r} line {reader.line_num}"
        value = HUMAN_VALUES.get(raw.lower())
        if value is None:
            raise ConfigError(f"{where}: column {column} = {raw!r} is not a label; "
                              f"write one of {'/'.join(HUMAN_VALUES)} or leave it blank")
        key = (row["system"] or "", row["id"] or "")
        if key in out:
            raise ConfigError(f"{where}: system {key[0]!r} id {key[1]!r} is labelled twice; keep one row")
        out[key] = value
    return out
