"""The fast money formatter writes exactly what Babel writes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from lendapp.i18n.formatting import babel_locale, format_money

_SAMPLES = [Decimal(0), Decimal("0.005"), Decimal("0.015"), Decimal("0.01"), Decimal("-0.01"), Decimal("1066.19"),
            Decimal("-1066.19"), Decimal("999999.995"), Decimal("1234567.891"), Decimal("1E+3"), Decimal("12345678901.25")]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("currency", ["CNY", "USD", "JPY"])
def test_format_money_matches_babel(locale: str, currency: str) -> None:
    generator = random.Random(20261205)
    amounts = _SAMPLES + [Decimal(generator.randint(-10**9, 10**9)).scaleb(-generator.randint(0, 4)) for _ in range(2000)]
    for amount in amounts:
        assert format_money(amount, locale, currency) == format_currency(amount, currency, locale=babel_locale(locale)), amount


def test_format_money_examples() -> None:
    assert format_money(Decimal("1234.56"), "zh-CN") == "¥1,234.56"
    assert format_money(Decimal("-5"), "zh-CN") == "-¥5.00"
