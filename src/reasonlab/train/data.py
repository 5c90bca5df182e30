"""The order of SFT examples per epoch (a function of seed and epoch); the encoding itself
(prompt masked out of the loss, dynamic padding) is :mod:`reasonlab.models.encoding`'s, shared
with the study layer's loss landscape."""

from __future__ import annotations

import numpy as np

from ..validation import seed_sequence


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The example order of one epoch: a function of (seed, epoch) only, so a resumed run
    replays exactly the batches an uninterrupted one would."""
    return np.random.default_rng(seed_sequence(seed, "train/epoch_order", epoch)).permutation(n)
