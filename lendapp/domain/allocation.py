"""Allocation of a payment to what is due, through a configurable waterfall.

Money is conserved exactly: the payment plus the credit balance brought in
equals the amounts applied plus the credit balance carried out. Money left
after every bucket is paid becomes a credit balance. It is never lost and
never counted as interest. It pays the next installment or is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from enum import Enum

from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import ZERO


class Bucket(str, Enum):
    """A kind of amount due, in the order of the default waterfall."""

    PENALTY = "penalty"
    FEES = "fees"
    OVERDUE_INTEREST = "overdue_interest"
    OVERDUE_PRINCIPAL = "overdue_principal"
    CURRENT_INTEREST = "current_interest"
    CURRENT_PRINCIPAL = "current_principal"


@dataclass(frozen=True)
class Dues:
    """Amounts per bucket: what is due, or what a payment applied.

    Fees include installment fees, late fees and a prepayment fee.
    """

    penalty: Decimal = ZERO
    fees: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    overdue_principal: Decimal = ZERO
    current_interest: Decimal = ZERO
    current_principal: Decimal = ZERO

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidValueError(field.name, value, "a Decimal of 0 or more")

    def amount(self, bucket: Bucket) -> Decimal:
        """Return the amount in ``bucket``."""
        return getattr(self, bucket.value)

    @property
    def total(self) -> Decimal:
        """Sum of every bucket."""
        return (
            self.penalty
            + self.fees
            + self.overdue_interest
            + self.overdue_principal
            + self.current_interest
            + self.current_principal
        )

    @property
    def interest(self) -> Decimal:
        """Overdue plus current interest."""
        return self.overdue_interest + self.current_interest

    @property
    def principal(self) -> Decimal:
        """Overdue plus current principal."""
        return self.overdue_principal + self.current_principal


DEFAULT_ORDER: tuple[Bucket, ...] = tuple(Bucket)


@dataclass(frozen=True)
class Waterfall:
    """The order in which a payment fills the buckets. Each bucket must appear exactly once."""

    order: tuple[Bucket, ...] = DEFAULT_ORDER

    def __post_init__(self) -> None:
        if sorted(self.order, key=lambda bucket: bucket.value) != sorted(Bucket, key=lambda bucket: bucket.value):
            allowed = "each of " + ", ".join(bucket.value for bucket in Bucket) + " exactly once"
            raise InvalidValueError("order", [bucket.value for bucket in self.order], allowed)


DEFAULT_WATERFALL = Waterfall()


@dataclass(frozen=True)
class Allocation:
    """Allocation of one payment, plus any credit balance, to the buckets.

    Attributes:
        amount: Money received in this payment (0 when only credit is applied).
        credit_before: Credit balance available before the payment.
        applied: Amount applied to each bucket.
        credit_after: Credit balance left after the payment.
    """

    amount: Decimal
    credit_before: Decimal
    applied: Dues
    credit_after: Decimal

    @property
    def credit_change(self) -> Decimal:
        """Change of the credit balance: positive for an overpayment, negative when credit was used."""
        return self.credit_after - self.credit_before


def allocate(
    amount: Decimal,
    dues: Dues,
    waterfall: Waterfall = DEFAULT_WATERFALL,
    credit_balance: Decimal = ZERO,
) -> Allocation:
    """Apply a payment and the borrower's credit balance to ``dues`` in waterfall order.

    Args:
        amount: Money received, 0 or more.
        dues: What is due now, per bucket.
        waterfall: Order in which the buckets are paid.
        credit_balance: Credit balance from earlier overpayments, used before
            anything is left over.

    Returns:
        The allocation. What is left after every bucket becomes the new credit balance.

    Raises:
        InvalidValueError: ``amount`` or ``credit_balance`` is negative or not finite.
    """
    for name, value in (("amount", amount), ("credit_balance", credit_balance)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise InvalidValueError(name, value, "a Decimal of 0 or more")
    available = amount + credit_balance
    applied: dict[str, Decimal] = {}
    for bucket in waterfall.order:
        part = min(available, dues.amount(bucket))
        applied[bucket.value] = part
        available -= part
    return Allocation(amount=amount, credit_before=credit_balance, applied=Dues(**applied), credit_after=available)
