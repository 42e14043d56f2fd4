"""The help center: a searchable FAQ and the ways to reach us."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.pages.public.home import faq_item
from lendapp.state.help import HelpState

ROUTE = "/help"
TITLE_KEY = "help.meta_title"
DESCRIPTION_KEY = "help.meta_description"
ON_LOAD = HelpState.load

CONTACTS = (("phone", "phone"), ("clock", "hours"), ("mail", "email"), ("message-circle", "online"))


def _search() -> rx.Component:
    return rx.vstack(
        rx.el.label(t("help.search_label"), html_for="help-search", font_weight="500"),
        rx.debounce_input(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                value=HelpState.query,
                on_change=HelpState.set_query,
                id="help-search",
                type="search",
                placeholder=t("help.search_placeholder"),
                size="3",
                width="100%",
            ),
            debounce_timeout=300,
        ),
        spacing="1",
        width="100%",
    )


def _contact(icon: str, name: str) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=20),
        rx.vstack(
            rx.text(t(f"help.contact.{name}.label"), size="1", color_scheme="gray"),
            rx.text(t(f"help.contact.{name}.value"), weight="medium"),
            spacing="0",
        ),
        align="center",
        spacing="3",
        min_height=TAP_TARGET,
    )


def page() -> rx.Component:
    """Render the help center."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("help.heading"), as_="h1", size="7"),
            _search(),
            rx.cond(HelpState.load_failed, rx.callout(t("help.unavailable"), icon="triangle-alert", color_scheme="red")),
            rx.box(rx.foreach(HelpState.faqs, faq_item), width="100%", id="help-faq"),
            rx.cond(
                (HelpState.faqs.length() == 0) & ~HelpState.load_failed,
                rx.text(t("help.no_results"), color_scheme="gray", id="help-no-results"),
            ),
            rx.heading(t("help.contact_heading"), as_="h2", size="5", padding_top="1rem"),
            rx.grid(*[_contact(icon, name) for icon, name in CONTACTS], columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            rx.flex(
                rx.link(t("privacy.heading"), href="/privacy", min_height=TAP_TARGET, display="flex", align_items="center"),
                rx.link(t("agreement.heading"), href="/loan-agreement", min_height=TAP_TARGET, display="flex", align_items="center"),
                spacing="4",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        )
    )
