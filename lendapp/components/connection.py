"""A localized notice for a lost connection to the backend, in place of Reflex's English toast."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_too_many_connection_errors

from lendapp.components.text import t


def connection_notice() -> rx.Component:
    """Show a small fixed notice while the websocket cannot reach the server; it goes away on reconnect.

    Reflex's own toast names the websocket address in English. Phone users on
    a train lose the connection often, so they get a calm sentence in their
    language, and the page keeps what they typed (the state lives on the server).
    """
    # Two failed attempts, as Reflex's toast waits for, so a momentary blip shows nothing.
    notice = rx.cond(
        has_too_many_connection_errors,
        rx.callout.root(
            rx.callout.icon(rx.icon("wifi-off", size=16)),
            rx.callout.text(t("app.connection_lost")),
            color_scheme="amber",
            role="status",
            position="fixed",
            bottom="1rem",
            left="1rem",
            right="1rem",
            max_width="28rem",
            margin_x="auto",
            z_index="50",
            id="connection-notice",
        ),
    )
    # A hidden marker of finished hydration (the page's load events have run). Browser tests wait
    # for it before they type, because a click that arrives earlier can be overwritten by a load
    # event that resets the form.
    ready = rx.el.span(id="app-ready", data_ready=rx.cond(rx.State.is_hydrated, "true", "false"), hidden=True)
    return rx.fragment(ready, notice)
