"""Monitoring: PSI, default rate by score band and the fairness report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lendapp.risk.monitoring import (
    PSI_ALERT,
    age_band,
    categorical_reference,
    default_rate_by_band,
    drift_report,
    fairness_report,
    numeric_reference,
    population_stability_index,
)
from lendapp.risk.training import TrainingResult


def test_psi_identical_distribution_zero() -> None:
    values = np.random.default_rng(0).normal(size=5000)

    reference = numeric_reference("x", values)

    assert population_stability_index(reference, values) == pytest.approx(0.0, abs=1e-12)


def test_psi_empty_bins_finite() -> None:
    reference = numeric_reference("x", np.arange(1000, dtype=float))

    psi = population_stability_index(reference, np.full(50, 5.0))

    assert math.isfinite(psi)
    assert psi > PSI_ALERT


def test_psi_new_category_finite() -> None:
    reference = categorical_reference("purpose", ["car_new"] * 60 + ["business"] * 40)

    psi = population_stability_index(reference, ["agriculture"] * 10)

    assert math.isfinite(psi)
    assert psi > PSI_ALERT


def test_psi_empty_values_raise() -> None:
    reference = numeric_reference("x", np.arange(10, dtype=float))

    with pytest.raises(ValueError, match="no values"):
        population_stability_index(reference, [])


def test_drift_report_training_data_stable(scorecard_result: TrainingResult, german_credit: tuple) -> None:
    frame = german_credit[0]
    from lendapp.risk.points import scores_from_pd

    scores = scores_from_pd(scorecard_result.model.predict_proba(frame)[:, 1])

    report = drift_report(scorecard_result.monitoring, scores, frame)

    assert [result.name for result in report][0] == "score"
    assert all(result.psi == pytest.approx(0.0, abs=1e-9) for result in report)
    assert not any(result.alert for result in report)


def test_default_rate_by_band_values() -> None:
    outcomes = default_rate_by_band([420, 430, 610, 620], [0.4, 0.3, 0.05, 0.03], [True, False, False, False])

    by_low = {outcome.low: outcome for outcome in outcomes}
    assert by_low[300].loans == 2
    assert by_low[300].observed_default_rate == 0.5
    assert by_low[300].mean_predicted_pd == pytest.approx(0.35)
    assert by_low[600].observed_default_rate == 0.0
    assert by_low[500].observed_default_rate is None


def test_fairness_report_shape() -> None:
    rows = fairness_report(
        {"sex": ["female", "male", "female", "male"], "age_band": [age_band(age) for age in (22, 40, 41, 70)]},
        approved=[True, False, True, True],
        predicted_pd=[0.1, 0.6, 0.2, 0.3],
        defaulted=[False, True, True, False],
    )

    assert [(row.attribute, row.group) for row in rows] == [
        ("sex", "female"),
        ("sex", "male"),
        ("age_band", "0-24"),
        ("age_band", "35-44"),
        ("age_band", "55+"),
    ]
    assert rows[0].approval_rate == 1.0
    assert rows[1].approval_rate == 0.5
    assert rows[0].auc == 1.0
    assert rows[2].auc is None


def test_fairness_report_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="labels"):
        fairness_report({"province": ["Zhejiang"]}, approved=[True, False])
