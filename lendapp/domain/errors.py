"""Exceptions raised by the loan engine.

An InvalidValueError carries the name of the offending field, so a form or
the command line can point at the input that must change.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of the loan engine's errors."""


class InvalidValueError(DomainError, ValueError):
    """An input value outside its allowed range or of the wrong form.

    Attributes:
        field: Name of the field that contains the value, as the domain spells it.
        value: The rejected value.
        allowed: The allowed range or form, in words (for example ``"1 to 360"``).
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: invalid value {value!s}; allowed {allowed}")


class RateCapExceededError(DomainError):
    """An offer whose annualized rate is above the rate cap."""


class FeePolicyError(InvalidValueError):
    """A fee or penalty term above the limit that the fee policy sets."""


class InvalidTransitionError(DomainError):
    """A loan state transition that does not apply to the loan's current state."""


class UnbalancedEntryError(DomainError):
    """A journal entry whose debits and credits differ, or that has invalid lines."""


class IdempotencyConflictError(DomainError):
    """A journal entry whose idempotency key is already used by a different entry."""
