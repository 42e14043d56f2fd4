"""The home page: products with their APR ranges, how applying works, stories, FAQ and disclosures."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.product_card import product_card
from lendapp.components.text import localized, t
from lendapp.state.home import ContentView, HomeState

ROUTE = "/"
TITLE_KEY = "home.meta_title"
DESCRIPTION_KEY = "home.meta_description"
ON_LOAD = [HomeState.load_products, HomeState.load_content]

STEPS = ("register", "apply", "review", "sign")


def _cta_buttons() -> rx.Component:
    return rx.flex(
        rx.link(rx.button(t("home.cta_apply"), size="3", high_contrast=True, min_height=TAP_TARGET), href="/apply"),
        rx.link(rx.button(t("home.cta_calculator"), size="3", variant="outline", min_height=TAP_TARGET), href="/calculator"),
        spacing="3",
        wrap="wrap",
    )


def _hero() -> rx.Component:
    return rx.vstack(
        rx.heading(t("home.headline"), as_="h1", size="8"),
        rx.text(t("home.subheadline"), size="4", color_scheme="gray"),
        _cta_buttons(),
        spacing="4",
        padding_y="1.5rem",
    )


def _section_heading(key: str, anchor: str) -> rx.Component:
    return rx.heading(t(key), as_="h2", size="6", id=anchor, padding_top="2rem")


def _products() -> rx.Component:
    return rx.fragment(
        _section_heading("home.products_heading", "products"),
        rx.text(t("site.apr_explainer"), size="2", color_scheme="gray"),
        rx.cond(
            HomeState.load_failed,
            rx.callout(t("home.products_unavailable"), icon="triangle-alert", color_scheme="red"),
        ),
        rx.grid(
            rx.foreach(HomeState.products, product_card),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="4",
            padding_y="1rem",
            width="100%",
        ),
    )


def _step(index: int, name: str) -> rx.Component:
    return rx.hstack(
        rx.badge(str(index), size="3", radius="full", variant="solid", high_contrast=True),
        rx.vstack(
            rx.text(t(f"site.steps.{name}.title"), weight="bold"),
            rx.text(t(f"site.steps.{name}.body"), size="2", color_scheme="gray"),
            spacing="1",
        ),
        align="start",
        spacing="3",
    )


def _how_it_works() -> rx.Component:
    return rx.fragment(
        _section_heading("site.steps_heading", "how-it-works"),
        rx.el.ol(
            *[rx.el.li(_step(index, name), list_style="none") for index, name in enumerate(STEPS, start=1)],
            display="grid",
            gap="1rem",
            padding="0",
            margin="1rem 0",
            grid_template_columns=rx.breakpoints(initial="1fr", md="repeat(4, 1fr)"),
        ),
    )


def _story(entry: ContentView) -> rx.Component:
    return rx.card(
        rx.el.blockquote(
            rx.text(localized(entry.body_zh, entry.body_en), size="2"),
            rx.text("— ", localized(entry.title_zh, entry.title_en), size="2", color_scheme="gray", margin_top="0.5rem"),
            margin="0",
        ),
        width="100%",
    )


def faq_item(entry: ContentView) -> rx.Component:
    """Render one FAQ entry as a native disclosure widget, which needs no script and no heading level."""
    return rx.el.details(
        rx.el.summary(
            localized(entry.title_zh, entry.title_en),
            font_weight="500",
            cursor="pointer",
            min_height=TAP_TARGET,
            padding_y="0.6rem",
        ),
        rx.text(localized(entry.body_zh, entry.body_en), size="2", padding_bottom="0.75rem"),
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
    )


def _faq() -> rx.Component:
    return rx.fragment(
        _section_heading("site.faq_heading", "faq"),
        rx.box(rx.foreach(HomeState.faqs, faq_item), width="100%", id="home-faq"),
        rx.link(t("site.more_help"), href="/help", min_height=TAP_TARGET, display="flex", align_items="center"),
    )


def _licence_row(entry: ContentView) -> rx.Component:
    return rx.fragment(
        rx.el.dt(localized(entry.title_zh, entry.title_en), font_weight="500"),
        rx.el.dd(localized(entry.body_zh, entry.body_en), margin="0 0 0.5rem 0", color="var(--gray-11)"),
    )


def _partner(entry: ContentView) -> rx.Component:
    return rx.badge(localized(entry.title_zh, entry.title_en), size="2", variant="surface", high_contrast=True, white_space="normal")


def _disclosures() -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.heading(t("site.partners_heading"), as_="h2", size="5"),
            rx.flex(rx.foreach(HomeState.partners, _partner), spacing="2", wrap="wrap"),
            spacing="3",
        ),
        rx.vstack(
            rx.heading(t("site.licence_heading"), as_="h2", size="5"),
            rx.el.dl(rx.foreach(HomeState.licence, _licence_row), margin="0", font_size="var(--font-size-2)"),
            spacing="3",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="5",
        padding_top="2rem",
        width="100%",
    )


def _closing_call() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("site.cta_heading"), as_="h2", size="5"),
            rx.text(t("site.cta_body"), size="2", color_scheme="gray"),
            _cta_buttons(),
            spacing="3",
        ),
        width="100%",
        margin_top="2rem",
    )


def page() -> rx.Component:
    """Render the home page."""
    return borrower_shell(
        _hero(),
        _products(),
        _how_it_works(),
        _section_heading("site.stories_heading", "stories"),
        rx.grid(rx.foreach(HomeState.stories, _story), columns=rx.breakpoints(initial="1", md="2"), spacing="4", padding_y="1rem", width="100%"),
        _faq(),
        _closing_call(),
        _disclosures(),
    )
