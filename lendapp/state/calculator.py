"""The loan calculator: parse the borrower's input, quote it, and format the result.

The inputs live in the URL query (``?product=...&amount=...&months=...&method=...``,
``days=`` instead of ``months=`` for a bullet loan, optional ``rate=`` in
percent), so a result can be shared and reloads the same. Invalid input sets a
catalog key next to the field and keeps the last valid result on screen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import unicodedata
import urllib.parse
from decimal import Decimal

import plotly.graph_objects as go
import reflex as rx

from lendapp.i18n.formatting import format_money, format_percent
from lendapp.services.quotes import (
    ProductTerms,
    QuoteError,
    QuoteResult,
    compare_methods,
    list_product_terms,
    quote_product,
)

logger = logging.getLogger(__name__)

# Figures are formatted once in a form both languages read (¥1,234.56, 12.34%).
NEUTRAL_LOCALE = "zh-CN"
DEFAULT_AMOUNT = Decimal("10000")
DEFAULT_MONTHS = 12
DEFAULT_DAYS = 30
PRINCIPAL_COLOR = "#12a594"
INTEREST_COLOR = "#f5a524"

# Digit counts are bounded, because Python refuses to convert integers of more than 4,300 digits and a
# pasted run of digits would otherwise raise ValueError. Numbers within the bounds but outside a
# product's range get the range message.
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
_RATE = re.compile(r"\d{1,3}(\.\d{1,4})?")
_WHOLE = re.compile(r"\d{1,6}")


class InputError(ValueError):
    """Input that is not a number of the expected form; ``key`` is the catalog message."""

    def __init__(self, key: str, text: str) -> None:
        self.key = key
        super().__init__(f"invalid input {text!r}: {key}")


def normalize_number(text: str) -> str:
    """Normalize typed digits: NFKC turns full-width digits into ASCII, and separators go.

    Chinese keyboards may type the ideographic full stop for a decimal point,
    and borrowers may add a currency sign, a unit or a percent sign.
    """
    normalized = unicodedata.normalize("NFKC", text).strip()
    normalized = normalized.replace("。", ".")
    for noise in (",", " ", "¥", "元", "%"):
        normalized = normalized.replace(noise, "")
    return normalized


def parse_amount(text: str) -> Decimal:
    """Parse an amount in yuan with at most two decimals.

    Raises:
        InputError: The text is empty, negative or not a number.
    """
    normalized = normalize_number(text)
    if not _AMOUNT.fullmatch(normalized) or Decimal(normalized) <= 0:
        raise InputError("calculator.error.amount_invalid", text)
    return Decimal(normalized)


def parse_term(text: str) -> int:
    """Parse a term in whole months or days.

    Raises:
        InputError: The text is empty, zero, negative or not a whole number.
    """
    normalized = normalize_number(text)
    if not _WHOLE.fullmatch(normalized) or int(normalized) <= 0:
        raise InputError("calculator.error.term_invalid", text)
    return int(normalized)


def parse_rate_percent(text: str) -> Decimal:
    """Parse a nominal annual rate typed in percent ("18" or "18%") into a fraction.

    Raises:
        InputError: The text is empty, negative or not a number.
    """
    normalized = normalize_number(text)
    if not _RATE.fullmatch(normalized):
        raise InputError("calculator.error.rate_invalid", text)
    return Decimal(normalized) / 100


def _plain(value: Decimal) -> str:
    """Format a number for an input or a URL, without trailing zeros or exponent."""
    return format(value.normalize(), "f")


@dataclasses.dataclass
class ProductOption:
    """A product in the calculator's picker, with its ranges pre-formatted."""

    code: str
    method: str
    name_zh: str
    name_en: str
    amount_range: str
    month_range: str
    day_range: str
    rate_range: str


@dataclasses.dataclass
class ResultView:
    """The formatted headline figures of a quote."""

    payment_key: str = "calculator.result.installment"
    payment: str = ""
    # The last payment when it differs from ``payment``, such as the principal due at the end of an
    # interest-only loan. Empty otherwise.
    final_payment: str = ""
    total_interest: str = ""
    total_fees: str = ""
    total_cost: str = ""
    total_payment: str = ""
    amount_received: str = ""
    nominal_rate: str = ""
    apr: str = ""
    apr_compounded: str = ""


@dataclasses.dataclass
class RowView:
    """One formatted schedule row."""

    number: int
    due_date: str
    principal: str
    interest: str
    fee: str
    payment: str
    balance: str


@dataclasses.dataclass
class ComparisonView:
    """One repayment method in the side-by-side comparison."""

    method: str
    payment_key: str
    payment: str
    total_interest: str
    apr: str


def _money(value: Decimal) -> str:
    return format_money(value, NEUTRAL_LOCALE)


def _percent(value: Decimal) -> str:
    return format_percent(value, NEUTRAL_LOCALE)


def _payment_key(result: QuoteResult) -> str:
    if result.method == "bullet":
        return "calculator.result.single_payment"
    if result.method == "interest_only":
        return "calculator.result.interest_payment"
    if result.installment is None:
        return "calculator.result.first_payment"
    return "calculator.result.installment"


def _headline_payment(result: QuoteResult) -> Decimal:
    return result.installment if result.installment is not None else result.first_payment


def _final_payment(result: QuoteResult) -> str:
    # A bullet loan has one row, so its last payment is its headline and nothing is shown.
    if not result.rows or result.rows[-1].payment == _headline_payment(result):
        return ""
    return _money(result.rows[-1].payment)


def format_result(result: QuoteResult) -> ResultView:
    """Format a quote's headline figures."""
    return ResultView(
        payment_key=_payment_key(result),
        payment=_money(_headline_payment(result)),
        final_payment=_final_payment(result),
        total_interest=_money(result.total_interest),
        total_fees=_money(result.total_fees),
        total_cost=_money(result.total_cost),
        total_payment=_money(result.total_payment),
        amount_received=_money(result.amount_received),
        nominal_rate=_percent(result.annual_rate),
        apr=_percent(result.apr_periodic_x_n),
        apr_compounded=_percent(result.apr_compounded),
    )


def format_rows(result: QuoteResult) -> list[RowView]:
    """Format a quote's schedule; dates are ISO 8601, which both languages read."""
    return [
        RowView(
            number=row.number,
            due_date=row.due_date.isoformat(),
            principal=_money(row.principal),
            interest=_money(row.interest),
            fee=_money(row.fee),
            payment=_money(row.payment),
            balance=_money(row.closing_balance),
        )
        for row in result.rows
    ]


def format_comparison(results: tuple[QuoteResult, ...]) -> list[ComparisonView]:
    """Format the four methods' quotes for the comparison table."""
    return [
        ComparisonView(
            method=result.method,
            payment_key=_payment_key(result),
            payment=_money(_headline_payment(result)),
            total_interest=_money(result.total_interest),
            apr=_percent(result.apr_periodic_x_n),
        )
        for result in results
    ]


def schedule_figure(result: QuoteResult) -> go.Figure:
    """Build a small stacked bar chart: one bar per period, principal below interest.

    The legend is drawn by the page from the catalogs, so the figure has no text.
    The figure is built from plain dictionaries with ``skip_invalid``: every
    property here is fixed and valid, and the per-property validation of
    ``go.Bar`` and ``update_layout`` cost about eight times as much on every
    keystroke the calculator handles.
    """
    numbers = [row.number for row in result.rows]
    return go.Figure(
        {
            "data": [
                {"type": "bar", "x": numbers, "y": [float(row.principal) for row in result.rows], "marker": {"color": PRINCIPAL_COLOR}},
                {"type": "bar", "x": numbers, "y": [float(row.interest) for row in result.rows], "marker": {"color": INTEREST_COLOR}},
            ],
            "layout": {
                "barmode": "stack",
                "showlegend": False,
                "height": 240,
                "margin": {"l": 48, "r": 8, "t": 8, "b": 32},
                "paper_bgcolor": "rgba(0,0,0,0)",
                "plot_bgcolor": "rgba(0,0,0,0)",
            },
        },
        skip_invalid=True,
    )


def _option(product: ProductTerms) -> ProductOption:
    return ProductOption(
        code=product.code,
        method=product.method,
        name_zh=product.name_zh,
        name_en=product.name_en,
        amount_range=f"{_money(product.min_amount)} – {_money(product.max_amount)}",
        month_range=f"{product.min_term_months}–{product.max_term_months}",
        day_range=f"{product.min_term_days}–{product.max_term_days}",
        rate_range=f"{_percent(product.min_annual_rate)} – {_percent(product.max_annual_rate)}",
    )


class CalculatorState(rx.State):
    """The calculator's inputs, field messages and last valid result."""

    products: list[ProductOption] = []
    product_code: str = ""
    method: str = "equal_installment"
    amount_text: str = ""
    term_text: str = ""
    rate_text: str = ""
    product_error: str = ""
    amount_error: str = ""
    term_error: str = ""
    rate_error: str = ""
    load_failed: bool = False
    has_result: bool = False
    result: ResultView = ResultView()
    rows: list[RowView] = []
    comparison: list[ComparisonView] = []
    comparison_months: int = 0
    figure: go.Figure = go.Figure()
    query: str = ""
    # Full product terms stay on the server; the browser gets ProductOption.
    _terms: dict[str, ProductTerms] = {}

    @rx.var
    def is_bullet(self) -> bool:
        """Return whether the term is in days."""
        return self.method == "bullet"

    @rx.var
    def selected(self) -> ProductOption | None:
        """Return the chosen product's formatted ranges."""
        return next((option for option in self.products if option.code == self.product_code), None)

    @rx.event
    async def load(self):
        """Load the products, then restore the inputs from the URL query and quote them."""
        try:
            products = await asyncio.to_thread(list_product_terms)
        except Exception:
            logger.exception("Loading products for the calculator failed")
            self.load_failed = True
            return
        self.load_failed = False
        self._terms = {product.code: product for product in products}
        self.products = [_option(product) for product in products]
        self._restore(dict(self.router.url.query_parameters))
        return self._recalculate()

    def _restore(self, params: dict[str, str]) -> None:
        code = params.get("product", "")
        if code not in self._terms:
            code = self.products[0].code if self.products else ""
        self.product_code = code
        product = self._terms.get(code)
        default_method = product.method if product else "equal_installment"
        self.method = params.get("method") or default_method
        term_key = "days" if self.method == "bullet" else "months"
        default_term = DEFAULT_DAYS if self.method == "bullet" else DEFAULT_MONTHS
        self.term_text = params.get(term_key, str(default_term))
        self.amount_text = params.get("amount", _plain(DEFAULT_AMOUNT))
        self.rate_text = params.get("rate", _plain(product.max_annual_rate * 100) if product else "")

    @rx.event
    def set_product(self, code: str):
        """Choose a product; its own repayment method and maximum rate become the inputs."""
        product = self._terms.get(code)
        if product is None:
            self.product_error = "calculator.error.product_unknown"
            return
        self.product_code = code
        self.method = product.method
        self.rate_text = _plain(product.max_annual_rate * 100)
        if self.method == "bullet":
            self.term_text = str(DEFAULT_DAYS)
        return self._recalculate()

    @rx.event
    def set_method(self, method: str):
        """Choose a repayment method; switching to or from bullet resets the term's unit."""
        was_bullet = self.method == "bullet"
        self.method = method
        if was_bullet != (method == "bullet"):
            self.term_text = str(DEFAULT_DAYS if method == "bullet" else DEFAULT_MONTHS)
        return self._recalculate()

    @rx.event
    def set_amount(self, text: str):
        """Take the typed amount and quote again."""
        self.amount_text = text
        return self._recalculate()

    @rx.event
    def set_term(self, text: str):
        """Take the typed term and quote again."""
        self.term_text = text
        return self._recalculate()

    @rx.event
    def set_rate(self, text: str):
        """Take the typed nominal rate and quote again."""
        self.rate_text = text
        return self._recalculate()

    def _parse(self) -> tuple[Decimal, int, Decimal] | None:
        """Parse every field, setting each field's message; None when any is invalid."""
        self.product_error = self.amount_error = self.term_error = self.rate_error = ""
        values = {}
        for name, parser, text in (
            ("amount", parse_amount, self.amount_text),
            ("term", parse_term, self.term_text),
            ("rate", parse_rate_percent, self.rate_text),
        ):
            try:
                values[name] = parser(text)
            except InputError as error:
                setattr(self, f"{name}_error", error.key)
        if len(values) < 3:
            return None
        return values["amount"], values["term"], values["rate"]

    def _recalculate(self):
        product = self._terms.get(self.product_code)
        parsed = self._parse()
        if product is None or parsed is None:
            return None
        amount, term, rate = parsed
        try:
            result = quote_product(product, amount, term, self.method, rate)
        except QuoteError as error:
            slot = error.field if error.field in ("amount", "term", "rate") else "product"
            setattr(self, f"{slot}_error", f"calculator.error.{error.field}_{error.reason}")
            return None
        months = term if self.method != "bullet" else max(1, min(round(term / 30), product.max_term_months))
        self.comparison_months = months
        self.comparison = format_comparison(compare_methods(product, amount, months, rate))
        self.result = format_result(result)
        self.rows = format_rows(result)
        self.figure = schedule_figure(result)
        self.has_result = True
        self.query = _query(product.code, amount, term, self.method, rate)
        # Replace the address without a navigation, so the result can be shared as it is.
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps('/calculator?' + self.query)})")


def _query(code: str, amount: Decimal, term: int, method: str, rate: Decimal) -> str:
    term_key = "days" if method == "bullet" else "months"
    return urllib.parse.urlencode(
        {"product": code, "amount": _plain(amount), term_key: term, "method": method, "rate": _plain(rate * 100)}
    )
