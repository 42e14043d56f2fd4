"""Demo data for an empty database: loan products and one staff account per role."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import func, select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct, UserAccount
from lendapp.domain.roles import STAFF_ROLES
from lendapp.services.passwords import hash_password

logger = logging.getLogger(__name__)

# One product per segment lendapp serves. Rates are annual fractions, amounts yuan.
DEMO_PRODUCTS = (
    dict(
        code="consumer-flex", segment="consumer", method="equal_installment", sort_order=1,
        name_zh="随心消费贷", name_en="Flexi consumer loan",
        summary_zh="日常消费与大额购物，按月等额还款。",
        summary_en="Everyday and larger purchases, repaid in equal monthly installments.",
        min_amount=Decimal("1000"), max_amount=Decimal("200000"), min_term_months=3, max_term_months=36,
        min_annual_rate=Decimal("0.072"), max_annual_rate=Decimal("0.18"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0005"), grace_days=3, min_age=22, max_age=55,
    ),
    dict(
        code="business-working-capital", segment="small_business", method="equal_principal", sort_order=2,
        name_zh="小微经营贷", name_en="Small business working capital",
        summary_zh="个体工商户和小微企业主的周转资金。",
        summary_en="Working capital for sole traders and small business owners.",
        min_amount=Decimal("10000"), max_amount=Decimal("300000"), min_term_months=6, max_term_months=36,
        min_annual_rate=Decimal("0.06"), max_annual_rate=Decimal("0.15"), upfront_fee_rate=Decimal("0.01"),
        penalty_daily_rate=Decimal("0.0005"), grace_days=3, min_age=22, max_age=60,
    ),
    dict(
        code="agri-season", segment="agricultural", method="interest_only", sort_order=3,
        name_zh="春耕农户贷", name_en="Seasonal farm loan",
        summary_zh="种子、化肥、农机投入，先息后本，收获后还本。",
        summary_en="Seed, fertiliser and machinery: interest monthly, principal after the harvest.",
        min_amount=Decimal("5000"), max_amount=Decimal("100000"), min_term_months=6, max_term_months=12,
        min_annual_rate=Decimal("0.048"), max_annual_rate=Decimal("0.096"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0003"), grace_days=5, min_age=18, max_age=65,
    ),
    dict(
        code="education-study", segment="education", method="equal_installment", sort_order=4,
        name_zh="助学成长贷", name_en="Study loan",
        summary_zh="学费与职业培训，灵活期限。",
        summary_en="Tuition and vocational training with flexible terms.",
        min_amount=Decimal("2000"), max_amount=Decimal("80000"), min_term_months=6, max_term_months=48,
        min_annual_rate=Decimal("0.042"), max_annual_rate=Decimal("0.096"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0003"), grace_days=7, min_age=18, max_age=45,
    ),
)


@dataclasses.dataclass(frozen=True)
class SeedResult:
    """What a seed run created; passwords are shown once and never stored in plain text."""

    products_created: int
    staff_passwords: dict[str, str]


def seed_demo_data(engine: sa.Engine | None = None) -> SeedResult:
    """Insert demo products and staff accounts into tables that are still empty.

    Running it again changes nothing, so ``make run`` can call it on every start.
    """
    products_created = 0
    passwords: dict[str, str] = {}
    with session_scope(engine) as session:
        if session.exec(select(func.count()).select_from(LoanProduct)).one() == 0:
            for values in DEMO_PRODUCTS:
                session.add(LoanProduct(**values))
            products_created = len(DEMO_PRODUCTS)
        has_staff = session.exec(
            select(func.count()).select_from(UserAccount).where(UserAccount.role.in_([str(r) for r in STAFF_ROLES]))
        ).one()
        if has_staff == 0:
            for role in STAFF_ROLES:
                password = secrets.token_urlsafe(12)
                session.add(
                    UserAccount(role=str(role), login=f"demo_{role}", display_name=f"Demo {role}", password_hash=hash_password(password))
                )
                passwords[f"demo_{role}"] = password
    logger.info("Seed finished: %d products, %d staff accounts created", products_created, len(passwords))
    return SeedResult(products_created=products_created, staff_passwords=passwords)
