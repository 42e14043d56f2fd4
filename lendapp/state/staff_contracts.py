"""The contract versions of one application on the staff application page."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import contracts
from lendapp.services.auth_errors import AccountsError
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/staff/applications/"


@dataclasses.dataclass
class ContractRow:
    """One contract version, as display text, with its download path."""

    summary: str
    signed: str
    download_url: str


class StaffContractsState(rx.State):
    """Contract versions of the application in the path, newest first."""

    rows: list[ContractRow] = []

    @rx.event
    @requires(Permission.APPLICATION_DETAIL)
    async def load(self) -> None:
        """Load the contract versions of the application named in the path /staff/applications/<number>."""
        path = self.router.url.path
        number = path[len(ROUTE_PREFIX):].strip("/")[:32] if path.startswith(ROUTE_PREFIX) else ""
        locale = await locale_of(self)
        try:
            views = await asyncio.to_thread(contracts.list_contracts, current_principal(), number)
        except AccountsError:
            self.rows = []
            return
        timezone = get_settings().timezone
        self.rows = [
            ContractRow(
                summary=translate("contracts.staff.row", locale, version=view.version, template_version=view.template_version,
                                  status=translate(f"contracts.status.{view.status}", locale)),
                signed=translate("contracts.staff.signed_at", locale, time=format_datetime(view.signed_at, locale, timezone),
                                 method=translate(f"contracts.pdf.method_{view.signature_method}", locale)) if view.signed_at else "",
                download_url=view.download_path,
            )
            for view in views
        ]
