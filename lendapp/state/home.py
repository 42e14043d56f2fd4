"""The home page's product list."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.i18n.formatting import format_money, format_percent
from lendapp.services.products import ProductSummary, list_active_products

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ProductCard:
    """One product card; figures are pre-formatted in a form both languages read."""

    code: str
    segment: str
    method: str
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    amount_range: str
    term_range: str
    rate_range: str


def _to_card(product: ProductSummary) -> ProductCard:
    # Money and percent formats are the same in both locales apart from the currency sign.
    return ProductCard(
        code=product.code,
        segment=product.segment,
        method=product.method,
        name_zh=product.name_zh,
        name_en=product.name_en,
        summary_zh=product.summary_zh,
        summary_en=product.summary_en,
        amount_range=f"{format_money(product.min_amount, 'zh-CN')} – {format_money(product.max_amount, 'zh-CN')}",
        term_range=f"{product.min_term_months}–{product.max_term_months}",
        rate_range=f"{format_percent(product.min_annual_rate, 'zh-CN')} – {format_percent(product.max_annual_rate, 'zh-CN')}",
    )


class HomeState(rx.State):
    """Products shown on the home page."""

    products: list[ProductCard] = []
    load_failed: bool = False

    @rx.event
    async def load_products(self) -> None:
        """Load the active products off the event loop."""
        try:
            summaries = await asyncio.to_thread(list_active_products)
        except Exception:
            logger.exception("Loading products for the home page failed")
            self.load_failed = True
            return
        self.load_failed = False
        self.products = [_to_card(summary) for summary in summaries]
