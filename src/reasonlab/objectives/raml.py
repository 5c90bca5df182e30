"""RaML's k-of-n update (RaML on veRL, docs/origins.md): only k of each prompt's n rollouts
enter the policy gradient (math and tests: docs/objectives.md).

Advantages still come from all n rollouts (the group baseline is unchanged); the selected rows'
``gen_mask`` multiplies the policy-gradient mask. As released, entropy and KL terms still use the
full response mask (``algorithm.aux_mask: all``); ``aux_mask: pg`` restricts them too. The released
choice uses Python's unseeded global RNG; ours is a function of ``(seed, step)`` through
``SeedSequence``, so a run replays exactly.
"""

from __future__ import annotations

import numpy as np
import torch

from ..validation import seed_sequence


def select_rollouts(prompts: int, n: int, k: int, seed: int, step: int) -> torch.Tensor:
    """``(prompts * n,)`` float mask with exactly ``k`` ones in each prompt's block of ``n``."""
    if not 1 <= k <= n:
        raise ValueError(f"update_samples_per_prompt = {k} must lie in [1, n = {n}]")
    rng = np.random.default_rng(seed_sequence(seed, "raml/k_of_n", step))
    mask = np.zeros((prompts, n), dtype=np.float32)
    for row in mask:
        row[rng.choice(n, size=k, replace=False)] = 1.0
    return torch.from_numpy(mask.reshape(-1))
