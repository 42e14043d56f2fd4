"""Application features: what lendapp collects, and what the credit model reads from it.

``ApplicationFeatures`` is one application as the scoring code sees it. The
model reads ``MODEL_FEATURES``, a subset in a fixed order. ``sex`` and
``province`` are kept for fairness monitoring only, and ``monthly_income`` and
``segment`` feed the credit policy. None of those four is a model input,
because the cold-start training data has no income or province and the model
must not price by sex.

Categorical values are lowercase codes. ``CATEGORIES`` lists the codes that
lendapp accepts, which can be more than the training data contains (German
Credit has no agricultural purpose, for example). The model handles a code it
never saw as described in ``lendapp.risk.training``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal

import pandas as pd

NUMERIC_FEATURES: tuple[str, ...] = (
    "age",
    "loan_amount",
    "term_months",
    "employment_months",
    "installment_rate_band",
    "residence_years",
    "existing_credits",
    "dependants",
)
CATEGORICAL_FEATURES: tuple[str, ...] = (
    "checking_status",
    "credit_history",
    "purpose",
    "savings",
    "housing",
    "property",
    "other_installment_plans",
    "guarantor",
    "job",
)
# The model's input columns, in the order every frame and array must use.
MODEL_FEATURES: tuple[str, ...] = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# Fields of ApplicationFeatures that the model never reads.
NON_MODEL_FIELDS: tuple[str, ...] = ("sex", "province", "monthly_income", "segment")

TARGET = "defaulted"
DECISION_DATE = "decision_date"

CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male"),
    "segment": ("consumer", "small_business", "agricultural", "education"),
    "checking_status": ("no_account", "negative", "low", "high"),
    "credit_history": ("no_credits", "all_paid_here", "paid_duly", "past_delay", "critical"),
    "purpose": (
        "car_new",
        "car_used",
        "furniture",
        "electronics",
        "appliances",
        "repairs",
        "education",
        "retraining",
        "business",
        "agriculture",
        "other",
    ),
    "savings": ("none", "below_400", "400_to_2000", "2000_to_4000", "4000_plus"),
    "housing": ("own", "rent", "free"),
    "property": ("real_estate", "savings_insurance", "car_other", "none"),
    "other_installment_plans": ("none", "bank", "stores"),
    "guarantor": ("none", "guarantor", "co_applicant"),
    "job": ("unemployed_nonresident", "unskilled", "skilled", "management"),
}

# Inclusive ranges that an application's numeric fields must fall in.
NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "age": (16, 100),
    "loan_amount": (0.01, 10_000_000),
    "term_months": (1, 360),
    "employment_months": (0, 720),
    "installment_rate_band": (1, 4),
    "residence_years": (1, 4),
    "existing_credits": (0, 50),
    "dependants": (0, 20),
}


class FeatureSchemaError(ValueError):
    """Input columns or values that do not match the model's feature contract."""


@dataclass(frozen=True)
class ApplicationFeatures:
    """One application's scoring inputs.

    Attributes:
        age: Applicant's age in whole years at the application date.
        sex: ``female`` or ``male``, from the ID card; monitoring only.
        monthly_income: Verified monthly income in yuan, or None when not given.
        employment_months: Months in the current job; 0 when unemployed.
        housing: ``own``, ``rent`` or ``free`` (lives rent-free, for example with family).
        dependants: People the applicant supports financially.
        loan_amount: Requested principal in yuan.
        term_months: Requested term in months.
        purpose: Loan purpose code from ``CATEGORIES["purpose"]``.
        segment: Product segment: consumer, small_business, agricultural or education.
        existing_credits: Open credits at lendapp, counting this one (German Credit counts it too).
        province: Province of residence (a name or GB/T 2260 code); monitoring only.
        checking_status: Current-account balance band from the bank statement.
        credit_history: Repayment history from the credit report.
        savings: Savings and deposits band in yuan.
        property: Most valuable property type.
        other_installment_plans: Instalment credit elsewhere: none, bank or stores.
        guarantor: none, guarantor or co_applicant.
        job: Occupation level.
        installment_rate_band: Monthly instalment as a share of disposable income, 1 to 4
            (see ``installment_rate_band``).
        residence_years: Years at the current address, 1 to 4 (4 means four or more).
    """

    age: int
    sex: str
    monthly_income: Decimal | None
    employment_months: int
    housing: str
    dependants: int
    loan_amount: Decimal
    term_months: int
    purpose: str
    segment: str
    existing_credits: int
    province: str | None
    checking_status: str
    credit_history: str
    savings: str
    property: str
    other_installment_plans: str
    guarantor: str
    job: str
    installment_rate_band: int
    residence_years: int

    def __post_init__(self) -> None:
        for name, allowed in CATEGORIES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise FeatureSchemaError(f"{name}: invalid value {value!r}; allowed {', '.join(allowed)}")
        for name, (low, high) in NUMERIC_RANGES.items():
            value = float(getattr(self, name))
            if not (math.isfinite(value) and low <= value <= high):
                raise FeatureSchemaError(f"{name}: invalid value {value!r}; allowed {low:g} to {high:g}")
        if self.monthly_income is not None and not (Decimal(self.monthly_income).is_finite() and self.monthly_income >= 0):
            raise FeatureSchemaError(f"monthly_income: invalid value {self.monthly_income!r}; allowed 0 or more, or None")

    def model_row(self) -> dict[str, object]:
        """Return the model's inputs as a dict in ``MODEL_FEATURES`` order, amounts as floats."""
        row: dict[str, object] = {}
        for name in NUMERIC_FEATURES:
            row[name] = float(getattr(self, name))
        for name in CATEGORICAL_FEATURES:
            row[name] = getattr(self, name)
        return row


def installment_rate_band(monthly_installment: Decimal, monthly_income: Decimal) -> int:
    """Map the instalment's share of monthly income onto German Credit's bands 1 to 4.

    Band 1 is under 20%, 2 is 20% to under 25%, 3 is 25% to under 35% and 4 is
    35% or more, so a higher band means a heavier burden.

    NOTE: The Statlog documentation gives this attribute only as "installment
    rate in percentage of disposable income" with values 1 to 4. The cut
    points above follow the ordering of the data (higher values, higher
    shares) and are an assumption, not a published definition.

    Raises:
        FeatureSchemaError: When the income is not above zero.
    """
    if monthly_income <= 0:
        raise FeatureSchemaError(f"monthly_income: invalid value {monthly_income}; allowed above 0")
    share = monthly_installment / monthly_income
    if share < Decimal("0.20"):
        return 1
    if share < Decimal("0.25"):
        return 2
    if share < Decimal("0.35"):
        return 3
    return 4


def frame_from_applications(applications: Sequence[ApplicationFeatures]) -> pd.DataFrame:
    """Build a frame of the model's input columns, one row per application, in ``MODEL_FEATURES`` order."""
    rows = [application.model_row() for application in applications]
    return pd.DataFrame(rows, columns=list(MODEL_FEATURES))


def application_from_mapping(values: Mapping[str, object]) -> ApplicationFeatures:
    """Build ApplicationFeatures from a mapping with exactly its field names.

    Raises:
        FeatureSchemaError: When a field is missing or an unknown key is present.
    """
    names = [field.name for field in fields(ApplicationFeatures)]
    missing = [name for name in names if name not in values]
    unexpected = sorted(set(values) - set(names))
    if missing or unexpected:
        raise FeatureSchemaError(f"application fields: missing {missing}, unexpected {unexpected}")
    return ApplicationFeatures(**{name: values[name] for name in names})


def as_dict(application: ApplicationFeatures) -> dict[str, object]:
    """Return all fields of ``application`` as a dict."""
    return asdict(application)


@dataclass(frozen=True)
class OutcomeRecord:
    """A matured loan's application features, whether it defaulted, and when it was decided.

    Attributes:
        features: The features as they were at the decision.
        defaulted: True when the loan reached the default definition (for example 90 days past due).
        decision_date: Date the application was decided; the time split uses it.
    """

    features: ApplicationFeatures
    defaulted: bool
    decision_date: date


def build_training_frame(records: Sequence[OutcomeRecord]) -> pd.DataFrame:
    """Build a training frame from matured-loan outcomes, sorted by decision date.

    The frame has the ``MODEL_FEATURES`` columns, then ``defaulted`` (0 or 1)
    and ``decision_date``.

    Raises:
        FeatureSchemaError: When ``records`` is empty or has only one outcome class.
    """
    if not records:
        raise FeatureSchemaError("outcome records: none given; train on German Credit until loans mature")
    ordered = sorted(records, key=lambda record: record.decision_date)
    frame = frame_from_applications([record.features for record in ordered])
    frame[TARGET] = [int(record.defaulted) for record in ordered]
    frame[DECISION_DATE] = pd.to_datetime([record.decision_date for record in ordered])
    if frame[TARGET].nunique() < 2:
        raise FeatureSchemaError("outcome records: all loans have the same outcome; both defaults and repaid loans are needed")
    return frame


def split_by_time(frame: pd.DataFrame, cutoff: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a training frame into decisions before ``cutoff`` (train) and on or after it (test).

    A time split measures what a model trained on older loans does on newer
    applications, which a random split overstates when the population drifts.

    Raises:
        FeatureSchemaError: When either part would be empty.
    """
    moment = pd.Timestamp(cutoff)
    before = frame[frame[DECISION_DATE] < moment]
    after = frame[frame[DECISION_DATE] >= moment]
    if before.empty or after.empty:
        raise FeatureSchemaError(
            f"cutoff {cutoff.isoformat()}: leaves {len(before)} training and {len(after)} test rows; "
            "choose a date between the first and last decision"
        )
    return before.reset_index(drop=True), after.reset_index(drop=True)
