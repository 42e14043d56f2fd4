"""The offer and contract section of the application status page: accept, read, sign and download."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime, format_money, format_percent
from lendapp.services import contracts
from lendapp.services.auth_errors import AccountsError
from lendapp.services.contracts import ContractView, OfferView
from lendapp.settings import get_settings
from lendapp.state.application_status import ApplicationStatusState
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/applications/"
OFFER, CONTRACT, SIGNED = "offer", "contract", "signed"


class ContractSigningState(rx.State):
    """Display text of the offer and of the current contract; ids and secrets stay on the server."""

    number: str = ""
    stage: str = ""
    amount: str = ""
    term: str = ""
    method_name: str = ""
    nominal_rate: str = ""
    apr: str = ""
    apr_compounded: str = ""
    first_payment: str = ""
    total_cost: str = ""
    upfront_fee: str = ""
    amount_received: str = ""
    version_text: str = ""
    download_url: str = ""
    signed_at: str = ""
    signed_sha256: str = ""
    sign_method: str = "password"
    code_info: str = ""
    error: str = ""
    busy: bool = False
    _contract_id: int = 0

    def _show_figures(self, figures: OfferView | dict, locale: str) -> None:
        get = figures.get if isinstance(figures, dict) else lambda name: getattr(figures, name)
        unit = "contracts.pdf.term_days" if get("term_unit") == "days" else "contracts.pdf.term_months"
        self.amount = format_money(Decimal(get("amount")), locale)
        self.term = translate(unit, locale, term=get("term"))
        self.method_name = translate(f"apply.method.{get('method')}", locale)
        self.nominal_rate = format_percent(Decimal(get("annual_rate")), locale)
        self.apr = format_percent(Decimal(get("apr_periodic_x_n")), locale)
        self.apr_compounded = format_percent(Decimal(get("apr_compounded")), locale)
        self.first_payment = format_money(Decimal(get("first_payment")), locale)
        self.total_cost = format_money(Decimal(get("total_cost")), locale)
        self.upfront_fee = format_money(Decimal(get("upfront_fee")), locale)
        self.amount_received = format_money(Decimal(get("amount_received")), locale)

    def _show_contract(self, view: ContractView, locale: str) -> None:
        self._contract_id = view.contract_id
        self.stage = SIGNED if view.status == "signed" else CONTRACT
        self.version_text = translate("contracts.ui.version", locale, version=view.version, template_version=view.template_version)
        self.download_url = view.download_path
        self.signed_at = format_datetime(view.signed_at, locale, get_settings().timezone) if view.signed_at else ""
        self.signed_sha256 = view.signed_pdf_sha256 or ""
        self._show_figures(view.terms, locale)

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        principal = current_principal()
        try:
            offer = await asyncio.to_thread(contracts.offer_of, principal, self.number)
            views = await asyncio.to_thread(contracts.list_contracts, principal, self.number)
        except AccountsError:
            # No offer yet, or none any more: the section stays hidden.
            self.stage = ""
            return
        current = next((view for view in views if view.kind == contracts.KIND_LOAN and view.status != "superseded"), None)
        if current is not None and offer.status in ("offer_accepted", "contract_signed"):
            self._show_contract(current, locale)
        else:
            self._contract_id = 0
            self.stage = OFFER
            self._show_figures(offer, locale)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def load(self) -> None:
        """Load the offer and contract of the application named in the path /applications/<number>."""
        path = self.router.url.path
        self.number = path[len(ROUTE_PREFIX):].strip("/")[:32] if path.startswith(ROUTE_PREFIX) else ""
        self.error, self.code_info, self.busy = "", "", False
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def accept(self) -> list | rx.event.EventSpec:
        """Accept the offer, which generates the contract to sign."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(contracts.accept_offer, current_principal(), self.number, locale=locale, client_ip=client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh()
        # The status badge and timeline above the section show the new status too.
        return [rx.toast.success(translate("contracts.ui.accepted", locale)), ApplicationStatusState.load]

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    def choose_method(self, method: str | list[str]) -> None:
        """Switch between signing with the password and with an SMS code."""
        self.sign_method = method if method in contracts.SIGNATURE_METHODS else "password"
        self.error = ""

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def send_code(self) -> None:
        """Send a signing code to the borrower's registered mobile number."""
        locale = await locale_of(self)
        try:
            sent = await asyncio.to_thread(contracts.request_signing_code, current_principal(), locale=locale, client_ip=client_ip_of(self))
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return
        self.error = ""
        self.code_info = translate("contracts.ui.code_sent", locale, minutes=sent.valid_minutes)

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def sign(self, form_data: dict) -> list | None:
        """Sign the current contract with the typed password or code; the secret never stays in state."""
        locale = await locale_of(self)
        secret = form_text(form_data, "secret")
        self.busy = True
        try:
            await asyncio.to_thread(
                contracts.sign_contract, current_principal(), self._contract_id, self.sign_method, secret,
                client_ip=client_ip_of(self), user_agent=self.router.headers.user_agent,
            )
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return None
        finally:
            self.busy = False
        self.error, self.code_info = "", ""
        await self._refresh()
        return [rx.toast.success(translate("contracts.ui.signed", locale)), ApplicationStatusState.load]
