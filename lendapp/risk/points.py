"""The points scale that turns a probability of default into a credit score.

``score = OFFSET + FACTOR * ln(odds)``, where ``odds = (1 - pd) / pd`` are the
good:bad odds, ``FACTOR = PDO / ln(2)`` and
``OFFSET = BASE_SCORE - FACTOR * ln(BASE_ODDS)``. With the constants below,
odds of 19:1 (PD 5%) score 600 and every doubling of the odds adds 50 points:
38:1 scores 650 and 9.5:1 scores 550.
"""

from __future__ import annotations

import math

import numpy as np

BASE_SCORE = 600.0
BASE_ODDS = 19.0
PDO = 50.0
FACTOR = PDO / math.log(2.0)
OFFSET = BASE_SCORE - FACTOR * math.log(BASE_ODDS)

# Scores are clamped to this range, so a PD of nearly 0 or 1 still gives a
# readable number (PD 0.01% would otherwise score over 1,000).
MIN_SCORE = 300
MAX_SCORE = 900
# PDs are kept this far from 0 and 1 before taking the odds, so they stay finite.
PD_EPSILON = 1e-6


def score_from_odds(odds: float) -> float:
    """Return the unrounded, unclamped points for good:bad ``odds``."""
    return OFFSET + FACTOR * math.log(odds)


def score_from_pd(pd_value: float) -> int:
    """Return the clamped integer score of a probability of default."""
    clipped = min(max(pd_value, PD_EPSILON), 1.0 - PD_EPSILON)
    points = score_from_odds((1.0 - clipped) / clipped)
    return int(min(max(round(points), MIN_SCORE), MAX_SCORE))


def scores_from_pd(pd_values: np.ndarray) -> np.ndarray:
    """Return clamped integer scores of an array of probabilities of default."""
    clipped = np.clip(np.asarray(pd_values, dtype=float), PD_EPSILON, 1.0 - PD_EPSILON)
    points = OFFSET + FACTOR * np.log((1.0 - clipped) / clipped)
    return np.clip(np.rint(points), MIN_SCORE, MAX_SCORE).astype(np.int64)
