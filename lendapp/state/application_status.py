"""The status page of one application: timeline and result, refreshed while a decision is pending."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import applications
from lendapp.services.applications_lifecycle import PENDING_DECISION, ApplicationStatus
from lendapp.services.auth_errors import AccountsError
from lendapp.services.scoring_service import schedule_scoring
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/applications/"
_RESULT_STATUSES = {ApplicationStatus.AUTO_APPROVED, ApplicationStatus.IN_REVIEW, ApplicationStatus.AUTO_DECLINED}


@dataclasses.dataclass
class TimelineRow:
    """One status change, with its text already in the visitor's language."""

    status: str
    label: str
    reason: str
    time: str


class ApplicationStatusState(rx.State):
    """One of the signed-in borrower's applications."""

    application_number: str = ""
    status: str = ""
    status_label: str = ""
    result_text: str = ""
    timeline: list[TimelineRow] = []
    reasons: list[str] = []
    pending: bool = False
    not_found: bool = False
    _scheduled: bool = False

    async def _refresh(self) -> None:
        try:
            view, events = await asyncio.to_thread(applications.own_application, current_principal().user_id, self.application_number)
        except AccountsError:
            self.not_found = True
            self.pending = False
            return
        locale = await locale_of(self)
        timezone = get_settings().timezone
        self.not_found = False
        self.status = view.status
        self.status_label = translate(f"apply.status_name.{view.status}", locale)
        self.pending = view.status in PENDING_DECISION
        self.result_text = translate(f"apply.status.result.{view.status}", locale) if view.status in _RESULT_STATUSES else ""
        self.reasons = [translate(key, locale) for key in view.borrower_reason_keys] if view.status == "auto_declined" else []
        self.timeline = [
            TimelineRow(
                status=event.to_status,
                label=translate(f"apply.status_name.{event.to_status}", locale),
                reason=_reason_text(event.reason, locale),
                time=format_datetime(event.created_at, locale, timezone),
            )
            for event in events
        ]
        if view.status == ApplicationStatus.SUBMITTED and not self._scheduled:
            # Scoring normally starts from the submit handler; this covers a restart in between.
            application_id = await asyncio.to_thread(applications.application_id_of, view.number)
            schedule_scoring(application_id)
            self._scheduled = True

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def load(self) -> None:
        """Load the application named in the path /applications/<number>."""
        path = self.router.url.path
        self.application_number = path[len(ROUTE_PREFIX):].strip("/")[:32] if path.startswith(ROUTE_PREFIX) else ""
        self._scheduled = False
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_APPLICATIONS)
    async def refresh(self, _tick: str = "") -> None:
        """Reload the status; the page calls this every 1.5 s while a decision is pending."""
        if self.pending:
            await self._refresh()


def _reason_text(reason: str, locale: str) -> str:
    if not reason:
        return ""
    for prefix in ("apply.reason.", "risk.rule."):
        try:
            return translate(prefix + reason, locale)
        except KeyError:
            continue
    return ""
