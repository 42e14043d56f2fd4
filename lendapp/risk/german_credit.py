"""Mapping of the UCI German Credit data onto lendapp's application features.

The data set (``data/germancredit.csv``, see ``data/README.md``) trains the
cold-start model until lendapp has matured loans of its own. Its amounts are in
Deutsche Mark of the 1970s and are converted with ``DM_TO_YUAN``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from lendapp.risk.features import CATEGORICAL_FEATURES, MODEL_FEATURES, FeatureSchemaError

DATA_PATH = Path(__file__).resolve().parent / "data" / "germancredit.csv"

# NOTE: A fixed scale factor, not an exchange rate of any date and not adjusted
# for inflation: 1 DM = 0.51129 EUR (the 1999 conversion rate) at about 7.8 yuan
# per euro gives roughly 4 yuan. It keeps German amounts (250 to 18,424 DM) in
# the range of a Chinese microloan (1,000 to about 74,000 yuan).
DM_TO_YUAN = 4.0

_CHECKING = {
    "no checking account": "no_account",
    "... < 0 DM": "negative",
    "0 <= ... < 200 DM": "low",
    "... >= 200 DM / salary assignments for at least 1 year": "high",
}
_CREDIT_HISTORY = {
    "no credits taken/ all credits paid back duly": "no_credits",
    "all credits at this bank paid back duly": "all_paid_here",
    "existing credits paid back duly till now": "paid_duly",
    "delay in paying off in the past": "past_delay",
    "critical account/ other credits existing (not at this bank)": "critical",
}
_PURPOSE = {
    "car (new)": "car_new",
    "car (used)": "car_used",
    "furniture/equipment": "furniture",
    "radio/television": "electronics",
    "domestic appliances": "appliances",
    "repairs": "repairs",
    "education": "education",
    "retraining": "retraining",
    "business": "business",
    "others": "other",
}
_SAVINGS = {
    "unknown/ no savings account": "none",
    "... < 100 DM": "below_400",
    "100 <= ... < 500 DM": "400_to_2000",
    "500 <= ... < 1000 DM": "2000_to_4000",
    "... >= 1000 DM": "4000_plus",
}
# Band midpoints in months; 7 years or more counts as 8 years.
_EMPLOYMENT_MONTHS = {
    "unemployed": 0,
    "... < 1 year": 6,
    "1 <= ... < 4 years": 30,
    "4 <= ... < 7 years": 66,
    "... >= 7 years": 96,
}
_HOUSING = {"own": "own", "rent": "rent", "for free": "free"}
_PROPERTY = {
    "real estate": "real_estate",
    "building society savings agreement/ life insurance": "savings_insurance",
    "car or other, not in attribute Savings account/bonds": "car_other",
    "unknown / no property": "none",
}
_OTHER_PLANS = {"none": "none", "bank": "bank", "stores": "stores"}
_GUARANTOR = {"none": "none", "guarantor": "guarantor", "co-applicant": "co_applicant"}
_JOB = {
    "unemployed/ unskilled - non-resident": "unemployed_nonresident",
    "unskilled - resident": "unskilled",
    "skilled employee / official": "skilled",
    "management/ self-employed/ highly qualified employee/ officer": "management",
}
_SEX = {
    "male : single": "male",
    "male : married/widowed": "male",
    "male : divorced/separated": "male",
    "female : divorced/separated/married": "female",
}
_SEGMENT_OF_PURPOSE = {"business": "small_business", "education": "education", "retraining": "education"}


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _map(raw: pd.Series, mapping: dict[str, str | int], column: str) -> pd.Series:
    mapped = raw.map(mapping)
    unknown = sorted(set(raw[mapped.isna()].astype(str)))
    if unknown:
        raise FeatureSchemaError(f"German Credit column {column}: unknown values {unknown}; update the mapping")
    return mapped


def load_german_credit(path: Path = DATA_PATH) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Read German Credit and map it onto lendapp's features.

    Returns:
        The model frame (``MODEL_FEATURES`` columns in order), the target
        (1 for a bad credit, 0 for good), and a frame of the monitoring-only
        columns ``sex``, ``age``, ``segment`` and ``foreign_worker``.

    Raises:
        FeatureSchemaError: When a column is missing or contains a value the mapping does not cover.
    """
    raw = pd.read_csv(path)
    required = {
        "status_of_existing_checking_account",
        "duration_in_month",
        "credit_history",
        "purpose",
        "credit_amount",
        "savings_account_and_bonds",
        "present_employment_since",
        "installment_rate_in_percentage_of_disposable_income",
        "personal_status_and_sex",
        "other_debtors_or_guarantors",
        "present_residence_since",
        "property",
        "age_in_years",
        "other_installment_plans",
        "housing",
        "number_of_existing_credits_at_this_bank",
        "job",
        "number_of_people_being_liable_to_provide_maintenance_for",
        "creditability",
    }
    missing = sorted(required - set(raw.columns))
    if missing:
        raise FeatureSchemaError(f"{path}: missing German Credit columns {missing}")

    frame = pd.DataFrame(
        {
            "age": raw["age_in_years"].astype(float),
            "loan_amount": raw["credit_amount"].astype(float) * DM_TO_YUAN,
            "term_months": raw["duration_in_month"].astype(float),
            "employment_months": _map(raw["present_employment_since"], _EMPLOYMENT_MONTHS, "present_employment_since").astype(float),
            "installment_rate_band": raw["installment_rate_in_percentage_of_disposable_income"].astype(float),
            "residence_years": raw["present_residence_since"].astype(float),
            "existing_credits": raw["number_of_existing_credits_at_this_bank"].astype(float),
            "dependants": raw["number_of_people_being_liable_to_provide_maintenance_for"].astype(float),
            "checking_status": _map(raw["status_of_existing_checking_account"], _CHECKING, "status_of_existing_checking_account"),
            "credit_history": _map(raw["credit_history"], _CREDIT_HISTORY, "credit_history"),
            "purpose": _map(raw["purpose"], _PURPOSE, "purpose"),
            "savings": _map(raw["savings_account_and_bonds"], _SAVINGS, "savings_account_and_bonds"),
            "housing": _map(raw["housing"], _HOUSING, "housing"),
            "property": _map(raw["property"], _PROPERTY, "property"),
            "other_installment_plans": _map(raw["other_installment_plans"], _OTHER_PLANS, "other_installment_plans"),
            "guarantor": _map(raw["other_debtors_or_guarantors"], _GUARANTOR, "other_debtors_or_guarantors"),
            "job": _map(raw["job"], _JOB, "job"),
        }
    )[list(MODEL_FEATURES)]
    # Plain object columns, so that encoders and the fast scoring path compare Python strings.
    for column in CATEGORICAL_FEATURES:
        frame[column] = frame[column].astype(object)

    target = _map(raw["creditability"], {"good": 0, "bad": 1}, "creditability").to_numpy(dtype=np.int64)
    monitoring = pd.DataFrame(
        {
            "sex": _map(raw["personal_status_and_sex"], _SEX, "personal_status_and_sex"),
            "age": raw["age_in_years"].astype(int),
            "segment": frame["purpose"].map(lambda purpose: _SEGMENT_OF_PURPOSE.get(purpose, "consumer")),
            "foreign_worker": raw.get("foreign_worker", pd.Series(["unknown"] * len(raw))),
        }
    )
    return frame, target, monitoring
