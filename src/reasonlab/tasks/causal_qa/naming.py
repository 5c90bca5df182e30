"""Natural-language variable names (CLadder-style stories) and state labels.

A small built-in vocabulary of nouns that read as variables of a story; a model draws its names
without replacement, so names carry no hint of the graph. Binary variables read no/yes, ternary
ones low/medium/high; larger cardinalities keep numeric states.
"""

from __future__ import annotations

import numpy as np

VOCABULARY = (
    "rain", "sprinkler", "wet_grass", "traffic", "late_arrival", "alarm", "burglary", "earthquake",
    "smoking", "cancer", "cough", "fever", "flu", "vaccine", "exercise", "diet", "weight",
    "stress", "sleep", "coffee", "mood", "grades", "study_time", "tutoring", "income",
    "education", "savings", "debt", "marketing", "sales", "price", "demand", "supply",
    "temperature", "ice_cream", "sunburn", "pollution", "asthma", "humidity", "mold", "wind",
    "power_outage", "battery", "engine_start", "fuel", "headlights", "noise", "fatigue",
    "accident", "insurance", "season", "harvest", "soil_quality", "fertilizer", "irrigation",
    "pests", "crop_yield", "tourism", "hotel_prices", "employment",
)
STATE_LABELS: dict[int, tuple[str, ...]] = {2: ("no", "yes"), 3: ("low", "medium", "high")}


def story_names(n: int, rng: np.random.Generator) -> tuple[str, ...]:
    """``n`` distinct story names (numbered beyond the vocabulary's size)."""
    pool = list(VOCABULARY)
    picks = [pool[i] for i in rng.permutation(len(pool))[: min(n, len(pool))]]
    picks += [f"{VOCABULARY[i % len(VOCABULARY)]}_{i // len(VOCABULARY) + 1}"
              for i in range(len(pool), n)]
    return tuple(picks)
