"""Money rounding policy and minor-unit conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import (
    RoundingPolicy,
    from_minor_units,
    is_exact_amount,
    minor_unit,
    parse_decimal,
    round_money,
    to_minor_units,
)


def test_round_money_half_up_default() -> None:
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("2.344999")) == Decimal("2.34")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")


def test_rounding_policy_half_even() -> None:
    policy = RoundingPolicy(ROUND_HALF_EVEN)
    assert policy.round(Decimal("2.345")) == Decimal("2.34")
    assert policy.round(Decimal("2.355")) == Decimal("2.36")


def test_rounding_policy_rejects_unknown_mode() -> None:
    with pytest.raises(InvalidValueError) as raised:
        RoundingPolicy("ROUND_SOMETIMES")
    assert raised.value.field == "rounding mode"


def test_round_money_per_currency() -> None:
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1.2345"), "KWD") == Decimal("1.235")
    assert minor_unit("CNY") == Decimal("0.01")


def test_minor_units_round_trip() -> None:
    assert to_minor_units(Decimal("123.45"), "CNY") == 12345
    assert to_minor_units(Decimal("1200"), "JPY") == 1200
    assert to_minor_units(Decimal("-0.01"), "USD") == -1
    assert from_minor_units(12345, "CNY") == Decimal("123.45")
    assert str(from_minor_units(100, "CNY")) == "1.00"
    assert from_minor_units(1200, "JPY") == Decimal("1200")


def test_to_minor_units_rejects_fraction_of_cent() -> None:
    with pytest.raises(InvalidValueError) as raised:
        to_minor_units(Decimal("1.005"), "CNY")
    assert "2 decimal places" in str(raised.value)


def test_minor_units_unknown_currency() -> None:
    with pytest.raises(InvalidValueError) as raised:
        to_minor_units(Decimal("1.00"), "XXX")
    assert raised.value.field == "currency"


def test_from_minor_units_rejects_non_integer() -> None:
    with pytest.raises(InvalidValueError):
        from_minor_units(1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        from_minor_units(True, "CNY")


def test_is_exact_amount_cases() -> None:
    assert is_exact_amount(Decimal("10.10"), "CNY")
    assert not is_exact_amount(Decimal("10.101"), "CNY")
    assert not is_exact_amount(Decimal("NaN"), "CNY")
    assert not is_exact_amount(Decimal("10.5"), "JPY")


def test_parse_decimal_rejects_text() -> None:
    assert parse_decimal(" 12.50 ", "amount") == Decimal("12.50")
    for text in ("abc", "", "Infinity", "NaN", "1,000"):
        with pytest.raises(InvalidValueError) as raised:
            parse_decimal(text, "amount")
        assert raised.value.field == "amount"
