"""Collections at /staff/collections: the overdue list by bucket, one loan's history and forms, and plan-change approvals."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.services.collections import BUCKETS, CONTACT_KINDS, OUTCOMES
from lendapp.state.collections import ALL, ApprovalItem, HistoryItem, OverdueItem, PreviewItem, StaffCollectionsState

ROUTE = "/staff/collections"
TITLE_KEY = "ops.collections.meta_title"
DESCRIPTION_KEY = "ops.collections.meta_description"
# The handler checks the session; the list needs the overdue-list permission, approvals the second-approval one.
ON_LOAD = StaffCollectionsState.load
S = StaffCollectionsState


def _label(key: str, name: str) -> rx.Component:
    return rx.el.label(t(key), html_for=name, font_weight="500", font_size="0.875rem")


def _choice(label_key: str, name: str, items: list[tuple[str, str]], default: str) -> rx.Component:
    return rx.vstack(
        _label(label_key, name),
        rx.select.root(
            rx.select.trigger(id=name, min_height=TAP_TARGET),
            rx.select.content(*[rx.select.item(t(key), value=value) for value, key in items]),
            name=name,
            default_value=default,
        ),
        spacing="1",
    )


def _field(label_key: str, name: str, **props) -> rx.Component:
    return rx.vstack(_label(label_key, name), rx.input(id=name, name=name, min_height=TAP_TARGET, **props), spacing="1")


def _filters() -> rx.Component:
    buckets = [(ALL, "ops.collections.bucket_all")] + [(bucket, f"ops.bucket.{bucket}") for bucket in BUCKETS]
    return rx.form(
        rx.flex(
            _choice("ops.collections.filter_bucket", "bucket", buckets, ALL),
            _field("ops.collections.filter_search", "search", max_length=32),
            rx.button(t("ops.collections.filter_apply"), type="submit", min_height=TAP_TARGET),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=S.apply_filters,
        width="100%",
    )


def _counts() -> rx.Component:
    return rx.hstack(
        *[rx.badge(t(f"ops.bucket.{bucket}"), ": ", S.counts.get(bucket, 0), variant="soft") for bucket in BUCKETS],
        wrap="wrap",
        spacing="2",
    )


def _row(item: OverdueItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.button(item.number, variant="ghost", size="1", on_click=S.select_loan(item.number))),
        rx.table.cell(item.borrower),
        rx.table.cell(item.dpd),
        rx.table.cell(rx.badge(item.bucket)),
        rx.table.cell(item.principal),
        rx.table.cell(item.last_contact),
        rx.table.cell(item.promise),
    )


def _overdue_table() -> rx.Component:
    columns = ("loan", "borrower", "dpd", "bucket", "principal", "last_contact", "promise")
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"ops.collections.column.{c}")) for c in columns])),
            rx.table.body(rx.foreach(S.rows, _row)),
            width="100%",
            size="1",
        ),
        overflow_x="auto",
        width="100%",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(t("ops.collections.previous"), on_click=S.change_page(-1), disabled=S.page <= 1, variant="soft", min_height=TAP_TARGET),
        rx.text(t("ops.collections.page"), " ", S.page, " · ", t("ops.collections.total"), " ", S.total),
        rx.button(t("ops.collections.next"), on_click=S.change_page(1), disabled=~S.has_next, variant="soft", min_height=TAP_TARGET),
        align="center",
        spacing="3",
    )


def _history_row(item: HistoryItem) -> rx.Component:
    return rx.table.row(rx.table.cell(item.when), rx.table.cell(item.kind), rx.table.cell(item.outcome),
                        rx.table.cell(item.detail), rx.table.cell(item.collector))


def _history() -> rx.Component:
    columns = ("when", "kind", "outcome", "detail", "collector")
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"ops.history.{c}")) for c in columns])),
            rx.table.body(rx.foreach(S.history, _history_row)),
            width="100%",
            size="1",
        ),
        overflow_x="auto",
        width="100%",
    )


def _contact_form() -> rx.Component:
    kinds = [(kind, f"ops.kind.{kind}") for kind in (*CONTACT_KINDS, "note")]
    outcomes = [(outcome, f"ops.outcome.{outcome}") for outcome in OUTCOMES]
    return rx.form(
        rx.vstack(
            rx.heading(t("ops.collections.contact_heading"), as_="h3", size="3"),
            rx.flex(_choice("ops.collections.kind", "kind", kinds, "call"),
                    _choice("ops.collections.outcome", "outcome", outcomes, "reached"), spacing="3", wrap="wrap"),
            _label("ops.collections.note", "contact-note"),
            rx.text_area(id="contact-note", name="note", max_length=1024, width="100%"),
            rx.button(t("ops.collections.save"), type="submit", min_height=TAP_TARGET),
            spacing="2",
            align="stretch",
        ),
        on_submit=S.record_contact,
        reset_on_submit=True,
    )


def _promise_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(t("ops.collections.promise_heading"), as_="h3", size="3"),
            rx.flex(_field("ops.collections.promise_amount", "promised_amount", input_mode="decimal"),
                    _field("ops.collections.promise_date", "promised_date", type="date"), spacing="3", wrap="wrap"),
            rx.el.input(type="hidden", name="outcome", value="promised"),
            rx.button(t("ops.collections.save"), type="submit", min_height=TAP_TARGET),
            spacing="2",
            align="stretch",
        ),
        on_submit=S.record_promise,
        reset_on_submit=True,
    )


def _preview_row(item: PreviewItem) -> rx.Component:
    return rx.table.row(rx.table.cell(item.seq), rx.table.cell(item.due_date), rx.table.cell(item.principal),
                        rx.table.cell(item.interest), rx.table.cell(item.total))


def _hardship_form() -> rx.Component:
    kinds = [("deferral", "notify.kind.deferral"), ("extension", "notify.kind.extension")]
    columns = ("seq", "due_date", "principal", "interest", "total")
    return rx.vstack(
        rx.form(
            rx.vstack(
                rx.heading(t("ops.plan.heading"), as_="h3", size="3"),
                rx.flex(_choice("ops.plan.kind", "hardship-kind", kinds, "deferral"),
                        _field("ops.plan.periods", "periods", input_mode="numeric", max_length=3), spacing="3", wrap="wrap"),
                _label("ops.collections.note", "hardship-note"),
                rx.text_area(id="hardship-note", name="note", max_length=512, width="100%"),
                rx.button(t("ops.plan.preview"), type="submit", variant="soft", min_height=TAP_TARGET),
                spacing="2",
                align="stretch",
            ),
            on_submit=S.preview_hardship,
        ),
        rx.cond(
            S.preview_rows.length() > 0,
            rx.vstack(
                rx.text(S.preview_summary),
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"ops.plan.column.{c}")) for c in columns])),
                        rx.table.body(rx.foreach(S.preview_rows, _preview_row)),
                        size="1",
                        width="100%",
                    ),
                    max_height="18rem",
                    overflow_y="auto",
                    width="100%",
                ),
                rx.button(t("ops.plan.propose"), on_click=S.propose_hardship, min_height=TAP_TARGET),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _detail() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("ops.collections.loan"), " ", S.selected, as_="h2", size="4"),
            rx.flex(
                rx.text(t("ops.collections.column.dpd"), ": ", S.detail_dpd, " (", S.detail_bucket, ")"),
                rx.text(t("ops.collections.overdue_amount"), ": ", S.detail_overdue),
                rx.text(t("ops.collections.penalty"), ": ", S.detail_penalty),
                rx.text(t("ops.collections.outstanding"), ": ", S.detail_outstanding),
                spacing="4",
                wrap="wrap",
            ),
            rx.heading(t("ops.collections.history_heading"), as_="h3", size="3"),
            rx.cond(S.history.length() > 0, _history(), rx.text(t("ops.collections.no_history"), color_scheme="gray")),
            rx.grid(_contact_form(), _promise_form(), _hardship_form(), columns=rx.breakpoints(initial="1", md="2", lg="3"),
                    spacing="4", width="100%"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _approval_row(item: ApprovalItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.number),
        rx.table.cell(item.kind),
        rx.table.cell(item.origin),
        rx.table.cell(item.cost),
        rx.table.cell(item.interest_first),
        rx.table.cell(item.created),
        rx.table.cell(rx.cond(S.can_approve, rx.hstack(
            rx.button(t("ops.plan.approve"), size="1", on_click=S.decide(item.request_id, True)),
            rx.button(t("ops.plan.reject"), size="1", color_scheme="red", variant="soft", on_click=S.decide(item.request_id, False)),
        ))),
    )


def _approvals() -> rx.Component:
    columns = ("loan", "kind", "origin", "cost", "interest_first", "created", "decision")
    return rx.cond(
        S.approvals.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"ops.approvals.{c}")) for c in columns])),
                rx.table.body(rx.foreach(S.approvals, _approval_row)),
                width="100%",
                size="1",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text(t("ops.approvals.empty"), color_scheme="gray"),
    )


def _overdue_tab() -> rx.Component:
    return rx.vstack(
        _counts(),
        _filters(),
        rx.cond(S.rows.length() > 0, _overdue_table(), rx.text(t("ops.collections.empty"), color_scheme="gray")),
        _pager(),
        rx.cond(S.selected != "", _detail()),
        spacing="4",
        width="100%",
        padding_top="1rem",
    )


def page() -> rx.Component:
    """Render the collections workspace."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("ops.collections.heading"), as_="h1", size="6"),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.tabs.root(
                rx.tabs.list(
                    rx.cond(S.can_collect, rx.tabs.trigger(t("ops.collections.tab_overdue"), value="overdue")),
                    rx.tabs.trigger(t("ops.collections.tab_approvals"), value="approvals"),
                ),
                rx.tabs.content(_overdue_tab(), value="overdue"),
                rx.tabs.content(rx.box(_approvals(), padding_top="1rem"), value="approvals"),
                default_value="overdue",
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )
