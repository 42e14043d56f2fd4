"""Application features, the German Credit mapping and the time-based training split."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lendapp.risk.features import (
    MODEL_FEATURES,
    FeatureSchemaError,
    OutcomeRecord,
    application_from_mapping,
    as_dict,
    build_training_frame,
    installment_rate_band,
    split_by_time,
)
from lendapp.risk.german_credit import DM_TO_YUAN, load_german_credit
from tests.unit.risk.factories import make_application


def _records(count: int) -> list[OutcomeRecord]:
    start = date(2027, 1, 1)
    # Shuffled dates, so the frame's sort order is tested too.
    offsets = [(day * 7) % count for day in range(count)]
    return [
        OutcomeRecord(
            features=make_application(age=20 + offset % 40, loan_amount=Decimal(1000 + 100 * offset)),
            defaulted=offset % 4 == 0,
            decision_date=start + timedelta(days=offset),
        )
        for offset in offsets
    ]


def test_training_frame_columns_and_order() -> None:
    frame = build_training_frame(_records(40))

    assert list(frame.columns) == [*MODEL_FEATURES, "defaulted", "decision_date"]
    assert frame["decision_date"].is_monotonic_increasing
    assert frame["defaulted"].sum() == 10


def test_training_frame_rejects_one_class() -> None:
    records = [OutcomeRecord(make_application(), False, date(2027, 1, day)) for day in range(1, 5)]

    with pytest.raises(FeatureSchemaError, match="same outcome"):
        build_training_frame(records)


def test_training_frame_rejects_empty_list() -> None:
    with pytest.raises(FeatureSchemaError, match="none given"):
        build_training_frame([])


def test_time_split_separates_by_cutoff() -> None:
    frame = build_training_frame(_records(40))

    train, test = split_by_time(frame, date(2027, 1, 31))

    assert len(train) == 30
    assert len(test) == 10
    assert train["decision_date"].max() < test["decision_date"].min()


def test_time_split_rejects_empty_side() -> None:
    frame = build_training_frame(_records(10))

    with pytest.raises(FeatureSchemaError, match="choose a date"):
        split_by_time(frame, date(2026, 1, 1))


def test_application_rejects_unknown_category() -> None:
    with pytest.raises(FeatureSchemaError, match="purpose"):
        make_application(purpose="crypto")


def test_application_rejects_nan_amount() -> None:
    with pytest.raises(FeatureSchemaError, match="loan_amount"):
        make_application(loan_amount=float("nan"))


def test_application_from_mapping_missing_field() -> None:
    values = as_dict(make_application())
    del values["savings"]

    with pytest.raises(FeatureSchemaError, match="savings"):
        application_from_mapping(values)


def test_installment_band_boundaries() -> None:
    income = Decimal("10000")

    assert installment_rate_band(Decimal("1999"), income) == 1
    assert installment_rate_band(Decimal("2000"), income) == 2
    assert installment_rate_band(Decimal("2500"), income) == 3
    assert installment_rate_band(Decimal("3500"), income) == 4


def test_german_credit_mapping_shape() -> None:
    frame, target, monitoring = load_german_credit()

    assert list(frame.columns) == list(MODEL_FEATURES)
    assert len(frame) == 1000
    assert target.sum() == 300
    assert frame["loan_amount"].min() == 250 * DM_TO_YUAN
    assert set(monitoring["sex"]) == {"female", "male"}
