"""Loan quotes for the public calculator and product pages, computed by the loan engine.

A quote is a product's terms applied to an amount, term, repayment method and
nominal rate: the schedule, totals and annualized rate (APR) in the two forms that People's
Bank of China announcement [2021] No. 3 requires. Amounts are Decimal and unformatted, so each
page formats them in the visitor's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct
from lendapp.domain.apr import AnnualizedRate, schedule_apr
from lendapp.domain.errors import InvalidValueError, RateCapExceededError
from lendapp.domain.fees import FeeTerms, FeeTiming
from lendapp.domain.money import DEFAULT_ROUNDING
from lendapp.domain.rate_cap import DEFAULT_RATE_CAP
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import MAX_DAYS, MIN_DAYS, LoanTerms, RepaymentMethod
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

DAYS_PER_MONTH = 30


@dataclasses.dataclass(frozen=True)
class ProductTerms:
    """A product's full disclosure: ranges, rates, fees and penalties, in both languages."""

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
    penalty_daily_rate: Decimal
    grace_days: int

    @property
    def min_term_days(self) -> int:
        """Shortest bullet term in days."""
        return MIN_DAYS

    @property
    def max_term_days(self) -> int:
        """Longest bullet term in days: the product's longest term at 30 days a month, at most 365."""
        return min(MAX_DAYS, self.max_term_months * DAYS_PER_MONTH)


class QuoteError(ValueError):
    """A quote request outside the product's terms.

    Attributes:
        field: The input to change: ``product``, ``amount``, ``term`` or ``rate``.
        reason: ``unknown``, ``range`` or ``over_cap``.
    """

    def __init__(self, field: str, reason: str, detail: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}; {detail}")


@dataclasses.dataclass(frozen=True)
class QuoteRow:
    """One installment of a quoted schedule."""

    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    payment: Decimal
    closing_balance: Decimal


@dataclasses.dataclass(frozen=True)
class QuoteResult:
    """A quoted loan: terms, totals, APR and schedule.

    Attributes:
        installment: The regular payment, or None when payments vary
            (equal_principal) or there is one payment (bullet).
        first_payment: The first scheduled payment.
        total_cost: Interest plus every fee, what the loan costs above the amount.
        apr_periodic_x_n: Periodic IRR x periods per year, the figure shown as APR.
        apr_compounded: ``(1 + periodic IRR) ** periods per year - 1``.
    """

    product_code: str
    amount: Decimal
    annual_rate: Decimal
    method: str
    months: int | None
    days: int | None
    installment: Decimal | None
    first_payment: Decimal
    total_interest: Decimal
    total_fees: Decimal
    total_cost: Decimal
    total_payment: Decimal
    amount_received: Decimal
    apr_periodic_x_n: Decimal
    apr_compounded: Decimal
    rows: tuple[QuoteRow, ...]


@dataclasses.dataclass(frozen=True)
class AprRange:
    """The lowest and highest APR a product can carry, its upfront fee included."""

    low_periodic_x_n: Decimal
    high_periodic_x_n: Decimal
    low_compounded: Decimal
    high_compounded: Decimal


def load_product_terms(code: str, engine: sa.Engine | None = None) -> ProductTerms | None:
    """Return the active product with ``code``, or None when there is none."""
    with session_scope(engine) as session:
        row = session.exec(select(LoanProduct).where(LoanProduct.code == code, LoanProduct.is_active)).first()
        return _to_terms(row) if row is not None else None


def list_product_terms(engine: sa.Engine | None = None) -> list[ProductTerms]:
    """Return every active product in display order."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(LoanProduct).where(LoanProduct.is_active).order_by(LoanProduct.sort_order, LoanProduct.id)
        ).all()
        return [_to_terms(row) for row in rows]


def _to_terms(row: LoanProduct) -> ProductTerms:
    return ProductTerms(**{field.name: getattr(row, field.name) for field in dataclasses.fields(ProductTerms)})


def quote(
    product_code: str,
    amount: Decimal,
    term: int,
    method: str,
    annual_rate: Decimal | None = None,
    start_date: dt.date | None = None,
    engine: sa.Engine | None = None,
) -> QuoteResult:
    """Load a product and quote it; see ``quote_product``.

    Raises:
        QuoteError: The product does not exist, or an input is outside its terms.
    """
    product = load_product_terms(product_code, engine)
    if product is None:
        raise QuoteError("product", "unknown", f"no active product {product_code!r}")
    return quote_product(product, amount, term, method, annual_rate, start_date)


def quote_product(
    product: ProductTerms,
    amount: Decimal,
    term: int,
    method: str,
    annual_rate: Decimal | None = None,
    start_date: dt.date | None = None,
) -> QuoteResult:
    """Quote ``product`` for an amount, a term and a repayment method.

    Args:
        product: The product whose ranges, fee and rate cap apply.
        amount: Amount borrowed in yuan.
        term: Months, or days for the bullet method.
        method: A ``RepaymentMethod`` value.
        annual_rate: Nominal annual rate as a fraction; defaults to the product's
            maximum, so the quote never understates the cost.
        start_date: Disbursement date; defaults to today in the TIMEZONE setting.

    Raises:
        QuoteError: The method is unknown, or the amount, term or rate is outside
            the product's range, or the APR is above the rate cap.
    """
    rate = product.max_annual_rate if annual_rate is None else annual_rate
    schedule, rates = offer_schedule(product, amount, term, method, rate, start_date)
    return _to_result(product.code, amount, rate, schedule, rates)


def offer_schedule(
    product: ProductTerms,
    amount: Decimal,
    term: int,
    method: str,
    annual_rate: Decimal,
    start_date: dt.date | None = None,
) -> tuple[Schedule, AnnualizedRate]:
    """Build the schedule of an offer under ``product`` and check it against the rate cap.

    Disbursement books a loan with this schedule, so a loan is always priced
    exactly as its quote and contract were.

    Raises:
        QuoteError: As ``quote_product``.
    """
    repayment = _parse_method(method)
    _check_ranges(product, amount, term, repayment, annual_rate)
    try:
        schedule = _build(product, amount, term, repayment, annual_rate, start_date)
    except InvalidValueError as error:
        # The engine's own limits, such as cents only, name the field in its terms.
        field = {"principal": "amount", "months": "term", "days": "term"}.get(error.field, "rate")
        raise QuoteError(field, "range", str(error)) from error
    try:
        rates = DEFAULT_RATE_CAP.check_schedule(schedule)
    except RateCapExceededError as error:
        raise QuoteError("rate", "over_cap", str(error)) from error
    return schedule, rates


def compare_methods(
    product: ProductTerms,
    amount: Decimal,
    months: int,
    annual_rate: Decimal | None = None,
    start_date: dt.date | None = None,
) -> tuple[QuoteResult, ...]:
    """Quote the four repayment methods over the same months; a bullet loan accrues by months here.

    Methods whose quote fails (above the rate cap, for example) are left out.
    """
    rate = product.max_annual_rate if annual_rate is None else annual_rate
    results = []
    for repayment in RepaymentMethod:
        try:
            schedule = _build(product, amount, months, repayment, rate, start_date, bullet_by_months=True)
            rates = DEFAULT_RATE_CAP.check_schedule(schedule)
        except (InvalidValueError, RateCapExceededError) as error:
            logger.info("Method %s left out of the comparison for %s: %s", repayment.value, product.code, error)
            continue
        results.append(_to_result(product.code, amount, rate, schedule, rates))
    return tuple(results)


def product_apr_range(product: ProductTerms, start_date: dt.date | None = None) -> AprRange:
    """Compute the product's APR range with its own method and upfront fee.

    The low end is the minimum rate over the longest term, the high end the
    maximum rate over the shortest term, because a fee spread over fewer
    months raises the APR. Both are quoted at the maximum amount: the fee is a
    fraction of the amount, and a large amount keeps cent rounding from moving
    the APR (1,000 yuan over 3 months at 18% gives 17.99%).
    """
    method = _parse_method(product.method)
    low = _rates_of(product, product.max_amount, product.max_term_months, method, product.min_annual_rate, start_date)
    high = _rates_of(product, product.max_amount, product.min_term_months, method, product.max_annual_rate, start_date)
    return AprRange(
        low_periodic_x_n=low.periodic_x_n,
        high_periodic_x_n=high.periodic_x_n,
        low_compounded=low.compounded,
        high_compounded=high.compounded,
    )


def worked_example(product: ProductTerms, start_date: dt.date | None = None) -> QuoteResult:
    """Quote the product's middle amount over 12 months (or its nearest term) at its maximum rate."""
    middle = DEFAULT_ROUNDING.round((product.min_amount + product.max_amount) / 2, "CNY")
    months = min(max(12, product.min_term_months), product.max_term_months)
    method = _parse_method(product.method)
    schedule = _build(product, middle, months, method, product.max_annual_rate, start_date, bullet_by_months=True)
    return _to_result(product.code, middle, product.max_annual_rate, schedule, DEFAULT_RATE_CAP.check_schedule(schedule))


def _rates_of(
    product: ProductTerms, amount: Decimal, months: int, method: RepaymentMethod, rate: Decimal, start_date: dt.date | None
) -> AnnualizedRate:
    return schedule_apr(_build(product, amount, months, method, rate, start_date, bullet_by_months=True))


def _parse_method(method: str) -> RepaymentMethod:
    try:
        return RepaymentMethod(method)
    except ValueError as error:
        raise QuoteError("method", "unknown", f"no repayment method {method!r}") from error


def _check_ranges(product: ProductTerms, amount: Decimal, term: int, method: RepaymentMethod, rate: Decimal) -> None:
    if not product.min_amount <= amount <= product.max_amount:
        raise QuoteError("amount", "range", f"{amount} is outside {product.min_amount} to {product.max_amount}")
    if method is RepaymentMethod.BULLET:
        low, high = product.min_term_days, product.max_term_days
    else:
        low, high = product.min_term_months, product.max_term_months
    if not low <= term <= high:
        raise QuoteError("term", "range", f"{term} is outside {low} to {high}")
    if not product.min_annual_rate <= rate <= product.max_annual_rate:
        raise QuoteError("rate", "range", f"{rate} is outside {product.min_annual_rate} to {product.max_annual_rate}")


def _build(
    product: ProductTerms,
    amount: Decimal,
    term: int,
    method: RepaymentMethod,
    rate: Decimal,
    start_date: dt.date | None,
    bullet_by_months: bool = False,
) -> Schedule:
    start = start_date or dt.datetime.now(get_settings().timezone_info).date()
    if method is RepaymentMethod.BULLET and not bullet_by_months:
        terms = LoanTerms(principal=amount, annual_rate=rate, method=method, start_date=start, days=term)
    else:
        terms = LoanTerms(principal=amount, annual_rate=rate, method=method, start_date=start, months=term)
    upfront_fee = DEFAULT_ROUNDING.round(amount * product.upfront_fee_rate, terms.currency)
    fees = FeeTerms(
        upfront_fee=upfront_fee,
        upfront_fee_timing=FeeTiming.DEDUCTED,
        penalty_daily_rate=product.penalty_daily_rate,
        grace_days=product.grace_days,
    )
    return build_schedule(terms, fees)


def _to_result(code: str, amount: Decimal, rate: Decimal, schedule: Schedule, rates: AnnualizedRate) -> QuoteResult:
    rows = tuple(
        QuoteRow(row.number, row.due_date, row.principal, row.interest, row.fee, row.payment, row.closing_balance)
        for row in schedule.rows
    )
    return QuoteResult(
        product_code=code,
        amount=amount,
        annual_rate=rate,
        method=schedule.method.value,
        months=schedule.terms.months,
        days=schedule.terms.days,
        installment=schedule.regular_payment,
        first_payment=rows[0].payment,
        total_interest=schedule.total_interest,
        total_fees=schedule.total_fees,
        total_cost=schedule.total_interest + schedule.total_fees,
        total_payment=schedule.total_payment,
        amount_received=schedule.amount_received,
        apr_periodic_x_n=rates.periodic_x_n,
        apr_compounded=rates.compounded,
        rows=rows,
    )


@dataclasses.dataclass(frozen=True)
class ProductDisclosure:
    """A product's terms with the APR range and worked example the engine computes for it."""

    terms: ProductTerms
    apr_range: AprRange
    example: QuoteResult


def disclose_product(product: ProductTerms, start_date: dt.date | None = None) -> ProductDisclosure:
    """Compute a product's APR range and worked example."""
    return ProductDisclosure(product, product_apr_range(product, start_date), worked_example(product, start_date))


def list_product_disclosures(engine: sa.Engine | None = None) -> list[ProductDisclosure]:
    """Return every active product with its APR range and worked example, in display order."""
    return [disclose_product(product) for product in list_product_terms(engine)]


def load_product_disclosure(code: str, engine: sa.Engine | None = None) -> ProductDisclosure | None:
    """Return one active product's disclosure, or None when there is no such product."""
    product = load_product_terms(code, engine)
    return disclose_product(product) if product is not None else None
