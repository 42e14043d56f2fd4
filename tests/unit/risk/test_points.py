"""The points scale: 600 points at 19:1 good:bad odds, 50 points to double the odds."""

from __future__ import annotations

import pytest

from lendapp.risk.points import MAX_SCORE, MIN_SCORE, score_from_odds, score_from_pd, scores_from_pd


def test_points_base_odds_600() -> None:
    assert score_from_odds(19.0) == pytest.approx(600.0)


def test_points_double_odds_650() -> None:
    assert score_from_odds(38.0) == pytest.approx(650.0)


def test_points_half_odds_550() -> None:
    assert score_from_odds(9.5) == pytest.approx(550.0)


def test_points_from_pd_five_percent() -> None:
    assert score_from_pd(0.05) == 600


def test_points_clamped_at_extremes() -> None:
    assert score_from_pd(0.0) == MAX_SCORE
    assert score_from_pd(1.0) == MIN_SCORE


def test_points_vector_matches_scalar() -> None:
    values = [0.01, 0.05, 0.2, 0.5, 0.9]

    assert scores_from_pd(values).tolist() == [score_from_pd(value) for value in values]
