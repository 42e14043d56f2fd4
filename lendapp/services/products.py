"""Reading loan products for the public pages."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ProductSummary:
    """What the home page shows of one product, in both languages."""

    code: str
    segment: str
    method: str
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    upfront_fee_rate: Decimal


def list_active_products(engine: sa.Engine | None = None) -> list[ProductSummary]:
    """Return the active products in display order."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(LoanProduct).where(LoanProduct.is_active).order_by(LoanProduct.sort_order, LoanProduct.id)
        ).all()
        return [
            ProductSummary(**{field.name: getattr(row, field.name) for field in dataclasses.fields(ProductSummary)})
            for row in rows
        ]
