"""Annualized rate (APR) of a loan's cash flows, fees included.

Two rules are implemented:

* People's Bank of China announcement [2021] No. 3: the annualized rate is the
  IRR of every cash flow between lender and borrower, fees included, shown as
  the periodic IRR x periods per year and as the compounded annual rate
  ``(1 + i) ** n - 1``.
* US Regulation Z, Appendix J, actuarial method: the unit-period rate x
  unit-periods per year, with simple interest over a fractional unit-period
  (an odd first period, for example).

Cash flows are seen from the borrower: positive when the borrower receives
money (an advance), negative when the borrower pays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from lendapp.domain.dates import monthly_due_dates
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.irr import IRR_CONTEXT, Run, build_runs, solve_rate
from lendapp.domain.schedule import Schedule
from lendapp.domain.terms import RepaymentMethod
from lendapp.domain.unit_periods import MONTH, Position, UnitPeriod, choose_unit_period, position

PERCENT = Decimal(100)
CENT_OF_PERCENT = Decimal("0.01")


class CashFlow(NamedTuple):
    """One dated cash flow, positive when the borrower receives money."""

    on: date
    amount: Decimal


@dataclass(frozen=True)
class AnnualizedRate:
    """Annualized rates of one set of cash flows, as fractions (0.128 is 12.8%).

    Attributes:
        unit_period: The unit-period the rates are based on.
        periods_per_year: Unit-periods in a year.
        periodic_rate: Compound IRR per unit-period.
        periodic_x_n: periodic_rate x periods_per_year.
        compounded: ``(1 + periodic_rate) ** periods_per_year - 1``.
        actuarial: Regulation Z APR: the actuarial unit-period rate x periods_per_year.
    """

    unit_period: UnitPeriod
    periods_per_year: Decimal
    periodic_rate: Decimal
    periodic_x_n: Decimal
    compounded: Decimal
    actuarial: Decimal


def to_percent(rate: Decimal, places: int = 2) -> Decimal:
    """Convert a fraction to a percentage rounded half-up, ``Decimal("0.1280")`` to ``Decimal("12.80")``."""
    return (rate * PERCENT).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def periodic_irr(amounts: Sequence[Decimal]) -> Decimal:
    """Return the IRR per period of equally spaced cash flows, the first at period 0.

    Raises:
        InvalidValueError: The flows do not include both signs.
    """
    _check_signs(amounts)
    flows = [(index, Decimal(0), amount) for index, amount in enumerate(amounts) if amount]
    runs = build_runs(flows)
    return solve_rate(runs, actuarial=False, guess=_initial_guess(runs))


def annualize(periodic_rate: Decimal, periods_per_year: Decimal) -> tuple[Decimal, Decimal]:
    """Return ``(periodic_rate x periods_per_year, (1 + periodic_rate) ** periods_per_year - 1)``."""
    with localcontext(IRR_CONTEXT):
        compounded = (1 + periodic_rate) ** periods_per_year - 1
        return periodic_rate * periods_per_year, compounded


def annualized_rates(cash_flows: Sequence[CashFlow]) -> AnnualizedRate:
    """Compute the annualized rates of dated cash flows.

    Flows on the same date are netted. The term starts on the earliest date,
    which must carry a net advance to the borrower.

    Raises:
        InvalidValueError: Fewer than two dates, the first date is not an
            advance, or the flows do not include both signs.
    """
    netted: dict[date, Decimal] = {}
    for flow in cash_flows:
        netted[flow.on] = netted.get(flow.on, Decimal(0)) + flow.amount
    dates = sorted(day for day, amount in netted.items() if amount)
    if len(dates) < 2:
        raise InvalidValueError("cash_flows", len(dates), "flows on at least two different dates")
    if netted[dates[0]] < 0:
        raise InvalidValueError("cash_flows", dates[0], "a first cash flow that the borrower receives")
    _check_signs([netted[day] for day in dates])

    period = choose_unit_period(dates)
    start = dates[0]
    flows = []
    for day in dates:
        place = position(start, day, period)
        flows.append((place.whole, place.fraction, netted[day]))
    return _rates_of_runs(build_runs(flows), period)


def _rates_of_runs(runs: list[Run], period: UnitPeriod) -> AnnualizedRate:
    periodic = solve_rate(runs, actuarial=False, guess=_initial_guess(runs))
    if any(run.fraction for run in runs):
        actuarial_rate = solve_rate(runs, actuarial=True, guess=periodic)
    else:
        actuarial_rate = periodic
    periodic_x_n, compounded = annualize(periodic, period.per_year)
    actuarial_x_n, _ = annualize(actuarial_rate, period.per_year)
    return AnnualizedRate(
        unit_period=period,
        periods_per_year=period.per_year,
        periodic_rate=periodic,
        periodic_x_n=periodic_x_n,
        compounded=compounded,
        actuarial=actuarial_x_n,
    )


def schedule_cash_flows(schedule: Schedule) -> list[CashFlow]:
    """Return the borrower's cash flows of a schedule: the amount received, then every payment."""
    flows = [CashFlow(schedule.start_date, schedule.amount_received)]
    flows.extend(CashFlow(row.due_date, -row.payment) for row in schedule.rows)
    return flows


def schedule_apr(schedule: Schedule) -> AnnualizedRate:
    """Compute the annualized rates of a schedule, its fees included.

    A monthly schedule counts time by installment number, as the People's Bank
    of China example does: installment k falls k - 1 months after the first
    due date. A regular first period is one month. A broken first period is
    its whole months plus leftover days / 30, measured back from the first due
    date. A bullet schedule is a single advance and a single payment, so it
    goes through ``annualized_rates``.
    """
    if schedule.method is RepaymentMethod.BULLET:
        return annualized_rates(schedule_cash_flows(schedule))
    if schedule.terms.has_regular_first_period:
        first = Position(1, Decimal(0))
    else:
        first = position(schedule.start_date, schedule.rows[0].due_date, MONTH)
    whole, fraction = first
    # Group equal consecutive payments directly, because a tuple per row is
    # most of the cost of a long schedule.
    groups: list[list] = []
    previous = None
    for index, row in enumerate(schedule.rows):
        payment = row.payment
        if payment == previous:
            groups[-1][2] += 1
        else:
            groups.append([payment, whole + index, 1])
            previous = payment
    runs = [Run(schedule.amount_received, 0, 1, Decimal(0))]
    runs.extend(Run(-payment, first_whole, count, fraction) for payment, first_whole, count in groups)
    return _rates_of_runs(runs, MONTH)


def monthly_cash_flows(start: date, received: Decimal, payments: Sequence[Decimal]) -> list[CashFlow]:
    """Place an advance on ``start`` and one payment per month after it, on the same day of month."""
    due_dates = monthly_due_dates(start, len(payments) + 1)[1:]
    flows = [CashFlow(start, received)]
    flows.extend(CashFlow(day, -amount) for day, amount in zip(due_dates, payments))
    return flows


def _check_signs(amounts: Sequence[Decimal]) -> None:
    if not any(amount > 0 for amount in amounts) or not any(amount < 0 for amount in amounts):
        raise InvalidValueError("cash_flows", "one sign only", "at least one advance (positive) and one payment (negative)")


def _initial_guess(runs: Sequence[Run]) -> Decimal:
    """Estimate the periodic rate by simple interest over the payments' mean time."""
    received = sum((run.amount * run.count for run in runs if run.amount > 0), Decimal(0))
    paid = -sum((run.amount * run.count for run in runs if run.amount < 0), Decimal(0))
    weighted_time = -sum(
        (run.amount * run.count * (run.first + Decimal(run.count - 1) / 2) for run in runs if run.amount < 0),
        Decimal(0),
    )
    mean_time = weighted_time / paid if paid else Decimal(1)
    if mean_time <= 0:
        return Decimal("0.01")
    # A level-payment loan carries about half its principal on average, hence the factor 2.
    return 2 * (paid - received) / received / mean_time

