"""Answer extraction and scoring shared by tasks (parsers, TVD, numeric tolerance)."""

from .distribution import (
    ACCURACY_THRESHOLDS,
    DISTRIBUTION_REWARDS,
    accuracy_at,
    is_valid,
    score_distribution,
    tvd,
)
from .extract import Extracted, extract_list, extract_number, extract_yes_no, seed_list
from .scalar import score_number, score_numbers, score_yes_no
from .score import Score

__all__ = [
    "ACCURACY_THRESHOLDS",
    "DISTRIBUTION_REWARDS",
    "Extracted",
    "Score",
    "accuracy_at",
    "extract_list",
    "extract_number",
    "extract_yes_no",
    "is_valid",
    "score_distribution",
    "score_number",
    "score_numbers",
    "score_yes_no",
    "seed_list",
    "tvd",
]
