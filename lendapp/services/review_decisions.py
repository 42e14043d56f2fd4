"""Staff decisions on applications in review: approve, counter-offer, decline and request documents.

An approval above ``ReviewPolicy.second_approval_above`` waits in
pending_second_approval until a different person holding the second-approval
permission confirms or declines it (maker-checker). Every decision writes a
status event and an audit entry in one transaction. Sending the same decision
again returns the current result with ``replayed`` set and writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, LoanApplication
from lendapp.db.types import utc_now
from lendapp.domain.apr import to_percent
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services.applications_lifecycle import ApplicationStateError, ApplicationStatus, check_transition
from lendapp.services.audit import record_audit
from lendapp.services.decision_notices import notify_decision
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.quotes import QuoteError, load_product_terms, quote_product
from lendapp.services.review_queue import OBJECT_TYPE
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

S = ApplicationStatus
DECLINE_REASONS = (
    "insufficient_income",
    "high_debt_burden",
    "poor_credit_history",
    "identity_unverified",
    "documents_incomplete",
    "fraud_suspected",
    "policy_ineligible",
    "other",
)
DOCUMENT_TYPES = ("id_card", "income_proof", "bank_statement", "employment_proof", "address_proof", "business_license")


@dataclasses.dataclass(frozen=True)
class ReviewPolicy:
    """Limits of staff decisions.

    Attributes:
        second_approval_above: Approvals of more than this many yuan need a second approver.
    """

    second_approval_above: Decimal = Decimal("50000")


DEFAULT_REVIEW_POLICY = ReviewPolicy()


@dataclasses.dataclass(frozen=True)
class Offer:
    """A counter-offer: amount in yuan, term (months, or days for bullet) and nominal annual rate as a fraction."""

    amount: Decimal
    term: int
    annual_rate: Decimal


@dataclasses.dataclass(frozen=True)
class DecisionResult:
    """An application after a decision.

    Attributes:
        apr: The offer's APR (periodic IRR x periods), fees included; None after a decline.
        replayed: The same decision had already been made, so nothing changed.
    """

    number: str
    status: str
    amount: Decimal | None
    term: int | None
    annual_rate: Decimal | None
    apr: Decimal | None
    replayed: bool = False


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _load(session: Session, number: str) -> LoanApplication:
    # The row lock makes two concurrent decisions on PostgreSQL run one after the other.
    row = session.execute(
        sa.select(LoanApplication).where(LoanApplication.number == number).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError("staff.review.error.not_found", number=number)
    return row


def _last_event(session: Session, application_id: int) -> ApplicationStatusEvent | None:
    return session.execute(
        sa.select(ApplicationStatusEvent)
        .where(ApplicationStatusEvent.application_id == application_id)
        .order_by(ApplicationStatusEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _add_event(session: Session, row: LoanApplication, target: S, actor: Principal, reason: str, now: dt.datetime) -> None:
    session.add(ApplicationStatusEvent(
        application_id=row.id,
        from_status=row.status,
        to_status=target,
        actor_id=actor.user_id,
        actor_role=actor.role,
        reason=reason[:256],
        created_at=now,
    ))
    row.status = target
    row.updated_at = now


def _move(session: Session, row: LoanApplication, target: S, actor: Principal, reason: str, now: dt.datetime) -> None:
    check_transition(row.status, target)
    _add_event(session, row, target, actor, reason, now)


def _audit(session: Session, actor: Principal, row: LoanApplication, action: str, before: dict, after: dict, client_ip: str) -> None:
    record_audit(
        session, action=action, object_type=OBJECT_TYPE, object_id=row.id, actor_id=actor.user_id,
        actor_role=actor.role, before=before, after=after, client_ip=client_ip,
    )


def _summary(row: LoanApplication) -> dict:
    return {
        "status": row.status,
        "amount": None if row.amount is None else str(row.amount),
        "term": row.term,
        "annual_rate": None if row.annual_rate is None else str(row.annual_rate),
    }


def _result(row: LoanApplication, apr: Decimal | None, replayed: bool = False) -> DecisionResult:
    return DecisionResult(row.number, str(row.status), row.amount, row.term, row.annual_rate, apr, replayed)


def _priced_offer(product_code: str, method: str, offer: Offer, start_date: dt.date | None) -> Decimal:
    """Check the offer against the product's ranges and the rate cap, and return its APR.

    Raises:
        InvalidInputError: The product is gone, or the offer is outside its ranges or over the rate cap.
    """
    product = load_product_terms(product_code)
    if product is None:
        raise InvalidInputError("staff.review.error.product", field="product", product=product_code)
    try:
        quoted = quote_product(product, offer.amount, offer.term, method, offer.annual_rate, start_date)
    except QuoteError as error:
        raise InvalidInputError(f"staff.review.error.offer_{error.reason}", field=error.field, detail=str(error)) from error
    return quoted.apr_periodic_x_n


def approve(
    actor: Principal,
    number: str,
    counter_offer: Offer | None = None,
    *,
    client_ip: str = "",
    policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
    start_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DecisionResult:
    """Approve an application in review, as requested or with a counter-offer.

    The offer is priced again with the schedule engine and checked against the
    product's ranges and the rate cap. Above the policy's amount the
    application moves on to pending_second_approval.

    Raises:
        PermissionDeniedError: The actor may not decide applications.
        NotFoundError: No application has that number.
        InvalidInputError: The counter-offer is outside the product's terms or over the rate cap.
        ApplicationStateError: The application is not in review.
    """
    _require(actor, Permission.APPLICATION_DECIDE)
    now = now or utc_now()
    with session_scope() as session:
        row = _load(session, number)
        offer = counter_offer or Offer(row.amount, row.term, row.annual_rate)
        if _is_replay(session, row, actor, {S.APPROVED, S.PENDING_SECOND_APPROVAL}) and offer == Offer(row.amount, row.term, row.annual_rate):
            return _result(row, None, replayed=True)
        if row.status != S.IN_REVIEW:
            raise ApplicationStateError("staff.review.error.status", number=number, status=row.status)
        product_code, method = row.product_code, row.method
    apr = _priced_offer(product_code, method, offer, start_date)
    with session_scope() as session:
        row = _load(session, number)
        if row.status != S.IN_REVIEW:
            raise ApplicationStateError("staff.review.error.status", number=number, status=row.status)
        before = _summary(row)
        row.amount, row.term, row.annual_rate, row.offered_rate = offer.amount, offer.term, offer.annual_rate, offer.annual_rate
        row.decided_at = now
        _move(session, row, S.APPROVED, actor, "counter_offer" if counter_offer else "approved_as_requested", now)
        if offer.amount > policy.second_approval_above:
            _move(session, row, S.PENDING_SECOND_APPROVAL, actor, "above_second_approval_amount", now)
        notify_decision(session, row)
        action = "application.counter_offer" if counter_offer else "application.approve"
        _audit(session, actor, row, action, before, {**_summary(row), "apr_percent": str(to_percent(apr))}, client_ip)
        result = _result(row, apr)
    logger.info("User %s approved application %s: status %s", actor.user_id, number, result.status)
    return result


def _is_replay(session: Session, row: LoanApplication, actor: Principal, statuses: set[S]) -> bool:
    if row.status not in statuses:
        return False
    last = _last_event(session, row.id)
    return last is not None and last.actor_id == actor.user_id


def _maker_of(session: Session, row: LoanApplication) -> int | None:
    maker = session.execute(
        sa.select(ApplicationStatusEvent.actor_id)
        .where(ApplicationStatusEvent.application_id == row.id, ApplicationStatusEvent.to_status == S.PENDING_SECOND_APPROVAL)
        .order_by(ApplicationStatusEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return maker


def _check_checker(session: Session, row: LoanApplication, actor: Principal) -> None:
    _require(actor, Permission.SECOND_APPROVAL)
    if _maker_of(session, row) == actor.user_id:
        logger.warning("User %s tried to second-approve their own approval of %s", actor.user_id, row.number)
        raise PermissionDeniedError("staff.review.error.own_approval", number=row.number)


def confirm_second_approval(actor: Principal, number: str, *, client_ip: str = "", now: dt.datetime | None = None) -> DecisionResult:
    """Confirm an approval waiting in pending_second_approval, as a person other than its approver.

    Raises:
        PermissionDeniedError: The actor lacks the second-approval permission or made the first approval.
        NotFoundError: No application has that number.
        ApplicationStateError: The application does not wait for a second approval.
    """
    _require(actor, Permission.SECOND_APPROVAL)
    now = now or utc_now()
    with session_scope() as session:
        row = _load(session, number)
        last = _last_event(session, row.id)
        if row.status == S.APPROVED and last is not None and last.from_status == S.PENDING_SECOND_APPROVAL and last.actor_id == actor.user_id:
            return _result(row, None, replayed=True)
        if row.status != S.PENDING_SECOND_APPROVAL:
            raise ApplicationStateError("staff.review.error.status", number=number, status=row.status)
        _check_checker(session, row, actor)
        before = _summary(row)
        _move(session, row, S.APPROVED, actor, "second_approval_confirmed", now)
        notify_decision(session, row)
        _audit(session, actor, row, "application.second_approve", before, _summary(row), client_ip)
        result = _result(row, None)
    logger.info("User %s confirmed the second approval of %s", actor.user_id, number)
    return result


def decline(
    actor: Principal, number: str, reason_codes: tuple[str, ...], *, client_ip: str = "", now: dt.datetime | None = None
) -> DecisionResult:
    """Decline an application in review, or one waiting for a second approval, with reason codes.

    Declining a pending second approval needs the second-approval permission and a person other than the approver.

    Raises:
        InvalidInputError: No reason code, or an unknown one.
        PermissionDeniedError: The actor may not make this decision.
        ApplicationStateError: The application is in neither status.
    """
    _require(actor, Permission.APPLICATION_DECIDE)
    codes = tuple(dict.fromkeys(reason_codes))
    unknown = [code for code in codes if code not in DECLINE_REASONS]
    if not codes or unknown:
        raise InvalidInputError("staff.review.error.reasons", field="reasons", codes=",".join(unknown))
    now = now or utc_now()
    with session_scope() as session:
        row = _load(session, number)
        if _is_replay(session, row, actor, {S.DECLINED}) and row.decision_reason == ",".join(codes)[:64]:
            return _result(row, None, replayed=True)
        if row.status == S.PENDING_SECOND_APPROVAL:
            _check_checker(session, row, actor)
        elif row.status != S.IN_REVIEW:
            raise ApplicationStateError("staff.review.error.status", number=number, status=row.status)
        before = _summary(row)
        row.decision_reason = ",".join(codes)[:64]
        row.decided_at = now
        _move(session, row, S.DECLINED, actor, ",".join(codes), now)
        notify_decision(session, row)
        _audit(session, actor, row, "application.decline", before, {**_summary(row), "reasons": list(codes)}, client_ip)
        result = _result(row, None)
    logger.info("User %s declined application %s: %s", actor.user_id, number, ",".join(codes))
    return result


def request_documents(
    actor: Principal, number: str, document_types: tuple[str, ...], *, client_ip: str = "", now: dt.datetime | None = None
) -> DecisionResult:
    """Ask the borrower for more documents; the application moves to documents_requested.

    Raises:
        InvalidInputError: No document type, or an unknown one.
        PermissionDeniedError: The actor may not request documents.
        ApplicationStateError: The application is not in review.
    """
    _require(actor, Permission.DOCUMENTS_REQUEST)
    types = tuple(dict.fromkeys(document_types))
    unknown = [kind for kind in types if kind not in DOCUMENT_TYPES]
    if not types or unknown:
        raise InvalidInputError("staff.review.error.documents", field="documents", types=",".join(unknown))
    now = now or utc_now()
    with session_scope() as session:
        row = _load(session, number)
        last = _last_event(session, row.id)
        if _is_replay(session, row, actor, {S.DOCUMENTS_REQUESTED}) and last is not None and last.reason == ",".join(types):
            return _result(row, None, replayed=True)
        if row.status != S.IN_REVIEW:
            raise ApplicationStateError("staff.review.error.status", number=number, status=row.status)
        before = _summary(row)
        _move(session, row, S.DOCUMENTS_REQUESTED, actor, ",".join(types), now)
        notify_decision(session, row)
        _audit(session, actor, row, "application.request_documents", before, {**_summary(row), "documents": list(types)}, client_ip)
        result = _result(row, None)
    logger.info("User %s requested documents for application %s", actor.user_id, number)
    return result
