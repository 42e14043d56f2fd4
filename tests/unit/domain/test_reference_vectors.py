"""Every case of tests/data/loan_vectors.json, reproduced to the cent and to 0.01%.

The file holds published reference cases (each with its ``source``): schedules,
due dates, annualized rates and a short-term bullet loan.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lendapp.domain.apr import CashFlow, annualize, annualized_rates, periodic_irr, schedule_apr, to_percent
from lendapp.domain.dates import monthly_due_dates, weekly_due_dates
from lendapp.domain.fees import FeeTerms
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod

VECTORS_PATH = Path(__file__).resolve().parents[2] / "data" / "loan_vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
START = date(2026, 1, 15)


def _percent(text: str) -> Decimal:
    return Decimal(text.rstrip("%"))


def _ids(cases: list[dict]) -> list[str]:
    return [case["id"] for case in cases]


def test_vectors_file_has_every_section() -> None:
    for section in ("schedules", "due_dates", "annualized_rates", "short_term"):
        assert VECTORS[section], section
    for section in ("schedules", "due_dates", "annualized_rates", "short_term"):
        for case in VECTORS[section]:
            assert case["source"], case["id"]


@pytest.mark.parametrize("case", VECTORS["schedules"], ids=_ids(VECTORS["schedules"]))
def test_schedule_vector_reproduced(case: dict) -> None:
    terms = LoanTerms(
        principal=Decimal(case["amount"]),
        annual_rate=Decimal(case["annual_rate"]),
        method=RepaymentMethod(case["method"]),
        start_date=START,
        months=case["months"],
    )
    schedule = build_schedule(terms)
    rows = schedule.rows
    expect = case["expect"]
    actual = {
        "installment": schedule.installment,
        "first_interest": rows[0].interest,
        "first_principal": rows[0].principal,
        "first_payment": rows[0].payment,
        "second_payment": rows[1].payment,
        "last_payment": rows[-1].payment,
        "total_interest": schedule.total_interest,
        "closing_balance": rows[-1].closing_balance,
    }
    for key, expected in expect.items():
        assert str(actual[key]) == expected, key
    assert rows[-1].closing_balance == Decimal("0.00")
    assert schedule.total_principal == Decimal(case["amount"])


@pytest.mark.parametrize("case", VECTORS["due_dates"], ids=_ids(VECTORS["due_dates"]))
def test_due_date_vector_reproduced(case: dict) -> None:
    assert case["frequency"] == "monthly"
    dates = monthly_due_dates(date.fromisoformat(case["first_due"]), case["count"])
    assert [day.isoformat() for day in dates] == case["expect"]


def _pboc_amounts(flows: dict) -> list[Decimal]:
    payment, count = flows["monthly_payments"]
    amounts = [Decimal(flows["t0_received"])] + [-Decimal(payment)] * count
    if "final_payment" in flows:
        amounts.append(-Decimal(flows["final_payment"]))
    return amounts


def _regz_flows(case: dict) -> list[CashFlow]:
    payments = case["payments"]
    first = date.fromisoformat(payments["first_date"])
    count = payments["count"]
    if payments["frequency"] == "monthly":
        dates = monthly_due_dates(first, count)
    elif payments["frequency"] == "weekly":
        dates = weekly_due_dates(first, count)
    else:
        assert payments["frequency"] == "single"
        dates = [first]
    flows = [CashFlow(date.fromisoformat(case["advance_date"]), Decimal(case["advance"]))]
    flows.extend(CashFlow(day, -Decimal(payments["amount"])) for day in dates)
    return flows


PBOC_CASES = [case for case in VECTORS["annualized_rates"] if "cash_flows" in case]
REGZ_CASES = [case for case in VECTORS["annualized_rates"] if "advance" in case]


def test_annualized_rate_vectors_all_classified() -> None:
    assert len(PBOC_CASES) + len(REGZ_CASES) == len(VECTORS["annualized_rates"])


@pytest.mark.parametrize("case", PBOC_CASES, ids=_ids(PBOC_CASES))
def test_pboc_vector_reproduced(case: dict) -> None:
    amounts = _pboc_amounts(case["cash_flows"])
    periodic_x_n, compounded = annualize(periodic_irr(amounts), Decimal(12))
    assert to_percent(periodic_x_n) == _percent(case["expect"]["monthly_irr_times_12"])
    assert to_percent(compounded) == _percent(case["expect"]["compounded_annual"])


@pytest.mark.parametrize("case", PBOC_CASES, ids=_ids(PBOC_CASES))
def test_pboc_vector_with_dates_reproduced(case: dict) -> None:
    amounts = _pboc_amounts(case["cash_flows"])
    dates = monthly_due_dates(date(2026, 1, 31), len(amounts))
    rates = annualized_rates([CashFlow(day, amount) for day, amount in zip(dates, amounts)])
    assert rates.unit_period.name == "month"
    assert to_percent(rates.periodic_x_n) == _percent(case["expect"]["monthly_irr_times_12"])
    assert to_percent(rates.compounded) == _percent(case["expect"]["compounded_annual"])
    assert to_percent(rates.actuarial) == _percent(case["expect"]["monthly_irr_times_12"])


@pytest.mark.parametrize("case", REGZ_CASES, ids=_ids(REGZ_CASES))
def test_regulation_z_vector_reproduced(case: dict) -> None:
    rates = annualized_rates(_regz_flows(case))
    assert to_percent(rates.actuarial) == _percent(case["expect"]["apr"])


def test_pboc_fee_vector_matches_schedule() -> None:
    case = next(case for case in PBOC_CASES if case["id"] == "fee-raises-apr")
    terms = LoanTerms(Decimal("10000.00"), Decimal("0.24"), RepaymentMethod.EQUAL_INSTALLMENT, START, months=12)
    schedule = build_schedule(terms, FeeTerms(upfront_fee=Decimal("300.00")))
    assert schedule.amount_received == Decimal(case["cash_flows"]["t0_received"])
    rates = schedule_apr(schedule)
    assert to_percent(rates.periodic_x_n) == _percent(case["expect"]["monthly_irr_times_12"])
    assert to_percent(rates.compounded) == _percent(case["expect"]["compounded_annual"])


@pytest.mark.parametrize("case", VECTORS["short_term"], ids=_ids(VECTORS["short_term"]))
def test_short_term_vector_reproduced(case: dict) -> None:
    terms = LoanTerms(
        principal=Decimal(case["amount"]),
        annual_rate=Decimal(0),
        method=RepaymentMethod(case["method"]),
        start_date=START,
        days=case["days"],
        daily_rate=Decimal(case["daily_rate"]),
    )
    schedule = build_schedule(terms)
    expect = case["expect"]
    assert len(schedule.rows) == 1
    assert str(schedule.rows[0].interest) == expect["interest"]
    assert str(schedule.rows[0].payment) == expect["repayment"]
    simple_annual = Decimal(case["daily_rate"]) * 365
    assert to_percent(simple_annual) == _percent(expect["simple_annual_rate"])
    assert to_percent(schedule_apr(schedule).periodic_x_n) == _percent(expect["simple_annual_rate"])
