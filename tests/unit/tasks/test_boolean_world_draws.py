"""Input draws index the kept inputs without listing them: the same inputs, in the same order, as
listing every input of ``itertools.product`` and filtering out the held-out ones."""

from __future__ import annotations

from itertools import product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reasonlab.tasks.boolean_world.task import _as_int, _Inputs


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(0, 2**n - 1)))))
def test_kept_inputs_match_the_filtered_list(case):
    n, held = case
    inputs = _Inputs(n, np.array(sorted(held), dtype=np.int64))
    every = list(product((0, 1), repeat=n))
    assert [inputs.bits(x) for x in range(inputs.total)] == every
    assert all(_as_int(v) == i for i, v in enumerate(every))
    pool = [v for v in every if _as_int(v) not in held]
    assert [inputs.bits(inputs.kept(k)) for k in range(len(pool))] == pool
    assert [inputs.is_held(x) for x in range(inputs.total)] == [x in held for x in range(inputs.total)]
