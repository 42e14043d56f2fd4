"""A product's page: the full disclosure of rates, fees, penalties, ranges and a worked example.

Besides the dynamic route, each product read at startup gets a static route of
the same address, so its disclosure is in the HTML the server returns. That
HTML shows the startup values until on_load replaces them with the current ones.
"""

from __future__ import annotations

import re

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.product_card import fact, method_name, rate_pair, segment_badge
from lendapp.components.text import localized, t
from lendapp.state.home import published_snapshot
from lendapp.state.product_page import ProductPageState, ProductView

ROUTE = "/products/[product_code]"
# Codes that are safe as a route segment; others are served by the dynamic route only.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
TITLE_KEY = "product_page.meta_title"
DESCRIPTION_KEY = "product_page.meta_description"
ON_LOAD = ProductPageState.load


def _row(label_key: str, *value) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(t(label_key), white_space="normal"),
        rx.table.cell(*value, white_space="normal"),
    )


def _disclosure_table(product: ProductView) -> rx.Component:
    return rx.table.root(
        rx.table.body(
            _row("site.nominal_rate_label", product.rate_range),
            _row("site.apr_label", product.apr_range),
            _row("product_page.apr_compounded", product.apr_compounded_range),
            _row("site.upfront_fee_label", product.upfront_fee, " ", t("product_page.upfront_fee_note")),
            _row("product_page.penalty", product.penalty_daily, " ", t("product_page.per_day")),
            _row("product_page.grace", product.grace_days, " ", t("unit.days")),
            _row("product.amount", product.amount_range),
            _row("product.term", product.term_range, " ", t("unit.months")),
            _row("site.method_label", method_name(product.method)),
        ),
        variant="surface",
        size="2",
        width="100%",
        id="product-disclosure",
    )


def _example(product: ProductView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("product_page.example_heading"), as_="h2", size="5"),
            rx.text(
                t("product_page.example_intro"), " ", product.example_amount, " · ", product.example_months, " ",
                t("unit.months"), " · ", product.example_rate, size="2", color_scheme="gray",
            ),
            rx.grid(
                fact(t("product_page.example_first_payment"), product.example_first_payment, size="4"),
                rx.cond(
                    product.example_final_payment != "",
                    fact(t("calculator.result.final_payment"), product.example_final_payment, size="4"),
                ),
                fact(t("site.apr_label"), product.example_apr, size="4"),
                fact(t("calculator.result.total_interest"), product.example_total_interest),
                fact(t("calculator.result.total_fees"), product.example_total_fees),
                fact(t("calculator.result.total_cost"), product.example_total_cost),
                fact(t("calculator.result.total_payment"), product.example_total_payment),
                columns=rx.breakpoints(initial="2", md="3"),
                spacing="4",
                width="100%",
            ),
            rx.link(
                rx.button(t("site.calculate"), size="3", variant="outline", min_height=TAP_TARGET),
                href=product.calculator_href,
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="product-example",
    )


def _found(product: ProductView) -> rx.Component:
    """Render a product from its state var, or from a startup value for the static HTML."""
    return rx.vstack(
        segment_badge(product.segment),
        rx.heading(localized(product.name_zh, product.name_en), as_="h1", size="7"),
        rx.text(localized(product.summary_zh, product.summary_en), color_scheme="gray"),
        rate_pair(product),
        rx.text(t("product_page.apr_method"), size="2", color_scheme="gray"),
        rx.heading(t("product_page.disclosure_heading"), as_="h2", size="5", padding_top="1rem"),
        _disclosure_table(product),
        _example(product),
        rx.link(rx.button(t("home.cta_apply"), size="3", high_contrast=True, min_height=TAP_TARGET), href="/apply?product=" + product.code),
        spacing="4",
        width="100%",
    )


def _missing() -> rx.Component:
    return rx.vstack(
        rx.heading(t("product_page.not_found"), as_="h1", size="7"),
        rx.link(t("not_found.home"), href="/", min_height=TAP_TARGET, display="flex", align_items="center"),
        spacing="4",
        padding_y="2rem",
    )


def _load_failed() -> rx.Component:
    return rx.cond(
        ProductPageState.load_failed,
        rx.callout(t("home.products_unavailable"), icon="triangle-alert", color_scheme="red"),
    )


def page() -> rx.Component:
    """Render a product page."""
    return borrower_shell(
        _load_failed(),
        rx.cond(ProductPageState.found, rx.cond(ProductPageState.product.code != "", _found(ProductPageState.product)), _missing()),
    )


def _static_page(startup: ProductView):
    def render() -> rx.Component:
        return borrower_shell(
            _load_failed(),
            rx.cond(
                ProductPageState.product.code == "",
                rx.cond(ProductPageState.found, _found(startup), _missing()),
                _found(ProductPageState.product),
            ),
        )

    render.__name__ = f"product_{startup.code.replace('-', '_')}"
    return render


def static_pages() -> list[tuple[str, object, ProductView]]:
    """Return (route, page function, product) for every product read at startup."""
    return [
        (f"/products/{view.code}", _static_page(view), view)
        for view in published_snapshot().products
        if SLUG.fullmatch(view.code)
    ]
