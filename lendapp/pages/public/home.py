"""The home page: what lendapp offers and how to start."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import localized, t
from lendapp.state.home import HomeState, ProductCard

ROUTE = "/"
TITLE_KEY = "home.meta_title"
DESCRIPTION_KEY = "home.meta_description"
ON_LOAD = HomeState.load_products


def _hero() -> rx.Component:
    return rx.vstack(
        rx.heading(t("home.headline"), as_="h1", size="8"),
        rx.text(t("home.subheadline"), size="4", color_scheme="gray"),
        rx.flex(
            rx.link(rx.button(t("home.cta_apply"), size="3", min_height=TAP_TARGET), href="/apply"),
            rx.link(rx.button(t("home.cta_calculator"), size="3", variant="outline", min_height=TAP_TARGET), href="/calculator"),
            gap="3",
            wrap="wrap",
        ),
        spacing="4",
        padding_y="1.5rem",
    )


SEGMENTS = ("consumer", "small_business", "agricultural", "education")


def _fact(label_key: str, *value: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), size="1", color_scheme="gray"),
        rx.text(*value, size="3", weight="medium"),
        spacing="0",
    )


def _segment_badge(segment: rx.Var) -> rx.Component:
    return rx.badge(rx.match(segment, *[(name, t(f"segment.{name}")) for name in SEGMENTS], segment), size="2")


def _product_card(product: ProductCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            _segment_badge(product.segment),
            rx.heading(localized(product.name_zh, product.name_en), as_="h3", size="4"),
            rx.text(localized(product.summary_zh, product.summary_en), size="2", color_scheme="gray"),
            rx.vstack(
                rx.text(t("product.annual_rate"), size="1", color_scheme="gray"),
                rx.text(product.rate_range, size="6", weight="bold", color_scheme="jade"),
                spacing="0",
            ),
            rx.grid(
                _fact("product.amount", product.amount_range),
                _fact("product.term", product.term_range, " ", t("unit.months")),
                columns="2",
                spacing="3",
                width="100%",
            ),
            spacing="3",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render the home page."""
    return borrower_shell(
        _hero(),
        rx.heading(t("home.products_heading"), as_="h2", size="6", id="products", padding_top="1rem"),
        rx.cond(
            HomeState.load_failed,
            rx.callout(t("home.products_unavailable"), icon="triangle-alert", color_scheme="red"),
        ),
        rx.grid(
            rx.foreach(HomeState.products, _product_card),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="4",
            padding_y="1rem",
            width="100%",
        ),
    )
