"""Product widgets shared by the home page and the product pages."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import localized, t
from lendapp.state.product_page import ProductView

SEGMENTS = ("consumer", "small_business", "agricultural", "education")
METHODS = ("equal_installment", "equal_principal", "interest_only", "bullet")


def segment_badge(segment: rx.Var) -> rx.Component:
    """Render the product's segment as a badge."""
    return rx.badge(rx.match(segment, *[(name, t(f"segment.{name}")) for name in SEGMENTS], segment), size="2", high_contrast=True)


def method_name(method: rx.Var) -> rx.Var:
    """Look up the localized name of a repayment method value."""
    return rx.match(method, *[(name, t(f"method.{name}")) for name in METHODS], method)


def fact(label: rx.Var, *value, size: str = "3") -> rx.Component:
    """Render a small label above a value."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(*value, size=size, weight="medium"),
        spacing="0",
    )


def rate_pair(product: ProductView) -> rx.Component:
    """Render the APR range and the nominal rate range at the same size, APR first."""
    return rx.grid(
        rx.vstack(
            rx.text(t("site.apr_label"), size="1", color_scheme="gray"),
            rx.text(product.apr_range, size="5", weight="bold", color_scheme="jade"),
            spacing="0",
        ),
        rx.vstack(
            rx.text(t("site.nominal_rate_label"), size="1", color_scheme="gray"),
            rx.text(product.rate_range, size="5", weight="bold"),
            spacing="0",
        ),
        columns="2",
        spacing="3",
        width="100%",
    )


def product_card(product: ProductView) -> rx.Component:
    """Render a product card: segment, name, rates, method, ranges and links."""
    return rx.card(
        rx.vstack(
            segment_badge(product.segment),
            rx.heading(localized(product.name_zh, product.name_en), as_="h3", size="4"),
            rx.text(localized(product.summary_zh, product.summary_en), size="2", color_scheme="gray"),
            rate_pair(product),
            rx.grid(
                fact(t("product.amount"), product.amount_range, size="2"),
                fact(t("product.term"), product.term_range, " ", t("unit.months"), size="2"),
                fact(t("site.method_label"), method_name(product.method), size="2"),
                fact(t("site.upfront_fee_label"), product.upfront_fee, size="2"),
                columns="2",
                spacing="3",
                width="100%",
            ),
            rx.flex(
                rx.link(t("site.product_details"), href="/products/" + product.code, min_height=TAP_TARGET,
                        display="flex", align_items="center"),
                rx.link(t("site.calculate"), href=product.calculator_href, min_height=TAP_TARGET,
                        display="flex", align_items="center"),
                spacing="4",
                wrap="wrap",
            ),
            spacing="3",
            height="100%",
        ),
        width="100%",
    )
