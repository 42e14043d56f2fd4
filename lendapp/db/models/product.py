"""Loan products: the configured offers shown on the site and used by applications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now


class LoanProduct(SQLModel, table=True):
    """A loan product (贷款产品) with its rate range, fees, terms and eligibility.

    Rates are annual fractions (0.0999 is 9.99%); amounts are yuan.
    """

    __tablename__ = "loan_product"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, sa_column_kwargs={"unique": True}, description="URL slug, e.g. consumer-flex.")
    segment: str = Field(max_length=32, index=True, description="consumer, small_business, agricultural or education.")
    method: str = Field(max_length=32, description="Default repayment method.")
    name_zh: str = Field(max_length=128)
    name_en: str = Field(max_length=128)
    summary_zh: str = Field(default="", max_length=512)
    summary_en: str = Field(default="", max_length=512)
    min_amount: Decimal = Field(sa_type=ExactDecimal(18, 2))
    max_amount: Decimal = Field(sa_type=ExactDecimal(18, 2))
    min_term_months: int
    max_term_months: int
    min_annual_rate: Decimal = Field(sa_type=ExactDecimal(9, 6))
    max_annual_rate: Decimal = Field(sa_type=ExactDecimal(9, 6))
    upfront_fee_rate: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(9, 6))
    penalty_daily_rate: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(9, 6))
    grace_days: int = Field(default=3)
    min_age: int = Field(default=18)
    max_age: int = Field(default=60)
    version: int = Field(default=1)
    is_active: bool = Field(default=True)
    sort_order: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
