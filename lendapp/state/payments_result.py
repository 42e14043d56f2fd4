"""The borrower's payment result page: the state read back from Stripe, or bank transfer instructions and a receipt upload."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_money
from lendapp.services import documents
from lendapp.services.auth_errors import AccountsError
from lendapp.services.payments import PaymentView
from lendapp.services.payments_events import refresh_payment
from lendapp.services.payments_transfers import attach_transfer_receipt
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/payments/"
RECEIPT_UPLOAD_ID = "transfer-receipt"
# States in which the page keeps polling, because Stripe or the bank may still move the payment on.
POLLING_STATES = frozenset({"waiting", "processing"})


class PaymentResultState(rx.State):
    """One of the signed-in borrower's payments."""

    reference: str = ""
    loan_number: str = ""
    display_state: str = ""
    state_label: str = ""
    state_text: str = ""
    amount_text: str = ""
    provider: str = ""
    bank_name: str = ""
    account_name: str = ""
    account_number: str = ""
    has_receipt: bool = False
    not_found: bool = False
    upload_error: str = ""

    async def _show(self, view: PaymentView) -> None:
        locale = await locale_of(self)
        settings = get_settings()
        self.not_found = False
        self.loan_number = view.loan_number
        self.display_state = view.display_state
        self.state_label = translate(f"payments.state.{view.display_state}", locale)
        self.state_text = translate(f"payments.state_text.{view.display_state}", locale)
        self.amount_text = format_money(view.amount, locale, view.currency)
        self.provider = view.provider
        self.has_receipt = view.has_receipt_upload
        if view.provider == "bank_transfer":
            self.bank_name, self.account_name = settings.lender_bank_name, settings.lender_account_name
            self.account_number = settings.lender_account_number

    async def _refresh(self) -> None:
        try:
            view = await asyncio.to_thread(refresh_payment, current_principal(), self.reference)
        except AccountsError:
            self.not_found = True
            return
        await self._show(view)

    @rx.var
    def polling(self) -> bool:
        """Return whether the payment may still change on its own, so the page keeps polling."""
        return self.display_state in POLLING_STATES

    @rx.event
    @requires(Permission.OWN_PAYMENTS)
    async def load(self) -> None:
        """Load the payment named in the path /payments/<reference>, re-reading Stripe."""
        path = self.router.url.path
        self.reference = path[len(ROUTE_PREFIX):].strip("/")[:32] if path.startswith(ROUTE_PREFIX) else ""
        self.upload_error = ""
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_PAYMENTS)
    async def refresh(self) -> None:
        """Read the payment again while it is waiting or processing."""
        if self.display_state in POLLING_STATES:
            await self._refresh()

    @rx.event
    @requires(Permission.OWN_PAYMENTS)
    async def upload_receipt(self, files: list[rx.UploadFile]) -> rx.event.EventSpec | None:
        """Store the transfer receipt the borrower selected; the service checks type and size."""
        locale = await locale_of(self)
        self.upload_error = ""
        if not files:
            self.upload_error = translate("payments.error.receipt_empty", locale)
            return None
        data = await files[0].read(documents.MAX_FILE_BYTES + 1)
        try:
            view = await asyncio.to_thread(attach_transfer_receipt, current_principal(), self.reference, files[0].name or "", data)
        except AccountsError as error:
            self.upload_error = translate(error.key, locale, **error.params)
            return None
        await self._show(view)
        return rx.toast.success(translate("payments.receipt.uploaded", locale))
