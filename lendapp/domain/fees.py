"""Fee and penalty terms of a loan, their policy limits, and penalty arithmetic.

A fee is a fixed amount (upfront_fee, installment fee, late fee) or a rate
(penalty_interest per day, prepayment fee per unit of prepaid principal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from lendapp.domain.errors import FeePolicyError, InvalidValueError
from lendapp.domain.money import DEFAULT_ROUNDING, ZERO, RoundingPolicy


class FeeTiming(str, Enum):
    """Collection of the upfront_fee at disbursement: deducted or financed."""

    DEDUCTED = "deducted"
    """Withheld from the disbursed amount: the borrower receives principal minus the fee."""

    FINANCED = "financed"
    """Added to the principal: the borrower receives the amount and repays amount plus fee."""


@dataclass(frozen=True)
class FeeTerms:
    """The fees and penalties of one loan or offer.

    Attributes:
        upfront_fee: Service fee charged once at disbursement.
        upfront_fee_timing: Whether the upfront_fee is deducted or financed.
        installment_fee: Fee added to every scheduled installment.
        late_fee: One-off fee per installment still unpaid after grace_days.
        penalty_daily_rate: Penalty interest per day on overdue principal, as a
            fraction (0.0005 is 0.05% a day).
        grace_days: Days after a due date before the late fee and penalty
            interest start.
        prepayment_fee_rate: Fee on early repayment, as a fraction of the
            principal repaid before it is due.
    """

    upfront_fee: Decimal = ZERO
    upfront_fee_timing: FeeTiming = FeeTiming.DEDUCTED
    installment_fee: Decimal = ZERO
    late_fee: Decimal = ZERO
    penalty_daily_rate: Decimal = ZERO
    grace_days: int = 0
    prepayment_fee_rate: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("upfront_fee", "installment_fee", "late_fee", "penalty_daily_rate", "prepayment_fee_rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidValueError(name, value, "a Decimal of 0 or more")
        if self.prepayment_fee_rate >= 1:
            raise InvalidValueError("prepayment_fee_rate", self.prepayment_fee_rate, "0 to less than 1")
        if isinstance(self.grace_days, bool) or not isinstance(self.grace_days, int) or self.grace_days < 0:
            raise InvalidValueError("grace_days", self.grace_days, "an integer of 0 or more")

    @property
    def financed_fee(self) -> Decimal:
        """The part of the upfront_fee that is added to the principal."""
        return self.upfront_fee if self.upfront_fee_timing is FeeTiming.FINANCED else ZERO


NO_FEES = FeeTerms()


@dataclass(frozen=True)
class FeePolicy:
    """Limits that a product's fee terms must respect.

    Attributes:
        max_penalty_annual_rate: Maximum penalty interest as a simple annual rate
            (penalty_daily_rate x 365). The default, 24%, is the annualized rate
            line that the default rate cap also uses.
        max_penalty_rate_multiple: Optional maximum of penalty_daily_rate divided
            by the contract's daily rate (annual rate / 365). With 1.5 the penalty
            is at most the contract rate plus 50%. A zero-rate loan then allows no
            penalty interest at all. None disables the check.
        max_late_fee: Maximum late fee per installment, or None for no limit.
        max_grace_days: Maximum grace period in days.
        max_prepayment_fee_rate: Maximum prepayment fee as a fraction of prepaid principal.
    """

    max_penalty_annual_rate: Decimal = Decimal("0.24")
    max_penalty_rate_multiple: Decimal | None = None
    max_late_fee: Decimal | None = None
    max_grace_days: int = 30
    max_prepayment_fee_rate: Decimal = Decimal("0.05")

    def check(self, fees: FeeTerms, annual_rate: Decimal) -> None:
        """Raise FeePolicyError naming the first fee term above its limit.

        Args:
            fees: The fee terms to check.
            annual_rate: The contract's nominal annual rate, used by
                ``max_penalty_rate_multiple``.
        """
        penalty_annual = fees.penalty_daily_rate * 365
        if penalty_annual > self.max_penalty_annual_rate:
            limit = self.max_penalty_annual_rate / 365
            raise FeePolicyError("penalty_daily_rate", fees.penalty_daily_rate, f"at most {limit:.6f} a day")
        if self.max_penalty_rate_multiple is not None:
            limit = annual_rate / 365 * self.max_penalty_rate_multiple
            if fees.penalty_daily_rate > limit:
                raise FeePolicyError(
                    "penalty_daily_rate",
                    fees.penalty_daily_rate,
                    f"at most {self.max_penalty_rate_multiple} x the contract daily rate ({limit:.6f})",
                )
        if self.max_late_fee is not None and fees.late_fee > self.max_late_fee:
            raise FeePolicyError("late_fee", fees.late_fee, f"at most {self.max_late_fee}")
        if fees.grace_days > self.max_grace_days:
            raise FeePolicyError("grace_days", fees.grace_days, f"at most {self.max_grace_days}")
        if fees.prepayment_fee_rate > self.max_prepayment_fee_rate:
            raise FeePolicyError("prepayment_fee_rate", fees.prepayment_fee_rate, f"at most {self.max_prepayment_fee_rate}")


def days_past_due(due_date: date, on: date) -> int:
    """Return the days from ``due_date`` to ``on``, or 0 when ``on`` is not after the due date."""
    return max((on - due_date).days, 0)


def penalty_days(due_date: date, on: date, fees: FeeTerms) -> int:
    """Return the days of penalty interest owed on an installment due on ``due_date``.

    Penalty interest runs only for the days after the grace period: an
    installment 10 days past due with grace_days 3 owes 7 days.
    """
    return max(days_past_due(due_date, on) - fees.grace_days, 0)


def penalty_interest(
    overdue_principal: Decimal,
    due_date: date,
    on: date,
    fees: FeeTerms,
    currency: str = "CNY",
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Decimal:
    """Compute the penalty_interest accrued by ``on`` on principal overdue since ``due_date``.

    The penalty is simple daily interest, overdue principal x penalty_daily_rate
    x days after the grace period, rounded once.
    """
    days = penalty_days(due_date, on, fees)
    return rounding.round(overdue_principal * fees.penalty_daily_rate * days, currency)


def late_fee_due(due_date: date, on: date, fees: FeeTerms) -> Decimal:
    """Return the late fee owed by ``on`` for one unpaid installment due on ``due_date``."""
    return fees.late_fee if days_past_due(due_date, on) > fees.grace_days else ZERO
