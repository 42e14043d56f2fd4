"""Operational records: notifications, daily job runs, collections, risk alerts,
editable policy settings and product versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now


class Notification(SQLModel, table=True):
    """One message to a borrower on one channel (inbox, email or SMS).

    ``dedupe_key`` is unique, so a reminder job that runs twice sends once.
    """

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    channel: str = Field(max_length=8, description="inbox, email or sms.")
    template: str = Field(max_length=64)
    params_json: str = Field(default="{}", sa_type=sa.Text)
    locale: str = Field(default="zh-CN", max_length=8)
    status: str = Field(default="queued", max_length=16, index=True, description="queued, sent, suppressed or failed.")
    dedupe_key: str = Field(max_length=160, sa_column_kwargs={"unique": True})
    loan_id: int | None = Field(default=None, foreign_key="loan.id")
    scheduled_for: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class NotificationPreference(SQLModel, table=True):
    """A borrower's choice for one optional channel and kind of message."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "channel", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    channel: str = Field(max_length=8)
    category: str = Field(max_length=32, description="reminder or marketing; legally required notices ignore preferences.")
    enabled: bool = Field(default=True)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one business date; unique per job and date."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "run_date"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32)
    run_date: dt.date
    status: str = Field(default="running", max_length=16, description="running, done or failed.")
    stats_json: str = Field(default="{}", sa_type=sa.Text)
    started_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class CollectionAction(SQLModel, table=True):
    """A collector's contact with an overdue borrower, a promise to pay or a note."""

    __tablename__ = "collection_action"

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    collector_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=16, description="call, sms, visit, note or promise_to_pay.")
    outcome: str = Field(default="", max_length=32)
    promised_amount: Decimal | None = Field(default=None, sa_type=ExactDecimal(18, 2))
    promised_date: dt.date | None = None
    note: str = Field(default="", max_length=1024)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)


class RiskAlert(SQLModel, table=True):
    """A fraud, drift or overdue-spike alert for risk staff."""

    __tablename__ = "risk_alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True, description="fraud, drift or overdue_spike.")
    severity: str = Field(default="medium", max_length=8)
    subject_type: str = Field(default="", max_length=16, description="application, loan or model.")
    subject_ref: str = Field(default="", max_length=64, description="An application or loan number, or a model version.")
    message_key: str = Field(max_length=64)
    params_json: str = Field(default="{}", sa_type=sa.Text)
    dedupe_key: str = Field(max_length=160, sa_column_kwargs={"unique": True})
    status: str = Field(default="open", max_length=16, index=True, description="open or acknowledged.")
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    acknowledged_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class PolicySetting(SQLModel, table=True):
    """A credit-policy threshold that risk managers change in the app; every change is audited."""

    __tablename__ = "policy_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=64, description="Stored as text; the policy parses it as Decimal or int.")
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LoanProductVersion(SQLModel, table=True):
    """A snapshot of a product at one version, kept when staff change it."""

    __tablename__ = "loan_product_version"
    __table_args__ = (sa.UniqueConstraint("product_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="loan_product.id", index=True)
    version: int
    snapshot_json: str = Field(sa_type=sa.Text)
    changed_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
