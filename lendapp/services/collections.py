"""Collections: the overdue list by dpd bucket, contact history, promises to pay and notes.

Collectors see overdue loans (dpd above 0, set by the daily job) grouped by
bucket, with the last contact and the latest promise to pay. Recording a
call, text, visit or note needs ``CONTACT_RECORD``; a promise to pay needs
``PROMISE_TO_PAY``. Every record is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import CollectionAction, Loan, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services import loans
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.daily_job import business_date
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

BUCKETS = ("M1", "M2", "M3", "M3+")
CONTACT_KINDS = ("call", "sms", "visit")
ACTION_KINDS = (*CONTACT_KINDS, "note", "promise_to_pay")
OUTCOMES = ("reached", "no_answer", "wrong_number", "refused", "promised", "other")
MAX_PAGE_SIZE = 100
MAX_NOTE_LENGTH = 1024
MAX_PROMISE_DAYS = 60


@dataclasses.dataclass(frozen=True)
class OverdueRow:
    """One overdue loan in the collector's list; the borrower's name is the masked display name."""

    loan_id: int
    loan_number: str
    borrower_id: int
    borrower_name: str
    dpd: int
    bucket: str
    principal: Decimal
    state: str
    last_contact_at: dt.datetime | None
    last_contact_kind: str
    last_outcome: str
    promised_amount: Decimal | None
    promised_date: dt.date | None


@dataclasses.dataclass(frozen=True)
class OverduePage:
    """One page of the overdue list, with the number of loans per bucket."""

    rows: list[OverdueRow]
    total: int
    page: int
    page_size: int
    counts: dict[str, int]


@dataclasses.dataclass(frozen=True)
class ActionView:
    """One contact, promise or note, newest first in a history."""

    id: int
    loan_id: int
    kind: str
    outcome: str
    note: str
    promised_amount: Decimal | None
    promised_date: dt.date | None
    collector_name: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class LoanSummary:
    """One loan for a collector: its position from the loan engine and its contact history."""

    loan_id: int
    loan_number: str
    borrower_id: int
    state: str
    dpd: int
    bucket: str
    overdue_amount: Decimal
    penalty_due: Decimal
    outstanding_principal: Decimal
    history: list[ActionView]


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _overdue_filter(bucket: str, search: str) -> list:
    conditions = [Loan.dpd > 0, Loan.state.in_(sorted(loans.OPEN_STATES))]
    if bucket:
        if bucket not in BUCKETS:
            raise InvalidInputError("ops.collections.error.bucket", field="bucket", bucket=bucket)
        conditions.append(Loan.dpd_bucket == bucket)
    if search:
        conditions.append(Loan.number.ilike(f"%{search.strip()[:32]}%"))
    return conditions


def overdue_list(actor: Principal, bucket: str = "", page: int = 1, page_size: int = 50, search: str = "") -> OverduePage:
    """List overdue loans, most days past due first, one page at a time.

    Args:
        actor: A user with ``OVERDUE_LIST``.
        bucket: M1, M2, M3 or M3+; empty for all.
        page: 1-based page number.
        page_size: 1 to 100 rows.
        search: Part of a loan number.

    Raises:
        PermissionDeniedError: The actor may not see the overdue list.
        InvalidInputError: Unknown bucket or page size out of range.
    """
    _require(actor, Permission.OVERDUE_LIST)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInputError("ops.collections.error.page_size", field="page_size", maximum=MAX_PAGE_SIZE)
    page = max(1, int(page))
    conditions = _overdue_filter(bucket, search)
    with session_scope() as session:
        total = session.execute(sa.select(sa.func.count()).select_from(Loan).where(*conditions)).scalar_one()
        counts = dict(session.execute(
            sa.select(Loan.dpd_bucket, sa.func.count()).where(*_overdue_filter("", search)).group_by(Loan.dpd_bucket)
        ).all())
        query = (
            sa.select(Loan.id, Loan.number, Loan.borrower_id, UserAccount.display_name, Loan.dpd, Loan.dpd_bucket, Loan.principal, Loan.state)
            .join(UserAccount, UserAccount.id == Loan.borrower_id)
            .where(*conditions)
            .order_by(Loan.dpd.desc(), Loan.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        loan_rows = session.execute(query).all()
        latest = _latest_actions(session, [row.id for row in loan_rows])
    rows = []
    for row in loan_rows:
        contact, promise = latest.get(row.id, (None, None))
        rows.append(OverdueRow(
            loan_id=row.id, loan_number=row.number, borrower_id=row.borrower_id, borrower_name=row.display_name, dpd=row.dpd,
            bucket=row.dpd_bucket, principal=row.principal, state=row.state,
            last_contact_at=contact.created_at if contact else None, last_contact_kind=contact.kind if contact else "",
            last_outcome=contact.outcome if contact else "",
            promised_amount=promise.promised_amount if promise else None, promised_date=promise.promised_date if promise else None,
        ))
    return OverduePage(rows, int(total), page, page_size, {bucket: int(counts.get(bucket, 0)) for bucket in BUCKETS})


def _latest_actions(session, loan_ids: list[int]) -> dict[int, tuple[CollectionAction | None, CollectionAction | None]]:
    """Return the newest contact and the newest promise of each loan."""
    if not loan_ids:
        return {}
    actions = session.execute(
        sa.select(CollectionAction).where(CollectionAction.loan_id.in_(loan_ids))
        .order_by(CollectionAction.created_at.desc(), CollectionAction.id.desc())
    ).scalars()
    latest: dict[int, list] = {loan_id: [None, None] for loan_id in loan_ids}
    for action in actions:
        slot = latest[action.loan_id]
        if action.kind in CONTACT_KINDS and slot[0] is None:
            slot[0] = action
        if action.kind == "promise_to_pay" and slot[1] is None:
            slot[1] = action
    return {loan_id: (slot[0], slot[1]) for loan_id, slot in latest.items()}


def _history(session, loan_id: int) -> list[ActionView]:
    query = (
        sa.select(CollectionAction, UserAccount.display_name)
        .join(UserAccount, UserAccount.id == CollectionAction.collector_id)
        .where(CollectionAction.loan_id == loan_id)
        .order_by(CollectionAction.created_at.desc(), CollectionAction.id.desc())
        .limit(200)
    )
    return [_view(action, name) for action, name in session.execute(query).all()]


def _view(action: CollectionAction, collector_name: str) -> ActionView:
    return ActionView(action.id, action.loan_id, action.kind, action.outcome, action.note, action.promised_amount,
                      action.promised_date, collector_name, action.created_at)


def loan_summary(actor: Principal, loan_id: int, on: dt.date | None = None) -> LoanSummary:
    """Return one loan's position on ``on`` and its contact history, newest first.

    Raises:
        PermissionDeniedError: The actor may not see the overdue list.
        NotFoundError: No such loan.
    """
    _require(actor, Permission.OVERDUE_LIST)
    with session_scope() as session:
        loan = session.get(Loan, int(loan_id))
        if loan is None:
            raise NotFoundError("ops.collections.error.not_found", loan=loan_id)
        position = loans.position_of(session, loan, on or business_date())
        return LoanSummary(
            loan.id, loan.number, loan.borrower_id, loan.state, loan.dpd, loan.dpd_bucket, position.overdue_amount,
            position.dues.penalty, position.outstanding_principal, _history(session, loan.id),
        )


def _parse_promise(amount: object, date: object, today: dt.date) -> tuple[Decimal, dt.date]:
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInputError("ops.collections.error.promise_amount", field="promised_amount") from None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:
        raise InvalidInputError("ops.collections.error.promise_amount", field="promised_amount")
    try:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    except ValueError:
        raise InvalidInputError("ops.collections.error.promise_date", field="promised_date", days=MAX_PROMISE_DAYS) from None
    if not today <= day <= today + dt.timedelta(days=MAX_PROMISE_DAYS):
        raise InvalidInputError("ops.collections.error.promise_date", field="promised_date", days=MAX_PROMISE_DAYS)
    return value, day


def record_action(
    actor: Principal,
    loan_id: int,
    kind: str,
    *,
    outcome: str = "",
    note: str = "",
    promised_amount: object = None,
    promised_date: object = None,
    client_ip: str = "",
    now: dt.datetime | None = None,
) -> ActionView:
    """Record a contact (call, sms, visit), a note or a promise to pay on an overdue loan.

    Raises:
        PermissionDeniedError: A promise needs ``PROMISE_TO_PAY``, anything else ``CONTACT_RECORD``.
        InvalidInputError: Unknown kind or outcome, a note too long, or a
            promise whose amount or date (today to 60 days ahead) is invalid.
        NotFoundError: No such loan.
    """
    if kind not in ACTION_KINDS:
        raise InvalidInputError("ops.collections.error.kind", field="kind", kind=kind)
    _require(actor, Permission.PROMISE_TO_PAY if kind == "promise_to_pay" else Permission.CONTACT_RECORD)
    if outcome and outcome not in OUTCOMES:
        raise InvalidInputError("ops.collections.error.outcome", field="outcome", outcome=outcome)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInputError("ops.collections.error.note", field="note", maximum=MAX_NOTE_LENGTH)
    if kind == "note" and not note:
        raise InvalidInputError("ops.collections.error.note_missing", field="note")
    now = now or utc_now()
    amount, day = (None, None)
    if kind == "promise_to_pay":
        amount, day = _parse_promise(promised_amount, promised_date, business_date(now))
    with session_scope() as session:
        loan = session.get(Loan, int(loan_id))
        if loan is None:
            raise NotFoundError("ops.collections.error.not_found", loan=loan_id)
        action = CollectionAction(loan_id=loan.id, collector_id=actor.user_id, kind=kind, outcome=outcome, note=note,
                                  promised_amount=amount, promised_date=day, created_at=now)
        session.add(action)
        session.flush()
        record_audit(
            session, action=f"collections.{kind}", object_type="loan", object_id=loan.id, actor_id=actor.user_id,
            actor_role=actor.role, after={"action_id": action.id, "kind": kind, "outcome": outcome,
                                          "promised_amount": None if amount is None else str(amount),
                                          "promised_date": None if day is None else day.isoformat()},
            client_ip=client_ip,
        )
        logger.info("Collector %s recorded %s on loan %s", actor.user_id, kind, loan.number)
        return _view(action, actor.display_name)
