"""Training data from lendapp's own matured loans, for when the book is large enough.

A loan's outcome is known once it is closed (settled, settled early or
written off), once it has reached the default definition (90 or more days past
due at any time), or once 90 days have passed since its maturity. Defaulted
means it reached 90 days past due or was written off. Each outcome is paired
with the application's features as they were decided, mapped exactly as the
scoring service maps a live application, so the model learns from the inputs
it will see.

Until ``MIN_MATURED_LOANS`` outcomes with at least ``MIN_DEFAULTS`` defaults
exist, training stays on German Credit: a model fitted on a handful of loans
would decide worse than the cold-start one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication, LoanInstallment
from lendapp.risk.features import DECISION_DATE, MODEL_FEATURES, TARGET, OutcomeRecord, build_training_frame
from lendapp.risk.registry import ModelRegistry
from lendapp.services.kyc import local_today
from lendapp.services.scoring_service import features_of

logger = logging.getLogger(__name__)

DEFAULT_DPD = 90
OBSERVATION_DAYS = 90
MIN_MATURED_LOANS = 500
MIN_DEFAULTS = 30
_CLOSED = ("settled", "settled_early", "written_off")


class InsufficientOutcomesError(ValueError):
    """Too few matured loans (or defaults among them) to train on the platform's own data."""


@dataclasses.dataclass(frozen=True)
class PlatformData:
    """A time-ordered training frame of matured loans, and its fingerprint for the model registry."""

    frame: pd.DataFrame
    sha256: str

    @property
    def X(self) -> pd.DataFrame:  # noqa: N802
        """The model inputs in ``MODEL_FEATURES`` order."""
        return self.frame[list(MODEL_FEATURES)]

    @property
    def y(self) -> np.ndarray:
        """1 for a defaulted loan."""
        return self.frame[TARGET].to_numpy(dtype=np.int64)


def _age_at(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - (0 if (on.month, on.day) >= (birth.month, birth.day) else 1)


def outcome_records(today: dt.date | None = None, registry: ModelRegistry | None = None) -> list[OutcomeRecord]:
    """Collect the outcome of every matured loan with the features its application was decided on.

    Raises:
        InsufficientOutcomesError: No active model gives the baseline for inputs the wizard does not collect.
    """
    today = today or local_today()
    registry = registry or ModelRegistry()
    if registry.active_version() is None:
        raise InsufficientOutcomesError("no active model: train on German Credit first (`python -m lendapp model train`)")
    baseline = registry.load_active().baseline
    matured = sa.or_(
        Loan.state.in_(_CLOSED),
        Loan.max_dpd >= DEFAULT_DPD,
        Loan.maturity_date <= today - dt.timedelta(days=OBSERVATION_DAYS),
    )
    records: list[OutcomeRecord] = []
    with session_scope() as session:
        first_payment = (
            sa.select(LoanInstallment.loan_id, (LoanInstallment.principal + LoanInstallment.interest + LoanInstallment.fee).label("payment"))
            .where(LoanInstallment.seq == 1, LoanInstallment.schedule_version == 1)
            .subquery()
        )
        rows = session.execute(
            select(Loan, LoanApplication, first_payment.c.payment)
            .join(LoanApplication, LoanApplication.id == Loan.application_id)
            .join(first_payment, first_payment.c.loan_id == Loan.id)
            .where(matured)
            .order_by(Loan.disbursed_at)
        ).all()
        for loan, application, payment in rows:
            decided = (application.decided_at or loan.disbursed_at).date()
            if application.birth_date is None or application.monthly_income is None:
                continue
            features = features_of(application, baseline, _age_at(application.birth_date, decided), payment)
            defaulted = loan.max_dpd >= DEFAULT_DPD or loan.state == "written_off"
            records.append(OutcomeRecord(features=features, defaulted=defaulted, decision_date=decided))
    logger.info("Collected %d matured loan outcomes (%d defaulted)", len(records), sum(r.defaulted for r in records))
    return records


def platform_training_data(
    today: dt.date | None = None,
    registry: ModelRegistry | None = None,
    min_loans: int = MIN_MATURED_LOANS,
    min_defaults: int = MIN_DEFAULTS,
) -> PlatformData:
    """Build the training frame from matured loans, refusing a book too small to learn from.

    Raises:
        InsufficientOutcomesError: Fewer than ``min_loans`` outcomes or ``min_defaults`` defaults.
    """
    records = outcome_records(today, registry)
    defaults = sum(record.defaulted for record in records)
    if len(records) < min_loans or defaults < min_defaults:
        raise InsufficientOutcomesError(
            f"{len(records)} matured loans with {defaults} defaults; at least {min_loans} loans and "
            f"{min_defaults} defaults are needed, so keep training on German Credit"
        )
    frame = build_training_frame(records)
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()
    return PlatformData(frame=frame, sha256=digest)


def default_cutoff(frame: pd.DataFrame, share: float = 0.8) -> dt.date:
    """The decision date that leaves the newest ``1 - share`` of loans for the time-split test."""
    dates = frame[DECISION_DATE].sort_values().reset_index(drop=True)
    return dates.iloc[min(len(dates) - 1, int(len(dates) * share))].date()
