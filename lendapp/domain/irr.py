"""Internal rate of return of cash flows placed at unit-period positions.

Each cash flow sits at ``whole + fraction`` unit-periods from the start. Two
discount models are solved:

* compound: ``amount / (1 + i) ** (whole + fraction)``, the IRR that the
  People's Bank of China uses for the annualized rate;
* actuarial: ``amount / ((1 + fraction * i) * (1 + i) ** whole)``, the general
  equation of US Regulation Z, Appendix J, with simple interest for the
  fractional unit-period.

Both agree when every fraction is zero. The solver is Newton's method inside
a bracket that shrinks at every step, with a bisection step whenever Newton's
step would leave the bracket, so it always converges and gives the same digits
on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from lendapp.domain.errors import InvalidValueError

# Working precision. 40 digits leave ample room for the cancellation in
# (1 - v ** m) / (1 - v) at rates near zero.
IRR_CONTEXT = Context(prec=40)
TOLERANCE = Decimal("1e-24")
MAX_ITERATIONS = 200
LOWEST_RATE = Decimal("-0.99")
HIGHEST_RATE = Decimal("1000000")
ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Run:
    """Equal cash flows at consecutive whole unit-periods with one shared fraction.

    A schedule of 360 equal payments becomes one run, so evaluating the net
    present value costs a few powers instead of 360 terms.
    """

    amount: Decimal
    first: int
    count: int
    fraction: Decimal


def build_runs(flows: Sequence[tuple[int, Decimal, Decimal]]) -> list[Run]:
    """Group ``(whole, fraction, amount)`` flows, sorted by position, into runs."""
    # Plain lists while grouping, because a frozen dataclass per flow is slow.
    groups: list[list] = []
    for whole, fraction, amount in flows:
        if groups:
            last = groups[-1]
            if last[0] == amount and last[3] == fraction and last[1] + last[2] == whole:
                last[2] += 1
                continue
        groups.append([amount, whole, 1, fraction])
    return [Run(amount, first, count, fraction) for amount, first, count, fraction in groups]


def net_present_value(runs: Sequence[Run], rate: Decimal, actuarial: bool) -> tuple[Decimal, Decimal]:
    """Return the net present value of ``runs`` at ``rate`` and its derivative in ``rate``."""
    growth = ONE + rate
    v = ONE / growth
    total = ZERO
    slope = ZERO
    fraction_factors: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for run in runs:
        series, series_slope = _geometric_series(v, run.first, run.count)
        factor_pair = fraction_factors.get(run.fraction)
        if factor_pair is None:
            factor_pair = _fraction_factor(run.fraction, rate, v, actuarial)
            fraction_factors[run.fraction] = factor_pair
        factor, factor_slope = factor_pair
        # d/di of series(v(i)) is series'(v) * dv/di, and dv/di = -v**2.
        total += run.amount * factor * series
        slope += run.amount * (factor_slope * series - factor * series_slope * v * v)
    return total, slope


def solve_rate(runs: Sequence[Run], actuarial: bool, guess: Decimal | None = None) -> Decimal:
    """Return the periodic rate at which the net present value of ``runs`` is zero.

    Raises:
        InvalidValueError: No rate between -99% and 100,000,000% per period
            gives a zero net present value.
    """
    with localcontext(IRR_CONTEXT):
        low, high = LOWEST_RATE, ONE
        value_low = net_present_value(runs, low, actuarial)[0]
        value_high = net_present_value(runs, high, actuarial)[0]
        while _sign(value_low) == _sign(value_high) and high < HIGHEST_RATE:
            high *= 10
            value_high = net_present_value(runs, high, actuarial)[0]
        if value_low == 0:
            return low
        if value_high == 0:
            return high
        if _sign(value_low) == _sign(value_high):
            raise InvalidValueError("cash_flows", "no sign change", "flows whose net present value crosses zero")

        rate = guess if guess is not None and low < guess < high else (low + high) / 2
        for _ in range(MAX_ITERATIONS):
            value, slope = net_present_value(runs, rate, actuarial)
            if value == 0:
                return rate
            if _sign(value) == _sign(value_low):
                low = rate
            else:
                high = rate
            step_to = rate - value / slope if slope else low
            if not low < step_to < high:
                step_to = (low + high) / 2
            if abs(step_to - rate) < TOLERANCE or high - low < TOLERANCE:
                return +step_to
            rate = step_to
        return +rate


def _geometric_series(v: Decimal, first: int, count: int) -> tuple[Decimal, Decimal]:
    """Return ``sum(v ** (first + k) for k < count)`` and its derivative in ``v``."""
    head = v**first
    if count == 1:
        return head, (first * v ** (first - 1) if first else ZERO)
    if v == ONE:
        return Decimal(count), Decimal(count * first + count * (count - 1) // 2)
    tail = v**count
    one_minus_v = ONE - v
    body = (ONE - tail) / one_minus_v
    body_slope = (tail * count / v * -one_minus_v + (ONE - tail)) / (one_minus_v * one_minus_v)
    head_slope = first * v ** (first - 1) if first else ZERO
    return head * body, head_slope * body + head * body_slope


def _fraction_factor(fraction: Decimal, rate: Decimal, v: Decimal, actuarial: bool) -> tuple[Decimal, Decimal]:
    """Return the discount factor of a fractional unit-period and its derivative in the rate."""
    if not fraction:
        return ONE, ZERO
    if actuarial:
        factor = ONE / (ONE + fraction * rate)
        return factor, -fraction * factor * factor
    factor = v**fraction
    return factor, -fraction * factor * v


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)
