"""Disbursement (放款): finance records the bank transfer that pays out a signed loan.

Paying out books the loan: its schedule is fixed from the transfer date, the
installments are stored and the disbursement entry is posted, all in the
transaction that marks the application disbursed. Above
``DisbursementPolicy.second_confirmation_above`` the transfer waits until a
second finance person confirms it. A finance person never confirms their own record, and the
person who approved the application (first or second approval) may not record
or confirm its payout. The application row is locked and the disbursement row
is unique per application, so a repeated click or request pays out once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, Disbursement, Loan, LoanApplication, LoanContract
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services import loans, notifications
from lendapp.services.applications_lifecycle import ApplicationStateError, ApplicationStatus, check_transition
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.quotes import QuoteError, load_product_terms, offer_schedule
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

S = ApplicationStatus
OBJECT_TYPE = "disbursement"
BANK_REFERENCE_MAX = 64
# A transfer is recorded after it happens, and soon: a later date would start the schedule in the future,
# and an older one would make a new loan overdue at once.
TRANSFER_CLOCK_SKEW = dt.timedelta(minutes=5)
TRANSFER_MAX_AGE = dt.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class DisbursementPolicy:
    """Limits of payouts.

    Attributes:
        second_confirmation_above: Payouts of more than this many yuan need a second finance person.
    """

    second_confirmation_above: Decimal = Decimal("50000")


DEFAULT_DISBURSEMENT_POLICY = DisbursementPolicy()


@dataclasses.dataclass(frozen=True)
class DisbursementResult:
    """A disbursement after an action: its status and, once completed, the loan number."""

    application_number: str
    status: str
    amount: Decimal
    loan_number: str | None
    replayed: bool = False


@dataclasses.dataclass(frozen=True)
class PayoutItem:
    """One row of the finance worklist: a signed application to pay out or a payout to confirm."""

    application_number: str
    product_code: str
    principal: Decimal
    amount_to_pay: Decimal
    term: int
    status: str
    bank_reference: str
    recorded_by: int | None
    needs_second_confirmation: bool


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _load(session: Session, number: str) -> LoanApplication:
    row = session.execute(
        sa.select(LoanApplication).where(LoanApplication.number == number).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError("staff.payout.error.not_found", number=number)
    return row


def _approvers(session: Session, application_id: int) -> set[int]:
    rows = session.execute(
        sa.select(ApplicationStatusEvent.actor_id).where(
            ApplicationStatusEvent.application_id == application_id,
            ApplicationStatusEvent.to_status.in_([S.APPROVED, S.PENDING_SECOND_APPROVAL]),
        )
    ).scalars()
    return {actor for actor in rows if actor is not None}


def _check_not_approver(session: Session, row: LoanApplication, actor: Principal) -> None:
    if actor.user_id in _approvers(session, row.id):
        logger.warning("User %s tried to pay out application %s that they approved", actor.user_id, row.number)
        raise PermissionDeniedError("staff.payout.error.own_approval", number=row.number)


def _schedule_for(row: LoanApplication, start: dt.date):
    product = load_product_terms(row.product_code)
    if product is None or row.amount is None or row.term is None or row.annual_rate is None:
        raise InvalidInputError("staff.payout.error.terms", field="application", number=row.number)
    try:
        return offer_schedule(product, row.amount, row.term, row.method, row.annual_rate, start)
    except QuoteError as error:
        raise InvalidInputError("staff.payout.error.terms", field=error.field, number=row.number) from error


def _parse_reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > BANK_REFERENCE_MAX or not cleaned.isprintable():
        raise InvalidInputError("staff.payout.error.reference", field="bank_reference")
    return cleaned


def _complete(session: Session, row: LoanApplication, record: Disbursement, actor: Principal, now: dt.datetime) -> Loan:
    start = (record.transferred_at or now).astimezone(get_settings().timezone_info).date()
    schedule, rates = _schedule_for(row, start)
    loan = loans.book_loan(
        session,
        application_id=row.id,
        borrower_id=row.borrower_id,
        product_code=row.product_code,
        product_version=row.product_version,
        segment=row.segment,
        schedule=schedule,
        apr=rates.periodic_x_n,
        now=now,
    )
    record.loan_id = loan.id
    record.status = "completed"
    record.completed_at = now
    check_transition(row.status, S.DISBURSED)
    session.add(ApplicationStatusEvent(
        application_id=row.id, from_status=row.status, to_status=S.DISBURSED, actor_id=actor.user_id,
        actor_role=actor.role, reason=loan.number, created_at=now,
    ))
    row.status = S.DISBURSED
    row.updated_at = now
    # The signed contract now belongs to the loan, so the borrower finds it on the loan page.
    for contract in session.exec(select(LoanContract).where(LoanContract.application_id == row.id, LoanContract.status == "signed")).all():
        contract.loan_id = loan.id
    notifications.notify(
        session, row.borrower_id, "loan_disbursed",
        {"loan_number": loan.number, "amount": str(record.amount), "due_date": schedule.rows[0].due_date.isoformat()},
        loan_id=loan.id, dedupe_key=f"loan_disbursed:{loan.number}",
    )
    return loan


def _result(row: LoanApplication, record: Disbursement, session: Session, replayed: bool = False) -> DisbursementResult:
    loan_number = None
    if record.loan_id is not None:
        loan_number = session.get(Loan, record.loan_id).number
    return DisbursementResult(row.number, record.status, record.amount, loan_number, replayed)


def record_disbursement(
    actor: Principal,
    number: str,
    *,
    bank_reference: str,
    amount: Decimal,
    transferred_at: dt.datetime | None = None,
    client_ip: str = "",
    policy: DisbursementPolicy = DEFAULT_DISBURSEMENT_POLICY,
    now: dt.datetime | None = None,
) -> DisbursementResult:
    """Record the bank transfer that pays out a signed application.

    The amount must equal what the borrower receives (principal less a deducted
    service fee). At or below the policy's limit the loan is booked at once;
    above it the payout waits for a second finance person. Sending the same
    record again returns the current result and changes nothing.

    Raises:
        PermissionDeniedError: The actor may not disburse, or approved this application.
        NotFoundError: No application has that number.
        InvalidInputError: The reference is empty, the transfer time is in the future or more than 30 days
            ago, or the amount differs from the amount to pay.
        ApplicationStateError: The contract is not signed, or another payout is already recorded.
    """
    _require(actor, Permission.DISBURSEMENT)
    now = now or utc_now()
    reference = _parse_reference(bank_reference)
    if transferred_at is not None and not now - TRANSFER_MAX_AGE <= transferred_at <= now + TRANSFER_CLOCK_SKEW:
        raise InvalidInputError("staff.payout.error.transferred_at", field="transferred_at", days=TRANSFER_MAX_AGE.days)
    with session_scope() as session:
        row = _load(session, number)
        existing = session.exec(select(Disbursement).where(Disbursement.application_id == row.id)).first()
        if existing is not None:
            if existing.bank_reference == reference and existing.amount == amount:
                return _result(row, existing, session, replayed=True)
            raise ApplicationStateError("staff.payout.error.already_recorded", number=number, status=existing.status)
        if row.status != S.CONTRACT_SIGNED:
            raise ApplicationStateError("staff.payout.error.status", number=number, status=row.status)
        _check_not_approver(session, row, actor)
        schedule, _ = _schedule_for(row, (transferred_at or now).astimezone(get_settings().timezone_info).date())
        if amount != schedule.amount_received:
            raise InvalidInputError("staff.payout.error.amount", field="amount", expected=str(schedule.amount_received))
        record = Disbursement(
            application_id=row.id,
            amount=amount,
            bank_reference=reference,
            transferred_at=transferred_at or now,
            recorded_by=actor.user_id,
            created_at=now,
        )
        session.add(record)
        session.flush()
        if row.amount > policy.second_confirmation_above:
            action = "disbursement.record"
        else:
            _complete(session, row, record, actor, now)
            action = "disbursement.complete"
        record_audit(
            session, action=action, object_type=OBJECT_TYPE, object_id=record.id, actor_id=actor.user_id,
            actor_role=actor.role, before={"status": "contract_signed"},
            after={"status": record.status, "amount": str(amount), "application": row.number}, client_ip=client_ip,
        )
        result = _result(row, record, session)
    logger.info("User %s recorded the payout of %s: %s", actor.user_id, number, result.status)
    return result


def confirm_disbursement(actor: Principal, number: str, *, client_ip: str = "", now: dt.datetime | None = None) -> DisbursementResult:
    """Confirm a recorded payout as a second finance person and book the loan.

    Raises:
        PermissionDeniedError: The actor lacks the second confirmation, recorded the payout or approved the application.
        NotFoundError: No payout is recorded for that application.
    """
    _require(actor, Permission.PAYOUT_SECOND_CONFIRMATION)
    now = now or utc_now()
    with session_scope() as session:
        row = _load(session, number)
        record = session.exec(select(Disbursement).where(Disbursement.application_id == row.id)).first()
        if record is None:
            raise NotFoundError("staff.payout.error.not_found", number=number)
        if record.status == "completed":
            return _result(row, record, session, replayed=True)
        if record.recorded_by == actor.user_id:
            logger.warning("User %s tried to confirm their own payout of %s", actor.user_id, number)
            raise PermissionDeniedError("staff.payout.error.own_record", number=number)
        _check_not_approver(session, row, actor)
        record.confirmed_by = actor.user_id
        _complete(session, row, record, actor, now)
        record_audit(
            session, action="disbursement.confirm", object_type=OBJECT_TYPE, object_id=record.id,
            actor_id=actor.user_id, actor_role=actor.role, before={"status": "pending_confirmation"},
            after={"status": record.status, "application": row.number}, client_ip=client_ip,
        )
        result = _result(row, record, session)
    logger.info("User %s confirmed the payout of %s", actor.user_id, number)
    return result


def payout_worklist(actor: Principal, limit: int = 100) -> list[PayoutItem]:
    """Signed applications waiting for payout and payouts waiting for a second confirmation, oldest first."""
    _require(actor, Permission.DISBURSEMENT)
    policy = DEFAULT_DISBURSEMENT_POLICY
    with session_scope() as session:
        query = (
            sa.select(LoanApplication, Disbursement)
            .outerjoin(Disbursement, Disbursement.application_id == LoanApplication.id)
            .where(
                sa.or_(
                    sa.and_(LoanApplication.status == S.CONTRACT_SIGNED, Disbursement.id.is_(None)),
                    Disbursement.status == "pending_confirmation",
                )
            )
            .order_by(LoanApplication.updated_at, LoanApplication.id)
            .limit(limit)
        )
        items = []
        for row, record in session.execute(query):
            try:
                schedule, _ = _schedule_for(row, dt.datetime.now(get_settings().timezone_info).date())
                to_pay = schedule.amount_received
            except InvalidInputError:
                to_pay = row.amount
            items.append(PayoutItem(
                application_number=row.number,
                product_code=row.product_code,
                principal=row.amount,
                amount_to_pay=record.amount if record else to_pay,
                term=row.term,
                status=record.status if record else "to_pay",
                bank_reference=record.bank_reference if record else "",
                recorded_by=record.recorded_by if record else None,
                needs_second_confirmation=row.amount > policy.second_confirmation_above,
            ))
        return items
