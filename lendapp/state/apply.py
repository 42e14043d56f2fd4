"""The loan application wizard: seven steps over one server-side draft.

Each handler parses the form, calls one application service in a worker
thread and copies the returned view into plain fields. Errors arrive as
catalog keys per field and are shown next to the field; nothing is written
when any field of a step is invalid. The full ID and card numbers never enter
this state: the input fields keep what the borrower typed until it is saved,
and afterwards only masked values come back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import Decimal, InvalidOperation

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_money, format_percent
from lendapp.services import applications, documents, id_card_ocr
from lendapp.services.applications import BorrowerDetails, FormErrors, LoanChoice
from lendapp.services.applications_views import ApplicationView
from lendapp.services.auth_errors import AccountsError
from lendapp.services.consents import own_consents, record_consents
from lendapp.services.quotes import QuoteResult, list_product_terms
from lendapp.services.scoring_service import schedule_scoring
from lendapp.state.apply_forms import FIELDS, InputError, parse_amount, parse_money, parse_rate, parse_whole
from lendapp.state.apply_ocr import OcrRow, prefill_events, proposal_rows
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

LAST_STEP = 7
# One upload request may carry several files; each is checked on its own by the service.
MAX_UPLOAD_READ = documents.MAX_FILE_BYTES + 1


@dataclasses.dataclass
class ProductChoice:
    """A product in the step-1 picker."""

    code: str
    name_zh: str
    name_en: str


@dataclasses.dataclass
class DocumentRow:
    """An uploaded document as listed in step 5."""

    document_id: int
    kind_key: str
    name: str
    size: str


@dataclasses.dataclass
class ConsentRow:
    """One consent purpose as shown in step 6, unticked until the borrower ticks it."""

    purpose: str
    granted: bool
    required: bool
    version: str


class ApplyState(rx.State):
    """The signed-in borrower's application draft, one step at a time."""

    loaded: bool = False
    # The query string of the last load, to tell a reload of the same page from new calculator terms.
    _loaded_query: dict[str, str] = {}
    number: str = ""
    status: str = ""
    step: int = 1
    max_step: int = 1
    products: list[ProductChoice] = []
    product_code: str = ""
    amount_text: str = ""
    term_text: str = ""
    method: str = "equal_installment"
    purpose: str = "consumption"
    has_quote: bool = False
    quote_apr: str = ""
    quote_rate: str = ""
    quote_installment: str = ""
    quote_total_interest: str = ""
    quote_total_fees: str = ""
    quote_total_payment: str = ""
    quote_received: str = ""
    masked_name: str = ""
    masked_id_number: str = ""
    birth_date: str = ""
    age: str = ""
    sex_key: str = ""
    region: str = ""
    contact_phone: str = ""
    address: str = ""
    employment_type: str = ""
    employer: str = ""
    income_text: str = ""
    employment_months_text: str = ""
    housing: str = ""
    residence_years_text: str = ""
    dependants_text: str = ""
    masked_card: str = ""
    bank_name: str = ""
    card_product: str = ""
    card_type_key: str = ""
    card_warning: str = ""
    document_kind: str = "salary_statement"
    documents: list[DocumentRow] = []
    consents: list[ConsentRow] = []
    # Values read from an ID card photo. The ID number is kept only masked, because the full one goes straight into its input.
    ocr_rows: list[OcrRow] = []
    ocr_address: str = ""
    errors: dict[str, str] = {field: "" for field in FIELDS}
    form_error: str = ""
    form_version: int = 0

    def _clear(self) -> None:
        self.errors = {field: "" for field in FIELDS}
        self.form_error = ""

    async def _show(self, error: AccountsError) -> None:
        locale = await locale_of(self)
        found = error.errors if isinstance(error, FormErrors) else {error.field or "": (error.key, error.params)}
        messages = {field: "" for field in FIELDS}
        for field, (key, params) in found.items():
            text = translate(key, locale, **params)
            if field in messages:
                messages[field] = text
            else:
                self.form_error = text
        self.errors = messages

    async def _apply_view(self, view: ApplicationView, quote: QuoteResult | None = None) -> None:
        locale = await locale_of(self)
        self.number, self.status = view.number, view.status
        self.max_step = max(1, min(view.step, LAST_STEP))
        self.product_code = view.product_code or self.product_code
        if view.amount is not None:
            self.amount_text = format(view.amount.normalize(), "f")
            self.term_text = str(view.term)
            self.method, self.purpose = view.method, view.purpose
        self.masked_name, self.masked_id_number = view.masked_name, view.masked_id_number
        self.birth_date = format_date(view.birth_date, locale) if view.birth_date else ""
        self.age = str(_age(view)) if view.birth_date else ""
        self.sex_key = f"apply.sex.{view.sex}" if view.sex else ""
        self.region = " ".join(part for part in (view.province, view.city if view.city not in ("市辖区", "县") else "", view.county) if part)
        self.contact_phone, self.address, self.employer = view.contact_phone, view.address, view.employer
        self.employment_type, self.housing = view.employment_type, view.housing
        self.income_text = format(view.monthly_income.normalize(), "f") if view.monthly_income is not None else ""
        self.employment_months_text = _text(view.employment_months)
        self.residence_years_text = _text(view.residence_years)
        self.dependants_text = _text(view.dependants)
        self.masked_card, self.bank_name, self.card_product = view.masked_bank_card, view.bank_name, view.bank_card_product
        self.card_type_key = f"apply.card_type.{view.bank_card_type}" if view.bank_card_type else ""
        if quote is not None:
            self._apply_quote(quote, locale)

    def _apply_quote(self, quote: QuoteResult, locale: str) -> None:
        self.has_quote = True
        self.quote_apr = format_percent(quote.apr_periodic_x_n, locale)
        self.quote_rate = format_percent(quote.annual_rate, locale)
        self.quote_installment = format_money(quote.installment or quote.first_payment, locale)
        self.quote_total_interest = format_money(quote.total_interest, locale)
        self.quote_total_fees = format_money(quote.total_fees, locale)
        self.quote_total_payment = format_money(quote.total_payment, locale)
        self.quote_received = format_money(quote.amount_received, locale)

    @rx.var
    def editable(self) -> bool:
        """Whether the draft can still be changed."""
        return self.status == "draft"

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def load(self) -> rx.event.EventSpec | None:
        """Resume the borrower's active application, or start a draft prefilled from the calculator's query."""
        self._clear()
        user_id = current_principal().user_id
        query = dict(self.router.url.query_parameters)
        prefill = _prefill(query)
        # A reconnecting browser runs the page's load again with the same address; it must not send
        # the borrower back to the first step. New terms from the calculator do start there.
        same_page = self.loaded and query == self._loaded_query
        previous_number, previous_step = self.number, self.step
        products = await asyncio.to_thread(list_product_terms)
        self.products = [ProductChoice(product.code, product.name_zh, product.name_en) for product in products]
        if not self.product_code and self.products:
            self.product_code = self.products[0].code
        view = await asyncio.to_thread(
            applications.open_draft, user_id, prefill, client_ip=client_ip_of(self),
            device_id=self.router.headers.user_agent[:128],
        )
        quote = await asyncio.to_thread(applications.quote_draft, user_id, view.number)
        await self._apply_view(view, quote)
        self.has_quote = quote is not None
        await self._reload_lists(user_id)
        # A borrower coming from the calculator sees the cost of the chosen loan first.
        resume_step = 1 if prefill is not None else self.max_step
        if same_page and view.number == previous_number:
            resume_step = min(previous_step, self.max_step)
        self._loaded_query = query
        self.step = resume_step if self.status == "draft" else LAST_STEP
        self.form_version += 1
        self.loaded = True
        if prefill is not None and not same_page and not _has_terms(view, prefill):
            # The borrower asked for these terms, so the notice explains why the wizard shows others.
            return rx.toast.info(translate("apply.prefill_not_applied", await locale_of(self)))
        return None

    async def _reload_lists(self, user_id: int) -> None:
        rows = await asyncio.to_thread(documents.list_documents, user_id, self.number)
        self.documents = [DocumentRow(row.document_id, f"apply.document_kind.{row.kind}", row.display_name, f"{max(1, round(row.size_bytes / 1024))} KB") for row in rows]
        states = await asyncio.to_thread(own_consents, user_id)
        self.consents = [ConsentRow(state.purpose, state.granted, state.required, state.policy_version) for state in states]

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def go_to(self, step: int) -> None:
        """Show another step the borrower has already reached; input stays in the draft."""
        target = int(step)
        if 1 <= target <= self.max_step:
            self._clear()
            self.step = target
            self.form_version += 1

    async def _run(self, function, *args, **kwargs):
        """Call a service in a worker thread; on a user-facing error show it and return None."""
        self._clear()
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except AccountsError as error:
            await self._show(error)
            return None

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def save_loan(self, form_data: dict) -> None:
        """Step 1: save product, amount, term, method and purpose, then show the cost."""
        try:
            choice = LoanChoice(
                product_code=form_text(form_data, "product", 64),
                amount=parse_amount(form_text(form_data, "amount", 32)),
                term=parse_whole(form_text(form_data, "term", 16), "term"),
                method=form_text(form_data, "method", 32),
                purpose=form_text(form_data, "purpose", 32),
            )
        except InputError as error:
            await self._show(error.as_form_errors())
            return
        result = await self._run(applications.save_loan, current_principal().user_id, self.number, choice)
        if result is not None:
            await self._apply_view(*result)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def save_identity(self, form_data: dict) -> None:
        """Step 2: check and save name and ID number, then show the derived details for confirmation."""
        view = await self._run(
            applications.save_identity, current_principal().user_id, self.number,
            form_text(form_data, "full_name", 128), form_text(form_data, "id_number", 64),
        )
        if view is not None:
            await self._apply_view(view)
            self.ocr_rows = []
            self.form_version += 1

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def read_id_card(self, files: list[rx.UploadFile]) -> list[rx.event.EventSpec] | None:
        """Step 2: read a photo of the ID card front and prefill the name and ID number for the borrower to check.

        The photo is held in memory only while it is read. It is stored only when the borrower also uploads it in step 5.
        """
        self._clear()
        self.ocr_rows = []
        if not files:
            await self._show(applications.InvalidInputError("apply.ocr.error.empty", field=id_card_ocr.FIELD))
            return None
        try:
            proposal = await id_card_ocr.propose_from_photo(await files[0].read(MAX_UPLOAD_READ))
        except AccountsError as error:
            await self._show(error)
            return None
        if proposal.empty:
            await self._show(applications.InvalidInputError("apply.ocr.error.nothing_found", field=id_card_ocr.FIELD))
            return None
        self.ocr_rows = proposal_rows(proposal, await locale_of(self))
        self.ocr_address = proposal.address.value if proposal.address is not None else ""
        return prefill_events(proposal)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def save_details(self, form_data: dict) -> None:
        """Step 3: save contact, address, work, income, housing and dependants."""
        try:
            details = BorrowerDetails(
                contact_phone=form_text(form_data, "contact_phone", 64),
                address=form_text(form_data, "address", 400),
                employment_type=form_text(form_data, "employment_type", 32),
                employer=form_text(form_data, "employer", 200),
                monthly_income=parse_money(form_text(form_data, "monthly_income", 32)),
                employment_months=parse_whole(form_text(form_data, "employment_months", 16), "employment_months"),
                housing=form_text(form_data, "housing", 16),
                residence_years=parse_whole(form_text(form_data, "residence_years", 16), "residence_years"),
                dependants=parse_whole(form_text(form_data, "dependants", 16), "dependants"),
            )
        except InputError as error:
            await self._show(error.as_form_errors())
            return
        view = await self._run(applications.save_details, current_principal().user_id, self.number, details)
        if view is not None:
            await self._apply_view(view)
            self.step = 4
            self.form_version += 1

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def save_card(self, form_data: dict) -> None:
        """Step 4: check and save the payout card; the bank and card type come back for confirmation."""
        saved = await self._run(applications.save_bank_card, current_principal().user_id, self.number, form_text(form_data, "bank_card", 64))
        if saved is not None:
            await self._apply_view(saved.application)
            self.card_warning = translate(saved.warning_key, await locale_of(self)) if saved.warning_key else ""
            self.form_version += 1

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def set_document_kind(self, kind: str) -> None:
        """Choose the type of the next uploaded files."""
        if kind in documents.DocumentKind.__members__.values():
            self.document_kind = kind

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def upload_documents(self, files: list[rx.UploadFile]) -> None:
        """Step 5: store each selected file; the service checks type, size and count."""
        self._clear()
        user_id = current_principal().user_id
        if not files:
            await self._show(applications.InvalidInputError("apply.error.document.none_selected", field="documents"))
            return
        for upload in files:
            data = await upload.read(MAX_UPLOAD_READ)
            try:
                await asyncio.to_thread(documents.store_document, user_id, self.number, self.document_kind, upload.name or "", data)
            except AccountsError as error:
                await self._show(error)
                break
        await self._reload_lists(user_id)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def remove_document(self, document_id: int) -> None:
        """Remove one uploaded document."""
        user_id = current_principal().user_id
        await self._run(documents.remove_document, user_id, self.number, int(document_id))
        await self._reload_lists(user_id)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def finish_documents(self) -> None:
        """Leave step 5; documents are optional."""
        view = await self._run(applications.mark_step, current_principal().user_id, self.number, 5)
        if view is not None:
            await self._apply_view(view)
            self.step = 6
            self.form_version += 1

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def save_consents(self, form_data: dict) -> None:
        """Step 6: record each consent as ticked or not; the required ones must be ticked to go on."""
        user_id = current_principal().user_id
        choices = {row.purpose: form_data.get(row.purpose) in ("on", True, "true") for row in self.consents}
        await self._run(record_consents, user_id, choices, client_ip=client_ip_of(self))
        await self._reload_lists(user_id)
        if any(row.required and not row.granted for row in self.consents):
            await self._show(FormErrors({"consents": ("apply.error.consent.required_missing", {})}))
            return
        view = await self._run(applications.mark_step, user_id, self.number, 6)
        if view is not None:
            await self._apply_view(view)
            self.step = LAST_STEP
            self.form_version += 1

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def submit(self) -> rx.event.EventSpec | None:
        """Step 7: submit, start scoring in the background and open the status page."""
        view = await self._run(applications.submit, current_principal().user_id, self.number, client_ip=client_ip_of(self))
        if view is None:
            return None
        application_id = await asyncio.to_thread(applications.application_id_of, view.number)
        schedule_scoring(application_id)
        self.status = view.status
        return rx.redirect(f"/applications/{view.number}")


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _age(view: ApplicationView) -> int:
    from lendapp.domain.kyc.resident_id import age_on
    from lendapp.services.kyc import local_today

    return age_on(view.birth_date, local_today())


def _has_terms(view: ApplicationView, choice: LoanChoice) -> bool:
    """Check whether the application carries the product, amount and term of ``choice``."""
    return (view.product_code, view.amount, view.term) == (choice.product_code, choice.amount, choice.term)


def _prefill(params: dict[str, str]) -> LoanChoice | None:
    """Read the calculator's query (product, amount, months or days, method, rate in percent); None when incomplete."""
    try:
        method = params.get("method", "")
        term_text = params.get("days" if method == "bullet" else "months", "")
        rate_text = params.get("rate", "")
        return LoanChoice(
            product_code=params["product"][:64],
            amount=parse_amount(params.get("amount", "")),
            term=parse_whole(term_text, "term"),
            method=method[:32],
            annual_rate=parse_rate(rate_text) if rate_text else None,
        )
    except (KeyError, InputError, InvalidOperation):
        return None
