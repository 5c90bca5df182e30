"""Many rung-1/2 queries on one model in one contraction: queries as a batch axis.

For ``B`` queries every CPT gets a leading batch axis of size ``B * K`` (``K`` = largest
cardinality) holding, per query ``b`` and target state ``k``:

    F_i[b, k] = (1 if query b intervenes on i else CPT_i) * lambda_b(i) * (x_i == k if i == Y_b)

where ``lambda_b(i)`` is the one-hot indicator of the value query ``b`` observes or sets for
``i`` (ones otherwise). One elimination of every variable, keeping only the batch axis, gives
``P(Y_b = k, E_b = e_b | do(x_b))`` for every ``(b, k)``: the truncated factorisation of each
query, computed in a few large ``einsum`` calls instead of many small ones. Nothing is pruned
(barren variables cost arithmetic, not correctness), so callers compare :attr:`Contraction.ops`
of the batch plan with query-by-query elimination before choosing it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .discrete import DiscreteSCM
from .elimination import Contraction, compile_contraction

CHUNK = 256  # queries per batched contraction (bounds the memory of intermediate tables)


def batch_plan(model: DiscreteSCM) -> Contraction:
    """Elimination of every variable with a batch label (id ``n``) kept, cached on the model.
    The batch label is compiled with card 1, so ``plan.ops`` is the arithmetic per batch row."""
    if "batch_plan" not in model._cache:
        n = model.n
        factors = [((n, *model.parents[i], i), model.cpts[i]) for i in range(n)]
        cards = dict(enumerate(model.cards)) | {n: 1}
        model._cache["batch_plan"] = compile_contraction(factors, keep=(n,), fixed=(), cards=cards,
                                                         big_factor=CHUNK * max(model.cards))
    return model._cache["batch_plan"]


def batch_tables(model: DiscreteSCM, cuts: list[frozenset[int]], fixed: list[dict[int, int]],
                 targets: list[int]) -> list[np.ndarray]:
    """The batched CPTs, ``(B*K, *parent_cards, card_i)`` each, for :func:`batch_plan`."""
    b, k = len(targets), max(model.cards)
    by_var: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for q, values in enumerate(fixed):
        for var, val in values.items():
            by_var[var][0].append(q)
            by_var[var][1].append(val)
    target_rows: dict[int, list[int]] = defaultdict(list)
    for q, y in enumerate(targets):
        target_rows[y].append(q)
    cut_rows: dict[int, list[int]] = defaultdict(list)
    for q, cut in enumerate(cuts):
        for var in cut:
            cut_rows[var].append(q)
    tables = []
    for i in range(model.n):
        card = model.cards[i]
        lam = np.ones((b, k, card))  # indicator on x_i per (query, target state)
        rows, vals = by_var.get(i, ([], []))
        if rows:
            lam[rows] = np.eye(card)[vals][:, None, :]
        if target_rows.get(i):
            lam[target_rows[i]] *= np.eye(k, card)
        cpt = np.broadcast_to(model.cpts[i], (b, *model.cpts[i].shape)).copy()
        if cut_rows.get(i):
            cpt[cut_rows[i]] = 1.0
        view = (b, 1, *model.cpts[i].shape)
        lam_view = (b, k) + (1,) * len(model.parents[i]) + (card,)
        t = cpt.reshape(view) * lam.reshape(lam_view)
        tables.append(t.reshape(b * k, *model.cpts[i].shape))
    return tables


def solve_batch(model: DiscreteSCM, cuts: list[frozenset[int]], fixed: list[dict[int, int]],
                targets: list[int]) -> np.ndarray:
    """Unnormalised ``(B, K)`` table: ``P(Y_b = k, E_b | do_b)`` (zero for k >= card(Y_b))."""
    b, k = len(targets), max(model.cards)
    return batch_plan(model).run(batch_tables(model, cuts, fixed, targets)).reshape(b, k)
