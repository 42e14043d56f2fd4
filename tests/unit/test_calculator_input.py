"""Parsing the calculator's typed amount, term and rate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lendapp.state.calculator import InputError, normalize_number, parse_amount, parse_rate_percent, parse_term


@pytest.mark.parametrize(
    "text,expected",
    [
        ("10000", Decimal("10000")),
        ("１００００", Decimal("10000")),
        ("１２３４．５６", Decimal("1234.56")),
        ("10,000", Decimal("10000")),
        ("１０，０００", Decimal("10000")),
        (" ¥5000 ", Decimal("5000")),
        ("￥5000", Decimal("5000")),
        ("5000元", Decimal("5000")),
        ("5000。5", Decimal("5000.5")),
    ],
)
def test_parse_amount_accepts(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "10k", "-100", "0", "0.00", "１２.３４５", "1e5", "NaN", "一万", "9" * 13, "9" * 5000])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_amount(text)

    assert raised.value.key == "calculator.error.amount_invalid"


@pytest.mark.parametrize("text,expected", [("12", 12), ("１２", 12), (" 6 ", 6), ("036", 36)])
def test_parse_term_accepts(text: str, expected: int) -> None:
    assert parse_term(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-3", "－３", "1.5", "twelve", "十二", "1" * 7, "1" * 4400])
def test_parse_term_rejects(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_term(text)

    assert raised.value.key == "calculator.error.term_invalid"


@pytest.mark.parametrize("text,expected", [("18", Decimal("0.18")), ("７.２", Decimal("0.072")), ("12.5%", Decimal("0.125")), ("0", Decimal("0"))])
def test_parse_rate_accepts(text: str, expected: Decimal) -> None:
    assert parse_rate_percent(text) == expected


@pytest.mark.parametrize("text", ["", "-1", "abc", "12.34567", "1" * 4, "1" * 5000])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_rate_percent(text)

    assert raised.value.key == "calculator.error.rate_invalid"


def test_normalize_number_nfkc() -> None:
    assert normalize_number("　１２３　") == "123"


def test_schedule_figure_stacks_principal_under_interest() -> None:
    import types
    from decimal import Decimal

    from lendapp.state.calculator import INTEREST_COLOR, PRINCIPAL_COLOR, schedule_figure

    rows = [types.SimpleNamespace(number=n, principal=Decimal("800.10") + n, interest=Decimal("99.90") - n) for n in (1, 2, 3)]
    figure = schedule_figure(types.SimpleNamespace(rows=rows))
    principal, interest = figure.data
    assert (principal.type, interest.type) == ("bar", "bar")
    assert list(principal.x) == [1, 2, 3]
    assert list(principal.y) == [801.10, 802.10, 803.10]
    assert list(interest.y) == [98.90, 97.90, 96.90]
    assert (principal.marker.color, interest.marker.color) == (PRINCIPAL_COLOR, INTEREST_COLOR)
    assert figure.layout.barmode == "stack"
    assert figure.layout.showlegend is False
    assert figure.layout.height == 240
