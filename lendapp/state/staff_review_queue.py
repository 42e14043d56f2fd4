"""The review queue page: filters, one page of rows at a time, and claiming."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import review_queue
from lendapp.services.auth_errors import AccountsError
from lendapp.services.review_queue import QueueCursor, QueueFilter, QueueRow
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

ASSIGNEE_ME = "me"
ASSIGNEE_NOBODY = "nobody"
# The select value meaning "no filter", because a select item cannot have an empty value.
ANY = "any"


@dataclasses.dataclass
class QueueItem:
    """One queue row with its text already in the visitor's language; no personal data."""

    number: str
    status: str
    status_label: str
    product_code: str
    amount: str
    term: str
    score: str
    submitted: str
    assignee: str
    assigned: bool


class StaffReviewQueueState(rx.State):
    """The review queue with its filters; the keyset cursor stays on the server."""

    rows: list[QueueItem] = []
    counts: dict[str, int] = {}
    status: str = ""
    product_code: str = ""
    score_band: str = ""
    assignee: str = ""
    newest_first: bool = False
    channel: str = ""
    fraud_only: bool = False
    # Search text and dates stay on the server: a searched ID or phone number is never sent back to the browser.
    _search: str = ""
    _submitted_from: str = ""
    _submitted_to: str = ""
    has_more: bool = False
    error: str = ""
    _cursor_at: str = ""
    _cursor_id: int = 0

    def _filter(self) -> QueueFilter:
        me = current_principal().user_id
        return QueueFilter(
            status=self.status,
            product_code=self.product_code,
            score_band=self.score_band,
            assignee_id=me if self.assignee == ASSIGNEE_ME else None,
            unassigned=self.assignee == ASSIGNEE_NOBODY,
            newest_first=self.newest_first,
            search=self._search,
            channel=self.channel,
            submitted_from=_date(self._submitted_from),
            submitted_to=_date(self._submitted_to),
            fraud_only=self.fraud_only,
        )

    def _cursor(self) -> QueueCursor | None:
        if not self._cursor_at:
            return None
        return QueueCursor(dt.datetime.fromisoformat(self._cursor_at), self._cursor_id)

    async def _fetch(self, append: bool) -> None:
        locale = await locale_of(self)
        cursor = self._cursor() if append else None
        try:
            page = await asyncio.to_thread(review_queue.list_queue, current_principal(), self._filter(), cursor)
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return
        timezone = get_settings().timezone
        items = [_item(row, locale, timezone) for row in page.rows]
        self.error = ""
        self.rows = self.rows + items if append else items
        self.counts = page.counts
        self.has_more = page.next_cursor is not None
        self._cursor_at = page.next_cursor.submitted_at.isoformat() if page.next_cursor else ""
        self._cursor_id = page.next_cursor.application_id if page.next_cursor else 0

    @rx.event
    @requires(Permission.REVIEW_QUEUE)
    async def load(self) -> None:
        """Load the first page of the queue with the current filters."""
        await self._fetch(append=False)

    @rx.event
    @requires(Permission.REVIEW_QUEUE)
    async def apply_filters(self, form_data: dict) -> None:
        """Read the filter form and load the first page."""
        self.status = _choice(form_data, "status")
        self.product_code = form_text(form_data, "product_code", 64)
        self.score_band = _choice(form_data, "score_band")
        self.assignee = _choice(form_data, "assignee")
        self.newest_first = bool(form_data.get("newest_first"))
        self.channel = _choice(form_data, "channel")
        self.fraud_only = bool(form_data.get("fraud_only"))
        self._search = form_text(form_data, "search", 40)
        self._submitted_from = form_text(form_data, "submitted_from", 10)
        self._submitted_to = form_text(form_data, "submitted_to", 10)
        await self._fetch(append=False)

    @rx.event
    @requires(Permission.REVIEW_QUEUE)
    async def load_more(self) -> None:
        """Append the next page of the queue."""
        if self.has_more:
            await self._fetch(append=True)

    @rx.event
    @requires(Permission.APPLICATION_DECIDE)
    async def claim(self, number: str) -> rx.event.EventSpec:
        """Assign an application to the signed-in reviewer."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(review_queue.claim, current_principal(), str(number)[:32], client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._fetch(append=False)
        return rx.toast.success(translate("staff.queue.claimed", locale))


def _choice(form_data: dict, name: str) -> str:
    value = form_text(form_data, name, 32)
    return "" if value == ANY else value


def _item(row: QueueRow, locale: str, timezone: str) -> QueueItem:
    return QueueItem(
        number=row.number,
        status=row.status,
        status_label=translate(f"staff.status.{row.status}", locale),
        product_code=row.product_code,
        amount=row.amount,
        term="" if row.term is None else str(row.term),
        score="" if row.score is None else str(row.score),
        submitted=format_datetime(row.submitted_at, locale, timezone) if row.submitted_at else "",
        assignee=row.assignee_name,
        assigned=row.assignee_id is not None,
    )


def _date(text: str) -> dt.date | None:
    # The form's date inputs send ISO dates; anything else means no bound.
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
