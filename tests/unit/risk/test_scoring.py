"""Scoring: input contract, unseen categories, fast path, PD range and reason codes."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.i18n import translate
from lendapp.risk.features import CATEGORIES, CATEGORICAL_FEATURES, MODEL_FEATURES, FeatureSchemaError
from lendapp.risk.scoring import Scorer, reason_texts, score_async
from lendapp.risk.training import TrainingResult
from tests.unit.risk.factories import make_application


def test_scoring_reordered_frame_raises(scorer: Scorer, german_credit: tuple) -> None:
    frame = german_credit[0].head(5)
    reordered = frame[list(reversed(MODEL_FEATURES))]

    with pytest.raises(FeatureSchemaError, match="out of order"):
        scorer.predict_pd(reordered)


def test_pipeline_reordered_frame_raises(scorecard_result: TrainingResult, german_credit: tuple) -> None:
    frame = german_credit[0].head(5)

    with pytest.raises(FeatureSchemaError, match="out of order"):
        scorecard_result.model.predict_proba(frame[list(reversed(MODEL_FEATURES))])


def test_scoring_missing_column_raises(scorer: Scorer, german_credit: tuple) -> None:
    frame = german_credit[0].head(5).drop(columns=["savings"])

    with pytest.raises(FeatureSchemaError, match=r"missing \['savings'\]"):
        scorer.predict_pd(frame)


def test_pipeline_fit_missing_column_raises(german_credit: tuple) -> None:
    from lendapp.risk.training import LOGISTIC, build_pipeline

    frame, target, _ = german_credit

    with pytest.raises(FeatureSchemaError, match=r"missing \['age'\]"):
        build_pipeline(LOGISTIC).fit(frame.drop(columns=["age"]), target)


def test_scoring_mapping_missing_key_raises(scorer: Scorer) -> None:
    row = make_application().model_row()
    del row["term_months"]

    with pytest.raises(FeatureSchemaError, match="term_months"):
        scorer.score(row)


def test_scoring_mapping_extra_key_raises(scorer: Scorer) -> None:
    row = {**make_application().model_row(), "sex": "male"}

    with pytest.raises(FeatureSchemaError, match="unexpected"):
        scorer.score(row)


def test_scoring_nan_value_raises(scorer: Scorer) -> None:
    row = {**make_application().model_row(), "age": float("nan")}

    with pytest.raises(FeatureSchemaError, match="finite"):
        scorer.score(row)


def test_scoring_nan_in_frame_raises(scorer: Scorer, german_credit: tuple) -> None:
    frame = german_credit[0].head(3).copy()
    frame.loc[1, "loan_amount"] = np.nan

    with pytest.raises(FeatureSchemaError, match="NaN"):
        scorer.predict_pd(frame)


def test_unseen_category_flagged_not_baseline(scorer: Scorer) -> None:
    unseen = scorer.score(make_application(purpose="agriculture", segment="agricultural"))

    assert unseen.unseen_categories == ("purpose=agriculture",)
    for known in scorer.compiled.categories["purpose"]:
        assert not math.isclose(unseen.pd, scorer.score(make_application(purpose=known)).pd, rel_tol=1e-12), known


def test_unseen_category_matches_pipeline(scorer: Scorer, scorecard_result: TrainingResult) -> None:
    frame = pd.DataFrame([make_application(purpose="agriculture").model_row()])

    expected = scorecard_result.model.predict_proba(frame)[0, 1]

    assert scorer.score(make_application(purpose="agriculture")).pd == pytest.approx(expected, abs=1e-12)


def test_fast_batch_equals_pipeline(scorer: Scorer, scorecard_result: TrainingResult, german_credit: tuple) -> None:
    frame = german_credit[0]

    expected = scorecard_result.model.predict_proba(frame)[:, 1]

    np.testing.assert_allclose(scorer.predict_pd(frame), expected, rtol=0, atol=1e-12)


def test_fast_single_equals_pipeline(scorer: Scorer, scorecard_result: TrainingResult, german_credit: tuple) -> None:
    frame = german_credit[0].head(50)
    expected = scorecard_result.model.predict_proba(frame)[:, 1]

    single = [scorer.score(row).pd for row in frame.to_dict(orient="records")]

    np.testing.assert_allclose(single, expected, rtol=0, atol=1e-12)


_categorical = {name: st.sampled_from(CATEGORIES[name]) for name in CATEGORICAL_FEATURES}


@settings(max_examples=60, deadline=None)
@given(
    age=st.integers(18, 100),
    amount=st.floats(1, 10_000_000, allow_nan=False),
    term=st.integers(1, 360),
    employment=st.integers(0, 720),
    band=st.integers(1, 4),
    credits=st.integers(0, 50),
    categories=st.fixed_dictionaries(_categorical),
)
def test_pd_finite_in_unit_interval(scorer: Scorer, age: int, amount: float, term: int, employment: int, band: int, credits: int, categories: dict) -> None:
    row = make_application().model_row()
    row.update(age=age, loan_amount=amount, term_months=term, employment_months=employment, installment_rate_band=band, existing_credits=credits, **categories)

    result = scorer.score(row)

    assert math.isfinite(result.pd)
    assert 0.0 <= result.pd <= 1.0
    assert 300 <= result.score <= 900


def test_reason_codes_raise_risk(scorer: Scorer) -> None:
    result = scorer.score(make_application(checking_status="negative", credit_history="critical", term_months=60))

    assert 1 <= len(result.reason_codes) <= 4
    assert all(reason.contribution > 0 for reason in result.reason_codes)
    contributions = [reason.contribution for reason in result.reason_codes]
    assert contributions == sorted(contributions, reverse=True)


def test_reason_codes_have_catalog_texts(scorer: Scorer) -> None:
    result = scorer.score(make_application(checking_status="negative", term_months=60))

    for locale in ("zh-CN", "en"):
        assert len(reason_texts(result, locale, "staff")) == len(result.reason_codes)
        assert len(reason_texts(result, locale, "borrower")) == len(result.reason_codes)
    for name in MODEL_FEATURES:
        assert translate(f"risk.reason.staff.{name}", "en", value="x")
        assert translate(f"risk.reason.borrower.{name}", "zh-CN")


def test_score_async_matches_sync(scorer: Scorer) -> None:
    application = make_application()

    result = asyncio.run(score_async(scorer, application))

    assert result == scorer.score(application)


def test_anomaly_scores_one_per_row(scorer: Scorer, german_credit: tuple) -> None:
    scores = scorer.anomaly_scores(german_credit[0].head(10))

    assert scores.shape == (10,)
    assert np.isfinite(scores).all()
