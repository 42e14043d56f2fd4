"""Rate cap: the highest annualized rate an offer may carry.

The default cap is an APR of 24%, a line many Chinese online lenders keep
under. The alternative is a multiple of the one-year loan prime rate (LPR),
four times by default, which is the ceiling that the Supreme People's Court's
2020 provisions on private lending set. The LPR is published monthly, so it is
a parameter, never a constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from lendapp.domain.apr import AnnualizedRate, schedule_apr, to_percent
from lendapp.domain.errors import InvalidValueError, RateCapExceededError
from lendapp.domain.fees import NO_FEES, FeeTerms
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import LoanTerms


class AprMeasure(str, Enum):
    """The annualized rate that the cap is compared with."""

    PERIODIC_X_N = "periodic_x_n"
    COMPOUNDED = "compounded"
    ACTUARIAL = "actuarial"


@dataclass(frozen=True)
class RateCapPolicy:
    """A maximum annualized rate.

    Attributes:
        max_apr: The cap as a fraction (0.24 is 24%).
        measure: The annualized rate compared with the cap.
        basis: How the cap was set, for error messages (for example "4 x LPR 3.00%").
    """

    max_apr: Decimal = Decimal("0.24")
    measure: AprMeasure = AprMeasure.PERIODIC_X_N
    basis: str = "fixed cap"

    def __post_init__(self) -> None:
        if not isinstance(self.max_apr, Decimal) or not self.max_apr.is_finite() or self.max_apr <= 0:
            raise InvalidValueError("max_apr", self.max_apr, "a Decimal above 0")

    @classmethod
    def lpr_multiple(
        cls, lpr: Decimal, multiple: Decimal = Decimal(4), measure: AprMeasure = AprMeasure.PERIODIC_X_N
    ) -> RateCapPolicy:
        """Return a cap of ``multiple`` x the one-year LPR (``lpr`` as a fraction, 0.03 is 3%)."""
        if not isinstance(lpr, Decimal) or not lpr.is_finite() or lpr <= 0:
            raise InvalidValueError("lpr", lpr, "a Decimal above 0 (0.03 is 3%)")
        return cls(max_apr=lpr * multiple, measure=measure, basis=f"{multiple} x one-year LPR {to_percent(lpr)}%")

    def check(self, rates: AnnualizedRate) -> None:
        """Raise RateCapExceededError when ``rates`` exceed the cap.

        Rates are compared as percentages rounded to two decimals, so a 24%
        product is not rejected by a 24% cap over a cent of rounding.
        """
        apr = getattr(rates, self.measure.value)
        if to_percent(apr) > to_percent(self.max_apr):
            raise RateCapExceededError(
                f"APR {to_percent(apr)}% ({self.measure.value}) exceeds the rate cap {to_percent(self.max_apr)}% "
                f"({self.basis}); lower the rate or the fees"
            )

    def check_schedule(self, schedule: Schedule) -> AnnualizedRate:
        """Compute the schedule's annualized rates, check them, and return them."""
        rates = schedule_apr(schedule)
        self.check(rates)
        return rates


DEFAULT_RATE_CAP = RateCapPolicy()


def check_offer(terms: LoanTerms, fees: FeeTerms = NO_FEES, policy: RateCapPolicy = DEFAULT_RATE_CAP) -> AnnualizedRate:
    """Build the offer's schedule, check its annualized rate against ``policy``, and return the rates.

    Raises:
        RateCapExceededError: The annualized rate, fees included, is above the cap.
    """
    return policy.check_schedule(build_schedule(terms, fees))
