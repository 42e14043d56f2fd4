"""The product page: one product's full disclosure, formatted for both languages."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.i18n.formatting import format_money, format_percent
from lendapp.services.quotes import ProductDisclosure, QuoteResult, load_product_disclosure

logger = logging.getLogger(__name__)

# Figures are formatted once in a form both languages read (¥1,234.56, 12.34%).
NEUTRAL_LOCALE = "zh-CN"


@dataclasses.dataclass
class ProductView:
    """A product's disclosure with every figure pre-formatted."""

    code: str = ""
    segment: str = ""
    method: str = ""
    name_zh: str = ""
    name_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    amount_range: str = ""
    term_range: str = ""
    rate_range: str = ""
    apr_range: str = ""
    apr_compounded_range: str = ""
    upfront_fee: str = ""
    penalty_daily: str = ""
    grace_days: int = 0
    example_amount: str = ""
    example_months: int = 0
    example_rate: str = ""
    example_payment: str = ""
    example_first_payment: str = ""
    # The last payment when it differs from the first (the principal of an interest-only loan); else empty.
    example_final_payment: str = ""
    example_total_interest: str = ""
    example_total_fees: str = ""
    example_total_cost: str = ""
    example_total_payment: str = ""
    example_apr: str = ""
    calculator_href: str = ""


def _money(value) -> str:
    return format_money(value, NEUTRAL_LOCALE)


def _percent(value, digits: int = 2) -> str:
    return format_percent(value, NEUTRAL_LOCALE, digits)


def _final_payment(example: QuoteResult) -> str:
    last = example.rows[-1].payment if example.rows else example.first_payment
    return "" if last == example.first_payment else _money(last)


def _range(low: str, high: str) -> str:
    return low if low == high else f"{low} – {high}"


def format_disclosure(disclosure: ProductDisclosure) -> ProductView:
    """Format a product's disclosure; the APR range uses the same size of type as the nominal range."""
    product, apr, example = disclosure.terms, disclosure.apr_range, disclosure.example
    return ProductView(
        code=product.code,
        segment=product.segment,
        method=product.method,
        name_zh=product.name_zh,
        name_en=product.name_en,
        summary_zh=product.summary_zh,
        summary_en=product.summary_en,
        amount_range=_range(_money(product.min_amount), _money(product.max_amount)),
        term_range=_range(str(product.min_term_months), str(product.max_term_months)),
        rate_range=_range(_percent(product.min_annual_rate), _percent(product.max_annual_rate)),
        apr_range=_range(_percent(apr.low_periodic_x_n), _percent(apr.high_periodic_x_n)),
        apr_compounded_range=_range(_percent(apr.low_compounded), _percent(apr.high_compounded)),
        upfront_fee=_percent(product.upfront_fee_rate),
        penalty_daily=_percent(product.penalty_daily_rate, 3),
        grace_days=product.grace_days,
        example_amount=_money(example.amount),
        example_months=example.months or 0,
        example_rate=_percent(example.annual_rate),
        example_payment=_money(example.installment) if example.installment is not None else "",
        example_first_payment=_money(example.first_payment),
        example_final_payment=_final_payment(example),
        example_total_interest=_money(example.total_interest),
        example_total_fees=_money(example.total_fees),
        example_total_cost=_money(example.total_cost),
        example_total_payment=_money(example.total_payment),
        example_apr=_percent(example.apr_periodic_x_n),
        calculator_href=f"/calculator?product={product.code}&method={product.method}",
    )


class ProductPageState(rx.State):
    """The product shown on /products/[product_code]."""

    product: ProductView = ProductView()
    found: bool = True
    load_failed: bool = False

    @rx.event
    async def load(self) -> None:
        """Load the product named by the route off the event loop."""
        # Static product routes carry no parameter, so the code comes from the path.
        code = self.router.page.params.get("product_code") or self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            disclosure = await asyncio.to_thread(load_product_disclosure, code)
        except Exception:
            logger.exception("Loading product %r failed", code)
            self.load_failed = True
            return
        self.load_failed = False
        self.found = disclosure is not None
        self.product = format_disclosure(disclosure) if disclosure is not None else ProductView()
