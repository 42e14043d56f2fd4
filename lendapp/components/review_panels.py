"""Panels of the application review page around the decision: rules, linked applicants, history, documents and notes."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import t
from lendapp.components.wizard import panel
from lendapp.services.review_notes import MAX_NOTE_LENGTH
from lendapp.state.staff_review_detail import NOTE_FIELD_ID, StaffReviewDetailState
from lendapp.state.staff_review_rows import DocumentItem, EarlierRow, LinkedRow, LoanRow, NoteRow, RuleRow

S = StaffReviewDetailState


def _heading(key: str) -> rx.Component:
    return rx.heading(t(key), as_="h2", size="3")


def _empty_or(rows: rx.Var, empty_key: str, content: rx.Component) -> rx.Component:
    return rx.cond(rows.length() > 0, content, rx.text(t(empty_key), size="2", color_scheme="gray"))


def _table(column_keys: tuple[str, ...], rows: rx.Var, render_row) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(key)) for key in column_keys])),
            rx.table.body(rx.foreach(rows, render_row)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def _rule_item(row: RuleRow) -> rx.Component:
    return rx.list.item(rx.text(row.text, size="2"), data_code=row.code)


def _fraud_item(row: RuleRow) -> rx.Component:
    return rx.list.item(rx.text(row.text, size="2", weight="bold", color_scheme="red"), data_code=row.code)


def rules_panel() -> rx.Component:
    """Render the policy rules and fraud flags hit at scoring, with the fraud flags in a red callout."""
    fraud = rx.cond(
        S.fraud_flags.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("shield-alert")),
            rx.vstack(
                rx.text(t("staff.review_detail.fraud_flags"), weight="bold", size="2"),
                rx.list.unordered(rx.foreach(S.fraud_flags, _fraud_item)),
                spacing="1",
            ),
            color_scheme="red",
            role="alert",
            id="fraud-flags",
            width="100%",
        ),
        rx.text(t("staff.review_detail.no_fraud_flags"), size="2", color_scheme="gray"),
    )
    return panel(
        _heading("staff.review_detail.rules"),
        _empty_or(S.policy_rules, "staff.review_detail.no_rules", rx.list.unordered(rx.foreach(S.policy_rules, _rule_item), id="policy-rules")),
        fraud,
    )


def _linked_row(row: LinkedRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href=row.href)),
        rx.table.cell(row.status_label),
        rx.table.cell(rx.badge(row.shared, color_scheme="orange")),
        rx.table.cell(row.submitted),
    )


def linked_panel() -> rx.Component:
    """Render other people's applications that share an identifier with this one."""
    columns = ("staff.review_detail.column.application", "staff.review_detail.column.status",
               "staff.review_detail.column.shared", "staff.review_detail.column.submitted")
    return panel(
        _heading("staff.review_detail.linked"),
        rx.text(t("staff.review_detail.linked_hint"), size="1", color_scheme="gray"),
        _empty_or(S.linked, "staff.review_detail.no_linked", _table(columns, S.linked, _linked_row)),
        id="linked-applicants",
    )


def _loan_row(row: LoanRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href=row.href)),
        rx.table.cell(row.principal),
        rx.table.cell(row.state_label),
        rx.table.cell(row.max_dpd),
        rx.table.cell(row.disbursed),
    )


def _earlier_row(row: EarlierRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href=row.href)),
        rx.table.cell(row.amount),
        rx.table.cell(row.status_label),
        rx.table.cell(row.outcome),
        rx.table.cell(row.submitted),
    )


def borrower_history_panel() -> rx.Component:
    """Render the same borrower's previous loans and earlier applications."""
    loan_columns = ("staff.review_detail.column.loan", "staff.review_detail.column.principal", "staff.review_detail.column.state",
                    "staff.review_detail.column.max_dpd", "staff.review_detail.column.disbursed")
    earlier_columns = ("staff.review_detail.column.application", "staff.review_detail.column.amount", "staff.review_detail.column.status",
                       "staff.review_detail.column.outcome", "staff.review_detail.column.submitted")
    return panel(
        _heading("staff.review_detail.previous_loans"),
        _empty_or(S.previous_loans, "staff.review_detail.no_previous_loans", _table(loan_columns, S.previous_loans, _loan_row)),
        _heading("staff.review_detail.earlier_applications"),
        _empty_or(S.earlier, "staff.review_detail.no_earlier_applications", _table(earlier_columns, S.earlier, _earlier_row)),
        id="borrower-history",
    )


def _image_viewer(item: DocumentItem) -> rx.Component:
    # The dialog mounts its content only when open, so the image is fetched (and its read audited) on demand.
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(t("staff.review_detail.document.view"), variant="soft", size="1", min_height=TAP_TARGET)),
        rx.dialog.content(
            rx.dialog.title(item.kind_label),
            rx.image(src=item.url, alt=item.kind_label, max_width="100%", max_height="70vh", object_fit="contain"),
            rx.flex(
                rx.dialog.close(rx.button(t("staff.review_detail.document.close"), variant="soft", min_height=TAP_TARGET)),
                justify="end",
                margin_top="3",
            ),
            max_width="min(900px, 95vw)",
        ),
    )


def _document_row(item: DocumentItem) -> rx.Component:
    opener = rx.cond(
        item.is_image,
        _image_viewer(item),
        rx.link(t("staff.review_detail.document.open_pdf"), href=item.url, is_external=True, size="2"),
    )
    return rx.table.row(
        rx.table.cell(item.kind_label),
        rx.table.cell(item.uploaded),
        rx.table.cell(item.size),
        rx.table.cell(opener),
        data_document=item.document_id,
    )


def documents_panel() -> rx.Component:
    """Render the application's uploaded documents, each opened from the staff document route."""
    columns = ("staff.review_detail.column.kind", "staff.review_detail.column.uploaded", "staff.review_detail.column.size",
               "staff.review_detail.document.view")
    return panel(
        _heading("staff.review_detail.documents"),
        _empty_or(S.documents, "staff.review_detail.no_documents", _table(columns, S.documents, _document_row)),
        rx.text(t("staff.review_detail.document.audit_notice"), size="1", color_scheme="gray"),
        id="documents",
    )


def _note(row: NoteRow) -> rx.Component:
    return rx.box(
        rx.text(row.author, " · ", row.time, size="1", color_scheme="gray"),
        rx.text(row.body, size="2", white_space="pre-wrap"),
        width="100%",
    )


def notes_panel() -> rx.Component:
    """Render the notes form and the notes, newest first."""
    return panel(
        _heading("staff.review_detail.notes"),
        rx.form(
            rx.vstack(
                rx.text_area(
                    name="body", id=NOTE_FIELD_ID, placeholder=t("staff.review_detail.note_placeholder"),
                    aria_label=t("staff.review_detail.note_label"), max_length=MAX_NOTE_LENGTH, rows="3", width="100%",
                ),
                rx.button(t("staff.review_detail.note_add"), type="submit", variant="soft", min_height=TAP_TARGET),
                align="end",
                width="100%",
            ),
            on_submit=S.add_note,
            reset_on_submit=False,
            width="100%",
        ),
        _empty_or(S.notes, "staff.review_detail.no_notes", rx.vstack(rx.foreach(S.notes, _note), spacing="3", width="100%")),
        id="notes",
    )
