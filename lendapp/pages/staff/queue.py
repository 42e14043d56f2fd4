"""The review queue at /staff/queue: filters, a table of applications and a "load more" button."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.services.review_queue import QUEUE_STATUSES, ScoreBand
from lendapp.state.staff_review_queue import ANY, ASSIGNEE_ME, ASSIGNEE_NOBODY, QueueItem, StaffReviewQueueState

ROUTE = "/staff/queue"
TITLE_KEY = "staff.queue.meta_title"
DESCRIPTION_KEY = "staff.queue.meta_description"
# The handler checks the session and the review-queue permission itself.
ON_LOAD = StaffReviewQueueState.load
S = StaffReviewQueueState
# Channels the wizard records on an application.
CHANNELS = ("web", "h5", "mini_program")


def _dropdown(label_key: str, name: str, items: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=name, font_weight="500", font_size="0.875rem"),
        rx.select.root(
            rx.select.trigger(id=name, min_height=TAP_TARGET),
            rx.select.content(rx.select.item(t("staff.queue.filter.any"), value=ANY),
                              *[rx.select.item(t(key), value=value) for value, key in items]),
            name=name,
            default_value=ANY,
        ),
        spacing="1",
    )


def _text_field(label_key: str, name: str, input_type: str, max_length: int) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=name, font_weight="500", font_size="0.875rem"),
        rx.input(id=name, name=name, type=input_type, max_length=max_length, min_height=TAP_TARGET),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _dropdown("staff.queue.filter.status", "status", [(str(status), f"staff.status.{status}") for status in QUEUE_STATUSES]),
            _dropdown("staff.queue.filter.score_band", "score_band", [(str(band), f"staff.queue.band.{band}") for band in ScoreBand]),
            _dropdown("staff.queue.filter.assignee", "assignee",
                    [(ASSIGNEE_ME, "staff.queue.filter.mine"), (ASSIGNEE_NOBODY, "staff.queue.filter.unassigned")]),
            rx.vstack(
                rx.el.label(t("staff.queue.filter.product"), html_for="product_code", font_weight="500", font_size="0.875rem"),
                rx.input(id="product_code", name="product_code", max_length=64, min_height=TAP_TARGET),
                spacing="1",
            ),
            _dropdown("staff.queue.filter.channel", "channel", [(channel, f"staff.queue.channel.{channel}") for channel in CHANNELS]),
            _text_field("staff.queue.filter.search", "search", "text", 40),
            _text_field("staff.queue.filter.submitted_from", "submitted_from", "date", 10),
            _text_field("staff.queue.filter.submitted_to", "submitted_to", "date", 10),
            rx.checkbox(t("staff.queue.filter.fraud_only"), name="fraud_only"),
            rx.checkbox(t("staff.queue.filter.newest_first"), name="newest_first"),
            rx.button(t("staff.queue.filter.apply"), type="submit", min_height=TAP_TARGET),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=S.apply_filters,
        width="100%",
    )


def _counts() -> rx.Component:
    return rx.hstack(
        *[rx.badge(t(f"staff.status.{status}"), ": ", S.counts.get(str(status), 0), variant="soft") for status in QUEUE_STATUSES],
        wrap="wrap",
        spacing="2",
    )


def _row(item: QueueItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(item.number, href="/staff/applications/" + item.number)),
        rx.table.cell(rx.badge(item.status_label, data_status=item.status)),
        rx.table.cell(item.product_code),
        rx.table.cell(item.amount),
        rx.table.cell(item.term),
        rx.table.cell(item.score),
        rx.table.cell(item.submitted),
        rx.table.cell(rx.cond(item.assigned, rx.text(item.assignee),
                              rx.button(t("staff.queue.claim"), size="1", variant="soft", on_click=S.claim(item.number)))),
    )


def _table() -> rx.Component:
    columns = ("number", "status", "product", "amount", "term", "score", "submitted", "assignee")
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"staff.queue.column.{column}")) for column in columns])),
            rx.table.body(rx.foreach(S.rows, _row)),
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def page() -> rx.Component:
    """Render the review queue."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("staff.queue.heading"), as_="h1", size="6"),
            _counts(),
            _filters(),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.cond(S.rows.length() > 0, _table(), rx.text(t("staff.queue.empty"), color_scheme="gray")),
            rx.cond(S.has_more, rx.button(t("staff.queue.load_more"), on_click=S.load_more, variant="soft", min_height=TAP_TARGET)),
            spacing="4",
            width="100%",
        )
    )
