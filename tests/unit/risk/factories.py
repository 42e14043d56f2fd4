"""Builders of valid test inputs for the credit scoring tests."""

from __future__ import annotations

from decimal import Decimal

from lendapp.risk.features import ApplicationFeatures


def make_application(**changes: object) -> ApplicationFeatures:
    """Return a valid application, with ``changes`` applied."""
    values: dict[str, object] = {
        "age": 35,
        "sex": "female",
        "monthly_income": Decimal("12000"),
        "employment_months": 30,
        "housing": "own",
        "dependants": 1,
        "loan_amount": Decimal("20000"),
        "term_months": 12,
        "purpose": "electronics",
        "segment": "consumer",
        "existing_credits": 1,
        "province": "Zhejiang",
        "checking_status": "no_account",
        "credit_history": "paid_duly",
        "savings": "below_400",
        "property": "car_other",
        "other_installment_plans": "none",
        "guarantor": "none",
        "job": "skilled",
        "installment_rate_band": 2,
        "residence_years": 2,
    }
    values.update(changes)
    return ApplicationFeatures(**values)  # type: ignore[arg-type]

