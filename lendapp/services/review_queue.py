"""The staff review queue: listing applications that wait for a person, and claiming or assigning them.

The queue is sorted by submission time and paged by keyset: the cursor is
the ``(submitted_at, id)`` pair of the last row shown, so a page never skips
or repeats rows when new applications arrive.

Who works on an application is the latest ``application.assign`` entry of
the audit log for it.

NOTE: ``loan_application`` has no assignee column, so the assignee filter
reads the audit log. An indexed column would be faster for a large queue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import logging
import threading
import time
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db import engine as db_engine
from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, LoanApplication, UserAccount
from lendapp.db.models.application import WAITING_STATUSES
from lendapp.db.types import utc_now
from lendapp.domain.kyc.mobile import check_mobile
from lendapp.domain.kyc.resident_id import normalize_id_number, upgrade_legacy_id
from lendapp.domain.masking import mask_id_number, mask_name, mask_phone
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services.applications_lifecycle import ApplicationStatus
from lendapp.services.applications_views import (
    BANK_CARD_COLUMN,
    CONTACT_PHONE_COLUMN,
    FULL_NAME_COLUMN,
    ID_NUMBER_COLUMN,
    StatusEventView,
    to_event_view,
)
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.integrations.crypto import phone_hash
from lendapp.services.pii import decrypt, id_number_hash
from lendapp.settings import get_settings
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

ASSIGN_ACTION = "application.assign"
OBJECT_TYPE = "loan_application"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

# Statuses that wait for a staff member.
QUEUE_STATUSES = (
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.PENDING_SECOND_APPROVAL,
)


class ScoreBand(enum.StrEnum):
    """Score bands of the queue filter; the bounds follow the credit policy's pricing tiers."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNSCORED = "unscored"


# Inclusive lower and exclusive upper score of each band; None is open.
SCORE_BAND_BOUNDS: dict[ScoreBand, tuple[int | None, int | None]] = {
    ScoreBand.HIGH: (580, None),
    ScoreBand.MEDIUM: (540, 580),
    ScoreBand.LOW: (None, 540),
}


@dataclasses.dataclass(frozen=True)
class QueueFilter:
    """What the queue shows.

    Attributes:
        status: One of ``QUEUE_STATUSES``, or "" for all of them.
        product_code: A product code, or "" for every product.
        score_band: A ``ScoreBand`` value, or "" for every score.
        assignee_id: Only applications assigned to this user; None for anyone.
        unassigned: Only applications without an assignee.
        newest_first: Sort by submission time descending instead of ascending.
        search: An application number, or a resident ID or mobile number that
            is matched through its keyed hash (never stored or compared in plain text).
        channel: Only applications from this channel, or "" for every channel.
        submitted_from: Only applications submitted on or after this date (local time).
        submitted_to: Only applications submitted on or before this date (local time).
        fraud_only: Only applications that a fraud rule flagged.
    """

    status: str = ""
    product_code: str = ""
    score_band: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    newest_first: bool = False
    search: str = ""
    channel: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    fraud_only: bool = False


@dataclasses.dataclass(frozen=True)
class QueueCursor:
    """The sort key of the last row of a page; the next page starts after it."""

    submitted_at: dt.datetime
    application_id: int


@dataclasses.dataclass(frozen=True)
class QueueRow:
    """One application in the queue; carries no personal data."""

    number: str
    status: str
    product_code: str
    amount: str
    term: int | None
    method: str
    score: int | None
    pd: float | None
    submitted_at: dt.datetime | None
    assignee_id: int | None
    assignee_name: str


@dataclasses.dataclass(frozen=True)
class QueuePage:
    """One page of the queue, the cursor of the next page (None at the end), and counts per status."""

    rows: tuple[QueueRow, ...]
    next_cursor: QueueCursor | None
    counts: dict[str, int]


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _parameters(flt: QueueFilter, cursor: QueueCursor | None) -> tuple[tuple, dict[str, object]]:
    """Check ``flt`` and split it into the statement's shape and its bound values.

    Two requests with the same shape share one prebuilt statement, so a page
    costs one execution instead of building and hashing a new SELECT each time.
    """
    values: dict[str, object] = {}
    if flt.status:
        if flt.status not in QUEUE_STATUSES:
            raise InvalidInputError("staff.queue.error.status", field="status", status=flt.status)
        values["status"] = str(flt.status)
    if flt.score_band:
        try:
            ScoreBand(flt.score_band)
        except ValueError as error:
            raise InvalidInputError("staff.queue.error.score_band", field="score_band", band=flt.score_band) from error
    if flt.product_code:
        values["product_code"] = flt.product_code
    if flt.assignee_id is not None:
        values["assignee_id"] = flt.assignee_id
    if flt.channel:
        values["channel"] = flt.channel[:16]
    timezone = get_settings().timezone_info
    if flt.submitted_from is not None:
        values["submitted_from"] = dt.datetime.combine(flt.submitted_from, dt.time(), timezone)
    if flt.submitted_to is not None:
        values["submitted_to"] = dt.datetime.combine(flt.submitted_to + dt.timedelta(days=1), dt.time(), timezone)
    if flt.search:
        values.update(_search_values(flt.search))
    if cursor is not None:
        values["cursor_at"] = cursor.submitted_at
        values["cursor_id"] = cursor.application_id
    shape = (
        tuple(sorted(values)),
        flt.score_band,
        flt.assignee_id is None and flt.unassigned,
        flt.fraud_only,
        flt.newest_first,
    )
    return shape, values


def _search_values(text: str) -> dict[str, object]:
    """Return the values a search matches: the application number, and a resident ID's or mobile number's keyed hash."""
    term = text.strip()[:40]
    values: dict[str, object] = {"search_number": term.upper()}
    id_number = normalize_id_number(term)
    if len(id_number) == 15 and id_number.isdigit():
        id_number = upgrade_legacy_id(id_number)
    if len(id_number) == 18:
        values["search_id_hash"] = id_number_hash(id_number)
    mobile = check_mobile(term)
    if mobile.ok:
        values["search_phone_hash"] = phone_hash(mobile.e164)
    return values


def _waiting_condition() -> sa.ColumnElement[bool]:
    """Return ``status IN (...)`` over the waiting statuses with the values written into the SQL.

    Bound parameters would hide the values from the planner, and then neither
    PostgreSQL's generic plans nor SQLite can use the partial index on the waiting rows.
    """
    return LoanApplication.__table__.c.status.in_([sa.literal_column(f"'{status}'") for status in WAITING_STATUSES])


def _band_condition(band: str) -> sa.ColumnElement[bool]:
    score = LoanApplication.__table__.c.score
    parsed = ScoreBand(band)
    if parsed is ScoreBand.UNSCORED:
        return score.is_(None)
    low, high = SCORE_BAND_BOUNDS[parsed]
    conditions = [score.is_not(None)]
    if low is not None:
        conditions.append(score >= low)
    if high is not None:
        conditions.append(score < high)
    return sa.and_(*conditions)


_ROW_COLUMNS = ("id", "number", "status", "product_code", "amount", "term", "method", "score", "pd", "submitted_at", "assignee_id")


@functools.lru_cache(maxsize=256)
def _statement(shape: tuple, page_size: int) -> sa.Select:
    """Build the SELECT of one filter shape with named bound parameters (see ``_parameters``)."""
    names, score_band, unassigned, fraud_only, newest_first = shape
    table = LoanApplication.__table__
    users = UserAccount.__table__
    # Only the columns a row shows, and the assignee's name by a join, so one round trip fetches the page.
    query = (
        sa.select(*(table.c[name] for name in _ROW_COLUMNS), users.c.display_name.label("assignee_name"))
        .select_from(table.outerjoin(users, users.c.id == table.c.assignee_id))
        .where(table.c.submitted_at.is_not(None))
    )
    query = query.where(table.c.status == sa.bindparam("status") if "status" in names else _waiting_condition())
    for name in ("product_code", "assignee_id", "channel"):
        if name in names:
            query = query.where(table.c[name] == sa.bindparam(name))
    if unassigned:
        query = query.where(table.c.assignee_id.is_(None))
    if score_band:
        query = query.where(_band_condition(score_band))
    if "submitted_from" in names:
        query = query.where(table.c.submitted_at >= sa.bindparam("submitted_from"))
    if "submitted_to" in names:
        query = query.where(table.c.submitted_at < sa.bindparam("submitted_to"))
    if fraud_only:
        # Fraud rule codes are velocity, shared_<attribute> and anomaly; policy rules use other names.
        rules = table.c.rules_hit
        query = query.where(sa.or_(rules.like('%"velocity"%'), rules.like('%"shared\\_%', escape="\\"), rules.like('%"anomaly%')))
    if "search_number" in names:
        matches = [table.c.number == sa.bindparam("search_number")]
        if "search_id_hash" in names:
            matches.append(table.c.id_number_hash == sa.bindparam("search_id_hash"))
        if "search_phone_hash" in names:
            matches.append(table.c.contact_phone_hash == sa.bindparam("search_phone_hash"))
        query = query.where(sa.or_(*matches))
    submitted, row_id = table.c.submitted_at, table.c.id
    if "cursor_at" in names:
        at, after = sa.bindparam("cursor_at"), sa.bindparam("cursor_id")
        if newest_first:
            query = query.where(sa.or_(submitted < at, sa.and_(submitted == at, row_id < after)))
        else:
            query = query.where(sa.or_(submitted > at, sa.and_(submitted == at, row_id > after)))
    order = (submitted.desc(), row_id.desc()) if newest_first else (submitted, row_id)
    return query.order_by(*order).limit(page_size + 1)


def queue_query(flt: QueueFilter, cursor: QueueCursor | None, page_size: int) -> tuple[sa.Select, dict[str, object]]:
    """Return the SELECT of one queue page plus one row (present when another page follows) and its values.

    Raises:
        InvalidInputError: A filter value is invalid.
    """
    shape, values = _parameters(flt, cursor)
    return _statement(shape, page_size), values


def list_queue(
    actor: Principal,
    flt: QueueFilter = QueueFilter(),
    cursor: QueueCursor | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> QueuePage:
    """List one page of applications waiting for review, with the count of each queue status.

    Args:
        actor: The staff member; needs the review-queue permission.
        flt: Filters and sort direction.
        cursor: The ``next_cursor`` of the previous page, or None for the first page.
        page_size: Rows per page, 1 to ``MAX_PAGE_SIZE``.

    Raises:
        PermissionDeniedError: The actor may not see the queue.
        InvalidInputError: A filter value or the page size is invalid.
    """
    _require(actor, Permission.REVIEW_QUEUE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInputError("staff.queue.error.page_size", field="page_size", maximum=MAX_PAGE_SIZE)
    query, values = queue_query(flt, cursor, page_size)
    # A plain connection in autocommit mode rather than an ORM session: each SELECT is consistent on its
    # own, and the page needs no identity map, no BEGIN and no COMMIT or ROLLBACK round trip.
    with db_engine.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        records = connection.execute(query, values).all()
        counts = _status_counts(connection)
    rows = tuple(_to_row(record) for record in records[:page_size])
    next_cursor = None
    if len(records) > page_size:
        last = records[page_size - 1]
        next_cursor = QueueCursor(last.submitted_at, last.id)
    return QueuePage(rows=rows, next_cursor=next_cursor, counts=counts)


# Counts per status are shown beside the queue, not used to decide anything, so a few seconds'
# staleness is fine; caching them keeps every page load from counting the whole book again.
COUNTS_TTL_SECONDS = 10.0
_counts_cache: dict[str, tuple[float, dict[str, int]]] = {}
_counts_lock = threading.Lock()


def _status_counts(connection: sa.Connection) -> dict[str, int]:
    key = str(connection.engine.url)
    now = time.monotonic()
    with _counts_lock:
        cached = _counts_cache.get(key)
        if cached is not None and now - cached[0] < COUNTS_TTL_SECONDS:
            return dict(cached[1])
    table = LoanApplication.__table__
    found = dict(
        connection.execute(
            sa.select(table.c.status, sa.func.count())
            .where(_waiting_condition())
            .group_by(table.c.status)
        ).all()
    )
    counts = {str(status): int(found.get(str(status), 0)) for status in QUEUE_STATUSES}
    with _counts_lock:
        _counts_cache[key] = (now, counts)
    return dict(counts)


def clear_counts_cache() -> None:
    """Forget cached status counts, for tests that change the queue and read the counts at once."""
    with _counts_lock:
        _counts_cache.clear()


def _to_row(record: sa.Row) -> QueueRow:
    # Unpacked by position (the order of _ROW_COLUMNS plus the name), which is several times cheaper per row.
    _, number, status, product_code, amount, term, method, score, pd, submitted_at, assignee_id, assignee_name = record
    return QueueRow(
        number, status, product_code, "" if amount is None else f"{amount:.2f}", term, method, score, pd,
        submitted_at, assignee_id, (assignee_name or "") if assignee_id is not None else "",
    )


def current_assignee(session: Session, application_id: int) -> int | None:
    """Return the user id the application is assigned to, or None."""
    return session.execute(
        sa.select(LoanApplication.assignee_id).where(LoanApplication.id == application_id)
    ).scalar_one_or_none()


def _open_application(session: Session, number: str) -> LoanApplication:
    # The row lock serialises two claims of the same application on PostgreSQL.
    row = session.execute(
        sa.select(LoanApplication).where(LoanApplication.number == number).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status not in QUEUE_STATUSES:
        raise NotFoundError("staff.queue.error.not_found", number=number)
    return row


def claim(actor: Principal, number: str, client_ip: str = "") -> int:
    """Assign an application in the queue to the actor and return the actor's id.

    Claiming one's own application again changes nothing and writes no audit entry.

    Raises:
        PermissionDeniedError: The actor may not review applications.
        NotFoundError: No application with that number is waiting in the queue.
        InvalidInputError: Someone else has already claimed it; an assignment by a colleague moves it.
    """
    _require(actor, Permission.APPLICATION_DECIDE)
    with session_scope() as session:
        row = _open_application(session, number)
        holder = current_assignee(session, row.id)
        if holder == actor.user_id:
            return actor.user_id
        if holder is not None:
            raise InvalidInputError("staff.queue.error.claimed", number=number)
        _write_assignment(session, actor, row, holder, actor.user_id, client_ip)
    logger.info("User %s claimed application %s", actor.user_id, number)
    return actor.user_id


def assign(actor: Principal, number: str, assignee_id: int | None, client_ip: str = "") -> int | None:
    """Assign an application to a reviewer, or release it with None, and return the assignee.

    Raises:
        PermissionDeniedError: The actor may not review applications.
        NotFoundError: The application is not in the queue.
        InvalidInputError: The assignee is not an active staff member who may decide applications.
    """
    _require(actor, Permission.APPLICATION_DECIDE)
    with session_scope() as session:
        row = _open_application(session, number)
        if assignee_id is not None:
            user = session.get(UserAccount, assignee_id)
            if user is None or not user.is_active or not has_permission(user.role, Permission.APPLICATION_DECIDE):
                raise InvalidInputError("staff.queue.error.assignee", field="assignee", assignee_id=assignee_id)
        holder = current_assignee(session, row.id)
        if holder == assignee_id:
            return assignee_id
        _write_assignment(session, actor, row, holder, assignee_id, client_ip)
    logger.info("User %s assigned application %s to %s", actor.user_id, number, assignee_id)
    return assignee_id


def _write_assignment(session: Session, actor: Principal, row: LoanApplication, holder: int | None, assignee_id: int | None, client_ip: str) -> None:
    row.assignee_id = assignee_id
    row.assigned_at = utc_now() if assignee_id is not None else None
    record_audit(
        session,
        action=ASSIGN_ACTION,
        object_type=OBJECT_TYPE,
        object_id=row.id,
        actor_id=actor.user_id,
        actor_role=actor.role,
        before={"assignee_id": holder},
        after={"assignee_id": assignee_id},
        client_ip=client_ip,
    )


@dataclasses.dataclass(frozen=True)
class ReviewReason:
    """One scoring factor: the staff catalog key and the applicant's value."""

    staff_key: str
    value: str


@dataclasses.dataclass(frozen=True)
class ReviewDetail:
    """One application as shown to a reviewer. The name, ID number, phone and card are masked."""

    number: str
    status: str
    product_code: str
    amount: Decimal | None
    term: int | None
    method: str
    annual_rate: Decimal | None
    purpose: str
    masked_name: str
    masked_id_number: str
    masked_phone: str
    masked_bank_card: str
    monthly_income: Decimal | None
    employment_type: str
    score: int | None
    pd: float | None
    reasons: tuple[ReviewReason, ...]
    suggested_limit: Decimal | None
    submitted_at: dt.datetime | None
    assignee_id: int | None
    history: tuple[StatusEventView, ...]


# Applicant fields a permitted staff member may reveal in full, with their encrypted column.
REVEALABLE_FIELDS = {
    "full_name": ("full_name_enc", FULL_NAME_COLUMN),
    "id_number": ("id_number_enc", ID_NUMBER_COLUMN),
    "contact_phone": ("contact_phone_enc", CONTACT_PHONE_COLUMN),
    "bank_card": ("bank_card_enc", BANK_CARD_COLUMN),
}


def reveal_applicant_value(actor: Principal, number: str, field: str, client_ip: str = "") -> str:
    """Return one full personal value of a submitted application and audit the reveal.

    Raises:
        PermissionDeniedError: The actor lacks the pii_reveal permission.
        InvalidInputError: ``field`` is not one of REVEALABLE_FIELDS.
        NotFoundError: No submitted application has that number, or the value is empty.
    """
    _require(actor, Permission.PII_REVEAL)
    if field not in REVEALABLE_FIELDS:
        raise InvalidInputError("staff.review.error.reveal_field", field=field[:32])
    attribute, column = REVEALABLE_FIELDS[field]
    with session_scope() as session:
        row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one_or_none()
        if row is None or row.submitted_at is None:
            raise NotFoundError("staff.review.error.not_found", number=number)
        ciphertext = getattr(row, attribute)
        if not ciphertext:
            raise NotFoundError("staff.review.error.reveal_missing", field=field)
        value = decrypt(ciphertext, column)
        record_audit(
            session, action="pii.reveal", object_type=OBJECT_TYPE, object_id=row.id, actor_id=actor.user_id,
            actor_role=actor.role, after={"field": field}, client_ip=client_ip,
        )
    logger.info("User %s revealed %s of application %s", actor.user_id, field, number)
    return value


def review_detail(actor: Principal, number: str) -> ReviewDetail:
    """Return one application with masked personal data, its score and its status history.

    Raises:
        PermissionDeniedError: The actor may not open application details.
        NotFoundError: No submitted application has that number.
    """
    _require(actor, Permission.APPLICATION_DETAIL)
    with session_scope() as session:
        row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one_or_none()
        if row is None or row.submitted_at is None:
            raise NotFoundError("staff.review.error.not_found", number=number)
        events = session.execute(
            sa.select(ApplicationStatusEvent).where(ApplicationStatusEvent.application_id == row.id).order_by(ApplicationStatusEvent.id)
        ).scalars().all()
        assignee_id = current_assignee(session, row.id)
        name = decrypt(row.full_name_enc, FULL_NAME_COLUMN)
        id_number = decrypt(row.id_number_enc, ID_NUMBER_COLUMN)
        phone = decrypt(row.contact_phone_enc, CONTACT_PHONE_COLUMN)
        reasons = tuple(
            ReviewReason(reason.get("staff_key", ""), str(reason.get("value", "")))
            for reason in json.loads(row.reason_codes or "[]")
        )
        return ReviewDetail(
            number=row.number, status=row.status, product_code=row.product_code, amount=row.amount, term=row.term,
            method=row.method, annual_rate=row.annual_rate, purpose=row.purpose,
            masked_name=mask_name(name) if name else "",
            masked_id_number=mask_id_number(id_number) if id_number else "",
            masked_phone=mask_phone(phone) if phone else "",
            masked_bank_card=f"**** {row.bank_card_last4}" if row.bank_card_last4 else "",
            monthly_income=row.monthly_income, employment_type=row.employment_type, score=row.score, pd=row.pd,
            reasons=reasons, suggested_limit=row.suggested_limit, submitted_at=row.submitted_at,
            assignee_id=assignee_id, history=tuple(to_event_view(event) for event in events),
        )
