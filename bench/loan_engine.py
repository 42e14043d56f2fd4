"""Benchmark the loan engine against numpy-financial, measured in the same run.

Case 1: a 360-month equal_installment schedule (1,000,000 at 4.9%), its
annualized rate, and a payoff quote in month 100, against numpy-financial's
pmt, ipmt and ppmt for the same loan. Target: at most 5 times the baseline.

Case 2: twelve-month schedules per second, with and without validating new
LoanTerms each time. Target: at least 20,000 a second.

Each figure is the best of several repeats, because the minimum is the least
disturbed by other work on the machine. The script reports and always exits 0.

Run from the repository root: ``.venv/bin/python bench/loan_engine.py``
"""

from __future__ import annotations

import platform
import sys
import timeit
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy_financial as npf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lendapp.domain.apr import schedule_apr  # noqa: E402
from lendapp.domain.payoff import payoff_quote  # noqa: E402
from lendapp.domain.position import PaidToDate  # noqa: E402
from lendapp.domain.schedule import build_schedule  # noqa: E402
from lendapp.domain.terms import LoanTerms, RepaymentMethod  # noqa: E402

REPEATS = 7
RATIO_TARGET = 5.0
SCHEDULES_TARGET = 20_000

AMOUNT = Decimal("1000000.00")
RATE = Decimal("0.049")
MONTHS = 360
START = date(2026, 1, 15)
PAYOFF_DATE = date(2034, 5, 20)


def best_seconds(function, number: int) -> float:
    """Return the best time per call of ``function`` over REPEATS runs of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=REPEATS)) / number


def numpy_financial_loan() -> None:
    """Compute the payment and every row's interest and principal with numpy-financial."""
    monthly = float(RATE) / 12
    periods = np.arange(1, MONTHS + 1)
    npf.pmt(monthly, MONTHS, float(AMOUNT))
    npf.ipmt(monthly, periods, MONTHS, float(AMOUNT))
    npf.ppmt(monthly, periods, MONTHS, float(AMOUNT))


def engine_loan() -> None:
    """Build the schedule, compute its APR, and quote a payoff in month 100."""
    terms = LoanTerms(AMOUNT, RATE, RepaymentMethod.EQUAL_INSTALLMENT, START, months=MONTHS)
    schedule = build_schedule(terms)
    schedule_apr(schedule)
    paid_rows = schedule.rows[:100]
    paid = PaidToDate(sum(row.principal for row in paid_rows), sum(row.interest for row in paid_rows))
    payoff_quote(schedule, PAYOFF_DATE, paid)


def main() -> int:
    """Run both cases and print a table of the figures."""
    baseline = best_seconds(numpy_financial_loan, 200)
    engine = best_seconds(engine_loan, 50)

    terms_12 = LoanTerms(Decimal("10000.00"), Decimal("0.24"), RepaymentMethod.EQUAL_INSTALLMENT, START, months=12)
    schedule_only = best_seconds(lambda: build_schedule(terms_12), 2000)

    def terms_and_schedule() -> None:
        build_schedule(LoanTerms(Decimal("10000.00"), Decimal("0.24"), RepaymentMethod.EQUAL_INSTALLMENT, START, months=12))

    with_terms = best_seconds(terms_and_schedule, 2000)

    ratio = engine / baseline
    print(f"python {platform.python_version()}, numpy-financial {npf.__version__}, numpy {np.__version__}")
    print()
    print(f"{'case':<58} {'figure':>12} {'target':>12}")
    print(f"{'numpy-financial pmt+ipmt+ppmt, 360 months (baseline)':<58} {baseline * 1e6:>9.0f} us {'':>12}")
    print(f"{'engine: schedule + APR + payoff quote, 360 months':<58} {engine * 1e6:>9.0f} us {'':>12}")
    print(f"{'engine / baseline':<58} {ratio:>11.2f}x {'<= ' + str(RATIO_TARGET) + 'x':>12}")
    print(f"{'12-month schedules per second (terms prebuilt)':<58} {1 / schedule_only:>12,.0f} {'>= 20,000':>12}")
    print(f"{'12-month schedules per second (terms validated each time)':<58} {1 / with_terms:>12,.0f} {'>= 20,000':>12}")
    print()
    print(f"ratio target {'met' if ratio <= RATIO_TARGET else 'MISSED'}; "
          f"schedules target {'met' if 1 / schedule_only >= SCHEDULES_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
