"""Money amounts: one rounding policy and per-currency minor units.

Amounts are ``Decimal`` everywhere in the domain. They become integers only at
a payment boundary (a gateway that counts in minor units, such as fen or
cents), through ``to_minor_units`` and ``from_minor_units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)

from lendapp.domain.errors import InvalidValueError

ZERO = Decimal(0)

# Number of decimal places of the minor unit, from ISO 4217.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
}

ROUNDING_MODES = frozenset(
    {ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN, ROUND_UP, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR}
)

# Quantization exponents, built once so that rounding does not build a Decimal per call.
_EXPONENTS: dict[str, Decimal] = {code: Decimal(1).scaleb(-places) for code, places in MINOR_UNITS.items()}


def minor_unit_places(currency: str) -> int:
    """Return the number of decimal places of ``currency``'s minor unit.

    Raises:
        InvalidValueError: The currency code is not in ``MINOR_UNITS``.
    """
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidValueError("currency", currency, "one of " + ", ".join(sorted(MINOR_UNITS))) from None


def minor_unit(currency: str) -> Decimal:
    """Return the smallest amount of ``currency``, for example ``Decimal("0.01")`` for CNY."""
    minor_unit_places(currency)
    return _EXPONENTS[currency]


@dataclass(frozen=True)
class RoundingPolicy:
    """The rounding mode used for every money amount the domain computes.

    Attributes:
        mode: A ``decimal`` rounding constant. The default, ``ROUND_HALF_UP``,
            is the mode that the published reference schedules use.
    """

    mode: str = ROUND_HALF_UP

    def __post_init__(self) -> None:
        if self.mode not in ROUNDING_MODES:
            raise InvalidValueError("rounding mode", self.mode, "one of " + ", ".join(sorted(ROUNDING_MODES)))

    def round(self, amount: Decimal, currency: str = "CNY") -> Decimal:
        """Round ``amount`` to the minor unit of ``currency`` under this policy's mode."""
        exponent = _EXPONENTS.get(currency)
        if exponent is None:
            exponent = minor_unit(currency)
        # An explicit rounding argument leaves the thread's decimal context
        # untouched. It is passed by position because that is faster.
        return amount.quantize(exponent, self.mode)


DEFAULT_ROUNDING = RoundingPolicy()


def round_money(amount: Decimal, currency: str = "CNY", policy: RoundingPolicy = DEFAULT_ROUNDING) -> Decimal:
    """Round ``amount`` to ``currency``'s minor unit with ``policy`` (half-up by default)."""
    return policy.round(amount, currency)


def is_exact_amount(amount: Decimal, currency: str = "CNY") -> bool:
    """Return whether ``amount`` is finite and has no digits below ``currency``'s minor unit."""
    if not amount.is_finite():
        return False
    try:
        return amount == amount.quantize(minor_unit(currency), rounding=ROUND_DOWN)
    except InvalidOperation:
        # quantize raises when the result needs more digits than the context holds,
        # which only happens for amounts far beyond any loan, so they are not exact amounts.
        return False


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Convert an amount to an integer count of minor units (fen, cents, yen).

    Raises:
        InvalidValueError: ``amount`` has digits below the minor unit. It is not
            rounded silently, because a payment must move the exact amount owed.
    """
    if not is_exact_amount(amount, currency):
        places = minor_unit_places(currency)
        raise InvalidValueError("amount", amount, f"a finite {currency} amount with at most {places} decimal places")
    return int(amount.scaleb(minor_unit_places(currency)))


def from_minor_units(units: int, currency: str) -> Decimal:
    """Convert an integer count of minor units back to a ``Decimal`` amount."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise InvalidValueError("units", units, "an integer count of minor units")
    places = minor_unit_places(currency)
    return Decimal(units).scaleb(-places).quantize(_EXPONENTS[currency])


def parse_decimal(text: str, field: str) -> Decimal:
    """Parse a finite decimal number from text, naming ``field`` in the error.

    Raises:
        InvalidValueError: The text is not a finite decimal number.
    """
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidValueError(field, text, "a decimal number such as 1234.56") from None
    if not value.is_finite():
        raise InvalidValueError(field, text, "a finite decimal number")
    return value
