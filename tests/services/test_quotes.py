"""Quotes for the calculator and product pages, against a migrated and seeded database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct
from lendapp.domain.apr import schedule_apr, to_percent
from lendapp.domain.fees import FeeTerms
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod
from lendapp.services.quotes import (
    QuoteError,
    compare_methods,
    list_product_disclosures,
    load_product_disclosure,
    load_product_terms,
    product_apr_range,
    quote,
    quote_product,
    worked_example,
)
from lendapp.services.seed import DEMO_PRODUCTS, seed_demo_data
from lendapp.state.calculator import format_result
from lendapp.state.product_page import format_disclosure

START = dt.date(2026, 1, 15)


def _add_product(engine: sa.Engine, **changes) -> str:
    values = dict(DEMO_PRODUCTS[0], code="test-product", sort_order=99)
    values.update(changes)
    with session_scope(engine) as session:
        session.add(LoanProduct(**values))
    return values["code"]


def test_quote_reference_case_installment(engine: sa.Engine) -> None:
    code = _add_product(engine, max_annual_rate=Decimal("0.24"))

    result = quote(code, Decimal("10000"), 12, "equal_installment", Decimal("0.24"), START, engine=engine)

    assert result.installment == Decimal("945.60")
    assert result.total_fees == Decimal("0.00")
    assert result.total_cost == result.total_interest
    assert len(result.rows) == 12
    assert result.rows[-1].closing_balance == 0
    assert round(result.apr_periodic_x_n, 4) == Decimal("0.2400")
    assert result.apr_compounded > result.apr_periodic_x_n


def test_quote_matches_engine_with_fee(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    result = quote("business-working-capital", Decimal("50000"), 12, "equal_principal", Decimal("0.12"), START, engine=engine)

    terms = LoanTerms(principal=Decimal("50000"), annual_rate=Decimal("0.12"), method=RepaymentMethod.EQUAL_PRINCIPAL, start_date=START, months=12)
    schedule = build_schedule(terms, FeeTerms(upfront_fee=Decimal("500.00")))
    rates = schedule_apr(schedule)
    assert result.total_fees == Decimal("500.00")
    assert result.amount_received == Decimal("49500.00")
    assert result.installment is None
    assert result.first_payment == schedule.rows[0].payment
    assert result.total_interest == schedule.total_interest
    assert result.apr_periodic_x_n == rates.periodic_x_n
    assert result.apr_periodic_x_n > Decimal("0.12")


def test_quote_defaults_to_max_rate(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    result = quote("consumer-flex", Decimal("10000"), 12, "equal_installment", start_date=START, engine=engine)

    assert result.annual_rate == Decimal("0.18")


def test_quote_bullet_term_in_days(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    result = quote("consumer-flex", Decimal("5000"), 30, "bullet", Decimal("0.18"), START, engine=engine)

    assert result.days == 30
    assert result.months is None
    assert len(result.rows) == 1
    assert result.rows[0].due_date == START + dt.timedelta(days=30)


@pytest.mark.parametrize(
    "amount,term,method,rate,field,reason",
    [
        ("999.99", 12, "equal_installment", "0.10", "amount", "range"),
        ("200000.01", 12, "equal_installment", "0.10", "amount", "range"),
        ("10000", 2, "equal_installment", "0.10", "term", "range"),
        ("10000", 37, "equal_installment", "0.10", "term", "range"),
        ("10000", 0, "equal_installment", "0.10", "term", "range"),
        ("10000", 6, "bullet", "0.10", "term", "range"),
        ("10000", 12, "equal_installment", "0.19", "rate", "range"),
        ("10000", 12, "equal_installment", "0.05", "rate", "range"),
        ("10000", 12, "weekly", "0.10", "method", "unknown"),
        ("10000.001", 12, "equal_installment", "0.10", "amount", "range"),
    ],
)
def test_quote_rejects_out_of_range(
    engine: sa.Engine, amount: str, term: int, method: str, rate: str, field: str, reason: str
) -> None:
    seed_demo_data(engine)

    with pytest.raises(QuoteError) as raised:
        quote("consumer-flex", Decimal(amount), term, method, Decimal(rate), START, engine=engine)

    assert raised.value.field == field
    assert raised.value.reason == reason


def test_quote_rejects_unknown_product(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    with pytest.raises(QuoteError) as raised:
        quote("no-such-product", Decimal("10000"), 12, "equal_installment", engine=engine)

    assert raised.value.field == "product"
    assert raised.value.reason == "unknown"


def test_quote_rejects_apr_over_cap(engine: sa.Engine) -> None:
    # 24% nominal plus a 2% fee puts the APR above the 24% cap.
    code = _add_product(engine, max_annual_rate=Decimal("0.24"), upfront_fee_rate=Decimal("0.02"))

    with pytest.raises(QuoteError) as raised:
        quote(code, Decimal("10000"), 12, "equal_installment", Decimal("0.24"), START, engine=engine)

    assert raised.value.field == "rate"
    assert raised.value.reason == "over_cap"


def test_compare_methods_lists_four(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    product = load_product_terms("consumer-flex", engine)

    results = compare_methods(product, Decimal("10000"), 12, Decimal("0.12"), START)

    assert [result.method for result in results] == [method.value for method in RepaymentMethod]
    interest = {result.method: result.total_interest for result in results}
    assert interest["equal_principal"] < interest["equal_installment"] < interest["interest_only"]
    assert all(result.months == 12 for result in results)


def test_apr_range_includes_fee(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    product = load_product_terms("business-working-capital", engine)

    apr = product_apr_range(product, START)

    assert apr.low_periodic_x_n > product.min_annual_rate
    assert apr.high_periodic_x_n > product.max_annual_rate
    assert apr.low_periodic_x_n < apr.high_periodic_x_n
    assert apr.high_compounded > apr.high_periodic_x_n


def test_apr_range_without_fee_equals_rates(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    product = load_product_terms("consumer-flex", engine)

    apr = product_apr_range(product, START)

    assert to_percent(apr.low_periodic_x_n) == to_percent(product.min_annual_rate)
    assert to_percent(apr.high_periodic_x_n) == to_percent(product.max_annual_rate)


def test_worked_example_mid_amount_twelve_months(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    product = load_product_terms("consumer-flex", engine)

    example = worked_example(product, START)

    assert example.amount == Decimal("100500.00")
    assert example.months == 12
    assert example.annual_rate == product.max_annual_rate
    assert example.total_payment == example.amount + example.total_interest


def test_disclosures_cover_seeded_products(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    disclosures = list_product_disclosures(engine)

    assert [item.terms.code for item in disclosures] == [values["code"] for values in DEMO_PRODUCTS]
    assert load_product_disclosure("agri-season", engine).terms.grace_days == 5
    assert load_product_disclosure("missing", engine) is None


def test_quote_result_is_frozen(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    result = quote("consumer-flex", Decimal("10000"), 12, "equal_installment", start_date=START, engine=engine)

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.amount = Decimal("1")  # type: ignore[misc]


def test_calculator_shows_interest_only_final_payment(engine: sa.Engine) -> None:
    code = _add_product(engine, max_annual_rate=Decimal("0.096"))

    view = format_result(quote(code, Decimal("80000"), 12, "interest_only", Decimal("0.096"), START, engine=engine))

    assert view.payment_key == "calculator.result.interest_payment"
    assert view.payment == "¥640.00"
    assert view.final_payment == "¥80,640.00"


def test_calculator_hides_final_payment_when_equal(engine: sa.Engine) -> None:
    code = _add_product(engine, max_annual_rate=Decimal("0.12"))
    result = quote(code, Decimal("12000"), 12, "equal_installment", Decimal("0.12"), START, engine=engine)
    bullet = quote(code, Decimal("12000"), 90, "bullet", Decimal("0.12"), START, engine=engine)

    assert (format_result(result).final_payment == "") == (result.rows[-1].payment == result.installment)
    assert format_result(bullet).final_payment == ""


def test_product_example_shows_interest_only_final_payment(engine: sa.Engine) -> None:
    seed_demo_data(engine)
    farm = load_product_disclosure("agri-season", engine=engine)
    consumer = load_product_disclosure("consumer-flex", engine=engine)

    farm_view, consumer_view = format_disclosure(farm), format_disclosure(consumer)

    last = farm.example.rows[-1]
    assert farm_view.method == "interest_only"
    assert last.principal == farm.example.amount
    assert farm_view.example_final_payment == f"¥{last.payment:,.2f}"
    assert (consumer_view.example_final_payment == "") == (consumer.example.rows[-1].payment == consumer.example.first_payment)
