"""The loan application wizard at /apply: seven steps, phone first, one draft on the server."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import localized, t
from lendapp.components.wizard import catalog_text, choice, fact, field_error, panel, picker, primary_button, progress, secondary_button, text_input
from lendapp.services.applications import EMPLOYMENT_TYPES, HOUSING_TYPES, PURPOSES
from lendapp.services.documents import DocumentKind
from lendapp.services.documents import MAX_FILE_BYTES
from lendapp.state.apply import ApplyState, ConsentRow, DocumentRow, ProductChoice
from lendapp.state.apply_ocr import OcrRow

ROUTE = "/apply"
TITLE_KEY = "apply.meta_title"
DESCRIPTION_KEY = "apply.meta_description"
# The handler checks the session itself and sends visitors without one to /login?next=/apply.
ON_LOAD = ApplyState.load

UPLOAD_ID = "documents"
ID_CARD_CAMERA_ID = "id-card-camera"
ID_CARD_FILE_ID = "id-card-file"
# react-dropzone has no prop for the capture attribute, so it is set on the zone's file input once mounted.
# On a phone, capture="environment" opens the rear camera, and desktop browsers ignore it.
_CAMERA_SCRIPT = f"document.querySelector('#{ID_CARD_CAMERA_ID}-zone input[type=file]')?.setAttribute('capture', 'environment')"
METHODS = ("equal_installment", "equal_principal", "interest_only", "bullet")
E = ApplyState.errors


def _options(prefix: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, f"{prefix}.{value}") for value in values]


def _nav(*buttons: rx.Component) -> rx.Component:
    return rx.flex(*buttons, direction=rx.breakpoints(initial="column-reverse", sm="row"), gap="0.75rem", width="100%")


def _back(step: int) -> rx.Component:
    return secondary_button("apply.action.back", type="button", on_click=ApplyState.go_to(step - 1), id=f"back-{step}")


def _next(step: int) -> rx.Component:
    return primary_button("apply.action.next", type="button", on_click=ApplyState.go_to(step + 1), id=f"next-{step}")


def _product_option(product: ProductChoice) -> rx.Component:
    return rx.el.option(localized(product.name_zh, product.name_en), value=product.code)


def _quote_summary() -> rx.Component:
    return rx.cond(
        ApplyState.has_quote,
        panel(
            rx.heading(t("apply.summary.heading"), as_="h2", size="4"),
            fact("apply.summary.apr", ApplyState.quote_apr, "quote-apr"),
            fact("apply.summary.nominal_rate", ApplyState.quote_rate),
            fact("apply.summary.installment", ApplyState.quote_installment),
            fact("apply.summary.total_interest", ApplyState.quote_total_interest),
            fact("apply.summary.total_fees", ApplyState.quote_total_fees),
            fact("apply.summary.total_payment", ApplyState.quote_total_payment),
            fact("apply.summary.amount_received", ApplyState.quote_received),
            rx.text(t("apply.summary.apr_note"), size="1", color_scheme="gray"),
        ),
    )


def _step_loan() -> rx.Component:
    product = rx.vstack(
        rx.el.label(t("apply.field.product"), html_for="product", font_weight="500", font_size="0.95rem"),
        picker(rx.foreach(ApplyState.products, _product_option), id="product", name="product", default_value=ApplyState.product_code),
        field_error(E["product"], "product"),
        spacing="1", width="100%",
    )
    return rx.vstack(
        rx.form(
            rx.vstack(
                product,
                text_input("apply.field.amount", "amount", E["amount"], ApplyState.amount_text, input_mode="decimal", hint_key="apply.hint.amount"),
                text_input("apply.field.term", "term", E["term"], ApplyState.term_text, input_mode="numeric"),
                choice("apply.field.method", "method", E["method"], _options("apply.method", METHODS), ApplyState.method),
                choice("apply.field.purpose", "purpose", E["purpose"], _options("apply.purpose", PURPOSES), ApplyState.purpose),
                primary_button("apply.action.calculate", type="submit", id="save-loan"),
                spacing="3", width="100%",
            ),
            on_submit=ApplyState.save_loan, width="100%", key=ApplyState.form_version,
        ),
        _quote_summary(),
        rx.cond(ApplyState.has_quote & (ApplyState.max_step > 1), _nav(_next(1))),
        spacing="4", width="100%",
    )


def _identity_confirmation() -> rx.Component:
    return rx.cond(
        ApplyState.masked_id_number != "",
        panel(
            rx.heading(t("apply.identity.heading"), as_="h2", size="4"),
            fact("apply.identity.name", ApplyState.masked_name),
            fact("apply.identity.masked_id", ApplyState.masked_id_number, "masked-id"),
            fact("apply.identity.birth_date", ApplyState.birth_date, "birth-date"),
            fact("apply.identity.age", ApplyState.age),
            fact("apply.identity.sex", rx.cond(ApplyState.sex_key == "apply.sex.female", t("apply.sex.female"), t("apply.sex.male"))),
            fact("apply.identity.region", ApplyState.region, "region"),
        ),
    )


def _photo_zone(upload_id: str, icon: str, label_key: str, **props) -> rx.Component:
    """Return a tap target that opens the camera or the photo picker and reads the chosen photo at once."""
    return rx.box(
        rx.upload(
            rx.hstack(rx.icon(icon), rx.text(t(label_key), size="2", weight="medium"), align="center", justify="center", spacing="2"),
            id=upload_id, multiple=False, max_files=1, max_size=MAX_FILE_BYTES, accept={"image/*": []},
            on_drop=ApplyState.read_id_card(rx.upload_files(upload_id=upload_id)),
            border="1px dashed var(--gray-a8)", border_radius="var(--radius-3)", padding="0.75rem", width="100%",
            min_height=TAP_TARGET, display="flex", align_items="center", justify_content="center", cursor="pointer",
        ),
        id=f"{upload_id}-zone", width="100%", **props,
    )


def _ocr_row(row: OcrRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(catalog_text(row.label_key), size="2", color_scheme="gray"),
            rx.text(row.value, size="2", weight="medium", text_align="right", style={"word_break": "break-all"}),
            justify="between", width="100%", gap="3",
        ),
        rx.text(t("apply.ocr.confidence"), " ", row.confidence, size="1", color_scheme="gray"),
        rx.cond(row.warning != "", rx.text(row.warning, size="1", color_scheme="amber")),
        spacing="1", width="100%",
    )


def _id_card_reader() -> rx.Component:
    """Render the optional photo reading above the identity form: two tap targets and, after a reading, the values to check."""
    return panel(
        rx.heading(t("apply.ocr.heading"), as_="h2", size="3"),
        rx.text(t("apply.ocr.intro"), size="2"),
        rx.flex(
            # Phones get a camera button. Wider screens show only the picker.
            _photo_zone(ID_CARD_CAMERA_ID, "camera", "apply.ocr.take_photo", on_mount=rx.call_script(_CAMERA_SCRIPT),
                        display=rx.breakpoints(initial="block", md="none")),
            _photo_zone(ID_CARD_FILE_ID, "image", "apply.ocr.choose_photo"),
            direction=rx.breakpoints(initial="column", sm="row"), gap="0.75rem", width="100%",
        ),
        rx.text(t("apply.ocr.privacy"), size="1", color_scheme="gray"),
        field_error(E["id_card_photo"], "id_card_photo"),
        rx.cond(
            ApplyState.ocr_rows.length() > 0,
            rx.vstack(
                rx.callout(t("apply.ocr.notice"), icon="info", color_scheme="amber", width="100%", id="ocr-notice"),
                rx.foreach(ApplyState.ocr_rows, _ocr_row),
                spacing="3", width="100%",
            ),
        ),
    )


def _step_identity() -> rx.Component:
    return rx.vstack(
        _id_card_reader(),
        rx.form(
            rx.vstack(
                text_input("apply.field.full_name", "full_name", E["full_name"], "", auto_complete="name"),
                text_input("apply.field.id_number", "id_number", E["id_number"], "", hint_key="apply.hint.id_number", max_length=32),
                primary_button("apply.action.check_identity", type="submit", id="save-identity"),
                spacing="3", width="100%",
            ),
            on_submit=ApplyState.save_identity, width="100%", key=ApplyState.form_version,
        ),
        _identity_confirmation(),
        _nav(_back(2), rx.cond(ApplyState.masked_id_number != "", _next(2))),
        spacing="4", width="100%",
    )


def _step_details() -> rx.Component:
    return rx.form(
        rx.vstack(
            text_input("apply.field.contact_phone", "contact_phone", E["contact_phone"], ApplyState.contact_phone, input_mode="tel", auto_complete="tel"),
            text_input("apply.field.address", "address", E["address"], rx.cond(ApplyState.address != "", ApplyState.address, ApplyState.ocr_address),
                       auto_complete="street-address", max_length=200),
            rx.cond((ApplyState.address == "") & (ApplyState.ocr_address != ""), rx.text(t("apply.ocr.address_hint"), size="1", color_scheme="gray")),
            choice("apply.field.employment_type", "employment_type", E["employment_type"], _options("apply.employment", EMPLOYMENT_TYPES), ApplyState.employment_type),
            text_input("apply.field.employer", "employer", E["employer"], ApplyState.employer, auto_complete="organization", max_length=100),
            text_input("apply.field.monthly_income", "monthly_income", E["monthly_income"], ApplyState.income_text, input_mode="decimal"),
            text_input("apply.field.employment_months", "employment_months", E["employment_months"], ApplyState.employment_months_text, input_mode="numeric"),
            choice("apply.field.housing", "housing", E["housing"], _options("apply.housing", HOUSING_TYPES), ApplyState.housing),
            text_input("apply.field.residence_years", "residence_years", E["residence_years"], ApplyState.residence_years_text, input_mode="numeric"),
            text_input("apply.field.dependants", "dependants", E["dependants"], ApplyState.dependants_text, input_mode="numeric"),
            _nav(_back(3), primary_button("apply.action.save_details", type="submit", id="save-details")),
            spacing="3", width="100%",
        ),
        on_submit=ApplyState.save_details, width="100%", key=ApplyState.form_version,
    )


def _step_card() -> rx.Component:
    confirmation = rx.cond(
        ApplyState.masked_card != "",
        panel(
            rx.heading(t("apply.card.heading"), as_="h2", size="4"),
            fact("apply.card.masked", ApplyState.masked_card, "masked-card"),
            fact("apply.card.bank", rx.cond(ApplyState.bank_name != "", ApplyState.bank_name, t("apply.card.unknown_bank")), "bank-name"),
            rx.cond(ApplyState.card_product != "", fact("apply.card.product", ApplyState.card_product)),
            rx.cond(ApplyState.card_warning != "", rx.callout(ApplyState.card_warning, icon="triangle-alert", color_scheme="amber", width="100%")),
        ),
    )
    return rx.vstack(
        rx.form(
            rx.vstack(
                text_input("apply.field.bank_card", "bank_card", E["bank_card"], "", input_mode="numeric", hint_key="apply.hint.bank_card", max_length=32),
                primary_button("apply.action.check_card", type="submit", id="save-card"),
                spacing="3", width="100%",
            ),
            on_submit=ApplyState.save_card, width="100%", key=ApplyState.form_version,
        ),
        confirmation,
        _nav(_back(4), rx.cond(ApplyState.masked_card != "", _next(4))),
        spacing="4", width="100%",
    )


def _document_row(row: DocumentRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(row.name, size="2", weight="medium", style={"word_break": "break-all"}),
                  rx.text(catalog_text(row.kind_key), " · ", row.size, size="1", color_scheme="gray"), spacing="0", flex="1"),
        rx.button(t("apply.action.remove"), variant="soft", color_scheme="red", min_height=TAP_TARGET,
                  on_click=ApplyState.remove_document(row.document_id), type="button"),
        width="100%", align="center",
    )


def _step_documents() -> rx.Component:
    kinds = [(kind.value, f"apply.document_kind.{kind.value}") for kind in DocumentKind]
    return rx.vstack(
        rx.vstack(
            rx.el.label(t("apply.field.document_kind"), html_for="document_kind", font_weight="500"),
            picker(
                *[rx.el.option(t(key), value=value) for value, key in kinds],
                id="document_kind", value=ApplyState.document_kind, on_change=ApplyState.set_document_kind,
            ),
            spacing="1", width="100%",
        ),
        rx.upload(
            rx.vstack(rx.icon("upload"), rx.text(t("apply.documents.drop"), size="2"), align="center", spacing="2"),
            id=UPLOAD_ID, multiple=True, max_files=10,
            border="1px dashed var(--gray-a8)", border_radius="var(--radius-3)", padding="1.25rem", width="100%", min_height="88px",
        ),
        rx.text(t("apply.hint.documents"), size="1", color_scheme="gray"),
        rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.text(name, size="1", style={"word_break": "break-all"})),
        secondary_button("apply.action.upload", type="button", id="upload-documents",
                         on_click=[ApplyState.upload_documents(rx.upload_files(upload_id=UPLOAD_ID)), rx.clear_selected_files(UPLOAD_ID)]),
        field_error(E["documents"], "documents"),
        panel(
            rx.heading(t("apply.documents.uploaded"), as_="h2", size="3"),
            rx.cond(ApplyState.documents.length() > 0, rx.foreach(ApplyState.documents, _document_row), rx.text(t("apply.documents.empty"), size="2")),
        ),
        _nav(_back(5), primary_button("apply.action.next", type="button", on_click=ApplyState.finish_documents, id="next-5")),
        spacing="3", width="100%",
    )


def _consent(row: ConsentRow) -> rx.Component:
    return rx.card(
        rx.el.label(
            rx.hstack(
                rx.checkbox(name=row.purpose, default_checked=row.granted, size="3", id=f"consent-{row.purpose}", margin_top="2px"),
                rx.vstack(
                    rx.hstack(
                        rx.text(catalog_text("apply.consent." + row.purpose + ".title"), weight="bold", size="2"),
                        rx.badge(rx.cond(row.required, t("apply.consent.required"), t("apply.consent.optional")),
                                 color_scheme=rx.cond(row.required, "red", "gray")),
                        wrap="wrap",
                    ),
                    rx.text(catalog_text("apply.consent." + row.purpose + ".body"), size="2"),
                    rx.text(t("apply.consent.version"), " ", row.version, size="1", color_scheme="gray"),
                    spacing="1",
                ),
                align="start", spacing="3",
            ),
            html_for=f"consent-{row.purpose}", min_height=TAP_TARGET, display="block", cursor="pointer",
        ),
        width="100%",
    )


def _step_consents() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(t("apply.consent.intro"), size="2"),
            rx.foreach(ApplyState.consents, _consent),
            field_error(E["consents"], "consents"),
            _nav(_back(6), primary_button("apply.action.save_consents", type="submit", id="save-consents")),
            spacing="3", width="100%",
        ),
        on_submit=ApplyState.save_consents, width="100%", key=ApplyState.form_version,
    )


def _step_review() -> rx.Component:
    return rx.vstack(
        _quote_summary(),
        panel(
            rx.heading(t("apply.review.heading"), as_="h2", size="4"),
            fact("apply.field.amount", ApplyState.amount_text),
            fact("apply.field.term", ApplyState.term_text),
            fact("apply.identity.name", ApplyState.masked_name),
            fact("apply.identity.masked_id", ApplyState.masked_id_number),
            fact("apply.identity.region", ApplyState.region),
            fact("apply.field.contact_phone", ApplyState.contact_phone),
            fact("apply.card.masked", ApplyState.masked_card),
            fact("apply.card.bank", ApplyState.bank_name),
            fact("apply.review.documents", ApplyState.documents.length()),
        ),
        rx.text(t("apply.review.declaration"), size="2", color_scheme="gray"),
        field_error(E["steps"], "steps"),
        field_error(E["consents"], "consents"),
        rx.cond(
            ApplyState.editable,
            _nav(_back(7), primary_button("apply.action.submit", type="button", on_click=ApplyState.submit, id="submit-application")),
            rx.vstack(
                rx.callout(t("apply.notice.not_draft"), icon="info", width="100%"),
                rx.link(primary_button("apply.action.view_status", type="button"), href="/applications/" + ApplyState.number, width="100%"),
                width="100%",
            ),
        ),
        spacing="4", width="100%",
    )


def _wizard() -> rx.Component:
    return rx.vstack(
        rx.heading(t("apply.heading"), as_="h1", size="7"),
        rx.cond(ApplyState.number != "", rx.text(t("apply.number"), " ", rx.code(ApplyState.number, id="application-number"), size="2")),
        progress(ApplyState.step),
        rx.cond(ApplyState.form_error != "", rx.callout(ApplyState.form_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%")),
        rx.match(
            ApplyState.step,
            (1, _step_loan()),
            (2, _step_identity()),
            (3, _step_details()),
            (4, _step_card()),
            (5, _step_documents()),
            (6, _step_consents()),
            _step_review(),
        ),
        rx.text(t("apply.expires_note"), size="1", color_scheme="gray"),
        spacing="4", width="100%", max_width="34rem", margin_x="auto", padding_bottom="2rem",
    )


def page() -> rx.Component:
    """Render the wizard once the draft is loaded."""
    return borrower_shell(rx.cond(ApplyState.loaded, _wizard(), rx.center(rx.spinner(size="3"), rx.text(t("apply.loading")), padding="3rem", gap="2")))
