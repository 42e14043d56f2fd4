"""Messages at /account/messages: reminders and notices, and which optional messages to receive."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.pages.borrower.dashboard import account_links
from lendapp.state.messages import MessageRow, MessagesState, PreferenceRow

ROUTE = "/account/messages"
TITLE_KEY = "messages.meta_title"
DESCRIPTION_KEY = "messages.meta_description"
# The handler checks the session itself and sends visitors without one to sign in.
ON_LOAD = MessagesState.load
S = MessagesState


def _message(row: MessageRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.cond(row.read, rx.fragment(), rx.badge(t("messages.unread_badge"), color_scheme="red")),
                rx.text(row.subject, weight=rx.cond(row.read, "regular", "bold")),
                rx.spacer(),
                rx.text(row.time, size="1", color_scheme="gray"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(row.body, size="2", white_space="pre-line"),
            rx.cond(row.read, rx.fragment(),
                    rx.button(t("messages.mark_read"), size="2", variant="soft", on_click=S.mark_read(row.id), min_height=TAP_TARGET)),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _preference(row: PreferenceRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.label, size="2"),
        rx.spacer(),
        rx.switch(checked=row.enabled, on_change=lambda value: S.set_preference(row.channel, row.category, value),
                  aria_label=row.label, size="3"),
        width="100%",
        align="center",
        min_height=TAP_TARGET,
    )


def page() -> rx.Component:
    """Render the inbox."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("messages.heading"), " (", S.unread, ")", as_="h1", size="6"),
            account_links(),
            rx.cond(S.messages.length() > 0, rx.vstack(rx.foreach(S.messages, _message), spacing="3", width="100%"),
                    rx.text(t("messages.empty"), color_scheme="gray")),
            rx.card(
                rx.vstack(
                    rx.heading(t("messages.preferences_heading"), as_="h2", size="4"),
                    rx.text(t("messages.preferences_intro"), size="2", color_scheme="gray"),
                    rx.foreach(S.preferences, _preference),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )
