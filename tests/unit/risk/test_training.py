"""Training: cross-validated AUC on fixed folds and the WOE transformer."""

from __future__ import annotations

import numpy as np
import pytest

from lendapp.risk.training import LOGISTIC, TrainingResult, cross_validate
from lendapp.risk.transformers import WoeBinner

# Mean AUC of the scorecard over the five fixed folds (random_state 42), as
# reported by `python -m lendapp model train` and bench/README.md.
REPORTED_SCORECARD_AUC = 0.783
AUC_TOLERANCE = 0.005


def test_scorecard_cv_auc_as_reported(german_credit: tuple) -> None:
    frame, target, _ = german_credit

    result = cross_validate(frame, target, kinds=(LOGISTIC,), n_jobs=1)[LOGISTIC]

    assert result.mean.auc == pytest.approx(REPORTED_SCORECARD_AUC, abs=AUC_TOLERANCE)
    assert len(result.folds) == 5
    assert result.mean.gini == pytest.approx(2 * result.mean.auc - 1)


def test_training_result_metrics_consistent(scorecard_result: TrainingResult) -> None:
    mean = scorecard_result.cross_validation[LOGISTIC].mean

    assert 0.0 < mean.ks < 1.0
    assert 0.0 < mean.brier < 0.25
    assert scorecard_result.default_rate == pytest.approx(0.3)


def test_woe_empty_bin_stays_finite() -> None:
    values = np.array([[1.0], [1.0], [2.0], [2.0], [3.0], [3.0]])
    target = np.array([0, 0, 1, 1, 0, 0])

    woe = WoeBinner(max_bins=3).fit(values, target)

    assert np.isfinite(woe.transform(values)).all()
    assert woe.transform([[2.0]])[0, 0] < woe.transform([[1.0]])[0, 0]


def test_woe_out_of_range_uses_edge_bins() -> None:
    values = np.arange(100, dtype=float).reshape(-1, 1)
    target = (values[:, 0] > 50).astype(int)
    woe = WoeBinner().fit(values, target)

    assert woe.transform([[-1e9]])[0, 0] == woe.transform([[0.0]])[0, 0]
    assert woe.transform([[1e9]])[0, 0] == woe.transform([[99.0]])[0, 0]


def test_woe_nan_input_raises() -> None:
    woe = WoeBinner().fit(np.arange(10, dtype=float).reshape(-1, 1), np.array([0, 1] * 5))

    with pytest.raises(ValueError, match="NaN"):
        woe.transform([[np.nan]])
