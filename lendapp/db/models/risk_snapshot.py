"""Pre-aggregated rows of the risk dashboard, rebuilt by ``services.risk_snapshots``.

Each ``*_day`` table contains counts and Decimal sums per UTC day and
product, plus the channel, bucket or score unit a chart needs. Any window the
page offers is a sum of rows, and daily rows re-sum into months. ``day_number`` columns are days since 1970-01-01, as
``services.risk_dashboard.day_number`` computes them in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now

_DAY = "UTC day number (days since 1970-01-01)"


class RiskSnapshotRun(SQLModel, table=True):
    """One refresh of the snapshot tables; the newest row dates what the page draws."""

    __tablename__ = "risk_snapshot_run"

    id: int | None = Field(default=None, primary_key=True)
    as_of: dt.date = Field(description="The day around which this refresh stored roll rates.")
    refreshed_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    seconds: float = Field(default=0.0, description="Wall time of the refresh.")
    psi_edges: str | None = Field(default=None, sa_type=sa.Text, description="JSON list of the score bin edges of the PSI rows.")


class RiskApplicationDay(SQLModel, table=True):
    """Applications created on one day, per product and channel, and how many reached each funnel stage."""

    __tablename__ = "risk_snapshot_application_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_application_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the application's creation.")
    product_code: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    started: int
    submitted: int
    approved: int
    signed: int
    disbursed: int


class RiskDecisionDay(SQLModel, table=True):
    """Final decisions (approved or declined) made on one day, per product."""

    __tablename__ = "risk_snapshot_decision_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_decision_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the decision event.")
    product_code: str = Field(max_length=64)
    decisions: int
    approved: int
    automatic: int


class RiskScoreDay(SQLModel, table=True):
    """Scored applications decided on one day, per product, score bin and decision class."""

    __tablename__ = "risk_snapshot_score_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_score_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int | None = Field(default=None, description=f"{_DAY} of the decision; None while undecided.")
    product_code: str = Field(max_length=64)
    score_bin: int = Field(description="Lower bound of the score bin.")
    decision: str = Field(max_length=16, description="approved, declined or other.")
    applications: int


class RiskPsiDay(SQLModel, table=True):
    """Scored applications submitted on one day, per product and training score bin of ``RiskSnapshotRun.psi_edges``."""

    __tablename__ = "risk_snapshot_psi_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_psi_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int | None = Field(default=None, description=f"{_DAY} of the submission.")
    product_code: str = Field(max_length=64)
    score_bin: int = Field(description="Index of the training bin: the number of edges at or below the score.")
    applications: int


class RiskOutstandingDay(SQLModel, table=True):
    """Loans disbursed on one day that still owe principal, per product and current dpd bucket."""

    __tablename__ = "risk_snapshot_outstanding_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_outstanding_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the disbursement.")
    product_code: str = Field(max_length=64)
    dpd_bucket: str = Field(max_length=8)
    loans: int
    principal: Decimal = Field(sa_type=ExactDecimal(18, 2))


class RiskVintageDay(SQLModel, table=True):
    """Loans disbursed on one day, per product and the two days on which they can first count as 30+ dpd.

    ``late_month`` is the month (year * 12 + month - 1) of the first day 30
    days after the due date of an installment paid 30 or more days late.
    ``unpaid_day`` is 30 days after the oldest unpaid due date. It counts
    only for an as-of day on or after it, so one set of rows serves every
    as-of day.
    """

    __tablename__ = "risk_snapshot_vintage_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_vintage_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the disbursement.")
    product_code: str = Field(max_length=64)
    late_month: int | None = None
    unpaid_day: int | None = None
    loans: int


class RiskRecoveryDay(SQLModel, table=True):
    """Money received on one day on installments paid in full after their due day, and collection actions, per product."""

    __tablename__ = "risk_snapshot_recovery_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_recovery_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the payment or the action.")
    product_code: str = Field(max_length=64)
    recovered: Decimal = Field(sa_type=ExactDecimal(18, 2))
    installments: int
    actions: int
    promises: int


class RiskBandDay(SQLModel, table=True):
    """Scored loans disbursed on one day, per maturity date, product and score band: defaults and predicted PD."""

    __tablename__ = "risk_snapshot_band_day"
    __table_args__ = (sa.Index("ix_risk_snapshot_band_day_day", "day_number", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day_number: int = Field(description=f"{_DAY} of the disbursement.")
    maturity_date: dt.date
    product_code: str = Field(max_length=64)
    band_low: int = Field(description="Lower bound of the score band.")
    loans: int
    defaulted: int
    pd_sum: float = Field(description="Sum of the predicted PDs that are set.")
    pd_count: int = Field(description="Number of loans with a predicted PD.")


class RiskRollMonth(SQLModel, table=True):
    """Loans per pair of dpd buckets at two consecutive month ends, per product.

    A refresh replaces the rows of the month ends it computes and keeps the others.
    """

    __tablename__ = "risk_snapshot_roll_month"
    __table_args__ = (sa.Index("ix_risk_snapshot_roll_month_end", "end_date", "product_code"),)

    id: int | None = Field(default=None, primary_key=True)
    start_date: dt.date
    end_date: dt.date
    product_code: str = Field(max_length=64)
    from_bucket: str = Field(max_length=8)
    to_bucket: str = Field(max_length=8)
    loans: int
