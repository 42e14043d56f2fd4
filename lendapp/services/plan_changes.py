"""Changes to a loan's schedule: deferral, term extension and partial early repayment.

Flow: a borrower requests a change on an own loan, or a collector proposes a
hardship plan (deferral or extension). A senior approver (``SECOND_APPROVAL``)
who did not make the request approves or rejects it. The borrower then
confirms the new schedule by entering the account password. A deferral or
extension applies at once; a partial prepayment applies when its money
arrives, through ``apply_prepayment``.

Approval drafts a plan-change agreement (``contracts.draft_plan_change_agreement``)
with the new schedule, and the borrower confirms by signing it with the
account password (``contracts.sign_contract``, which records the time, client
address and user agent and throttles wrong passwords).

Applying a change stores the new schedule under the next ``schedule_version``,
marks the old unpaid rows ``superseded`` and rewrites ``Loan.terms_json``. An
overdue loan moves overdue -> restructured -> active. Interest already due
must be paid first, because the loan engine collects interest only through
the current schedule's rows. Penalty and fees already due stay receivable
and collectable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, Loan, LoanContract, LoanInstallment, PlanChangeRequest, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.allocation import allocate
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.loan_lifecycle import LoanState, reactivate, restructure
from lendapp.domain.money import ZERO
from lendapp.domain.permissions import Permission, has_permission
from lendapp.domain.postings import fee_charge_entry, interest_accrual_entry, repayment_entry
from lendapp.domain.prepayment import PrepaymentMode, prepay
from lendapp.domain.restructure import defer, extend
from lendapp.domain.schedule import Schedule
from lendapp.i18n import translate
from lendapp.services import contracts, loans, notifications
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.daily_job import business_date
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

KINDS = ("deferral", "extension", "partial_prepayment")
HARDSHIP_KINDS = ("deferral", "extension")
OPEN_STATUSES = ("requested", "approved")
# Senior approvers decide plan changes: a second person on a credit decision.
APPROVE_PERMISSION = Permission.SECOND_APPROVAL
OBJECT_TYPE = "plan_change_request"


@dataclasses.dataclass(frozen=True)
class PreviewRow:
    """One installment of a proposed schedule."""

    seq: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        """The installment amount."""
        return self.principal + self.interest + self.fee


@dataclasses.dataclass(frozen=True)
class PlanPreview:
    """A proposed schedule and what it costs against the current one.

    Attributes:
        cost: New interest and fees (plus, for a prepayment, its fee and the
            interest accrued to ``on``) less the interest and fees still to
            come under the current schedule. A negative cost is a saving.
        interest_due_first: Interest already due that must be paid before a
            deferral or extension applies.
        other_arrears: Penalty and fees already due, which stay receivable.
    """

    kind: str
    on: dt.date
    params: dict
    rows: tuple[PreviewRow, ...]
    outstanding_principal: Decimal
    remaining_cost_before: Decimal
    new_interest_and_fees: Decimal
    cost: Decimal
    interest_due_first: Decimal
    other_arrears: Decimal
    prepayment_fee: Decimal
    principal_prepaid: Decimal


@dataclasses.dataclass(frozen=True)
class RequestView:
    """A plan-change request as lists and pages show it."""

    id: int
    loan_id: int
    loan_number: str
    kind: str
    origin: str
    status: str
    params: dict
    preview: dict
    requested_by: int | None
    decided_by: int | None
    signed: bool
    created_at: dt.datetime


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


# --- Preview ---------------------------------------------------------------------------------


def _int_param(params: dict, name: str) -> int:
    try:
        return int(str(params.get(name, "")).strip())
    except ValueError:
        raise InvalidInputError("ops.plan.error.periods", field=name) from None


def _clean_params(kind: str, params: dict) -> dict:
    if kind not in KINDS:
        raise InvalidInputError("ops.plan.error.kind", field="kind", kind=kind)
    if kind == "deferral":
        return {"periods": _int_param(params, "periods")}
    if kind == "extension":
        return {"extra_periods": _int_param(params, "extra_periods")}
    mode = str(params.get("mode", PrepaymentMode.REDUCE_INSTALLMENT.value))
    if mode not in {m.value for m in PrepaymentMode}:
        raise InvalidInputError("ops.plan.error.mode", field="mode")
    try:
        amount = Decimal(str(params.get("amount", "")).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInputError("ops.plan.error.amount", field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise InvalidInputError("ops.plan.error.amount", field="amount")
    return {"amount": str(amount.quantize(Decimal("0.01"))), "mode": mode}


def _compute(session: Session, loan: Loan, kind: str, params: dict, on: dt.date):
    """Run the loan engine for a change; return (preview, new schedule, prepayment or None)."""
    if loan.state not in loans.OPEN_STATES:
        raise InvalidInputError("ops.plan.error.loan_closed", number=loan.number)
    schedule = loans.loan_schedule(loan)
    rows = loans.installments_of(session, loan)
    paid = loans.paid_to_date(rows)
    balances = loans.balances_of(session, loan.id)
    late_fees = loans.late_fees_due(balances, rows, on)
    prepayment = None
    try:
        if kind == "partial_prepayment":
            prepayment = prepay(schedule, on, Decimal(params["amount"]), PrepaymentMode(params["mode"]), paid, balances.penalty, late_fees)
            new_schedule = prepayment.schedule
            interest_first, other = ZERO, ZERO
        else:
            change = defer if kind == "deferral" else extend
            count = params["periods"] if kind == "deferral" else params["extra_periods"]
            restructuring = change(schedule, on, count, paid, balances.penalty, late_fees)
            new_schedule = restructuring.schedule
            interest_first = restructuring.arrears.overdue_interest + restructuring.arrears.current_interest
            other = restructuring.arrears.penalty + restructuring.arrears.fees
    except InvalidValueError as error:
        raise InvalidInputError("ops.plan.error.engine", field=error.field, detail=str(error.allowed)) from None
    before = sum((r.interest + r.fee for r in schedule.rows if r.due_date > on), ZERO)
    after = sum((r.interest + r.fee for r in new_schedule.rows), ZERO)
    extra = prepayment.prepayment_fee + prepayment.quote.accrued_interest if prepayment else ZERO
    preview = PlanPreview(
        kind=kind, on=on, params=params,
        rows=tuple(PreviewRow(r.number, r.due_date, r.principal, r.interest, r.fee) for r in new_schedule.rows),
        outstanding_principal=schedule.principal - paid.principal,
        remaining_cost_before=before, new_interest_and_fees=after, cost=after + extra - before,
        interest_due_first=interest_first, other_arrears=other,
        prepayment_fee=prepayment.prepayment_fee if prepayment else ZERO,
        principal_prepaid=prepayment.principal_prepaid if prepayment else ZERO,
    )
    return preview, new_schedule, prepayment


def _load_loan(session: Session, actor: Principal, loan_id: int) -> Loan:
    loan = session.get(Loan, int(loan_id))
    is_own = loan is not None and loan.borrower_id == actor.user_id and has_permission(actor.role, Permission.OWN_LOANS)
    if loan is None or not (is_own or has_permission(actor.role, Permission.LOANS_VIEW)):
        # A borrower asking about someone else's loan learns nothing about it.
        raise NotFoundError("ops.plan.error.not_found", loan=loan_id)
    return loan


def preview(actor: Principal, loan_id: int, kind: str, params: dict, on: dt.date | None = None) -> PlanPreview:
    """Compute a change's new schedule and cost on ``on`` without storing anything.

    Args:
        actor: The borrower of the loan, or staff with ``LOANS_VIEW``.
        loan_id: The loan.
        kind: deferral (``periods``), extension (``extra_periods``) or
            partial_prepayment (``amount`` in yuan, ``mode`` reduce_installment or reduce_term).
        params: The kind's parameters.
        on: Date of the change; today in ``settings.timezone`` by default.

    Raises:
        NotFoundError: No such loan, or not the borrower's own.
        InvalidInputError: Invalid parameters, or the loan engine rejects the change.
    """
    params = _clean_params(kind, params)
    with session_scope() as session:
        loan = _load_loan(session, actor, loan_id)
        return _compute(session, loan, kind, params, on or business_date())[0]


def preview_json(preview_value: PlanPreview) -> str:
    """Serialize a preview for ``PlanChangeRequest.preview_json``."""
    data = dataclasses.asdict(preview_value)
    return json.dumps(data, default=str, sort_keys=True)


# --- Requests and decisions ------------------------------------------------------------------


def _open_request_exists(session: Session, loan_id: int) -> bool:
    query = sa.select(PlanChangeRequest.id).where(PlanChangeRequest.loan_id == loan_id, PlanChangeRequest.status.in_(OPEN_STATUSES))
    return session.execute(query).first() is not None


def _create(actor: Principal, loan_id: int, kind: str, params: dict, origin: str, note: str, on: dt.date | None,
            client_ip: str, now: dt.datetime | None) -> RequestView:
    params = _clean_params(kind, params)
    now = now or utc_now()
    with session_scope() as session:
        loan = _load_loan(session, actor, loan_id)
        if _open_request_exists(session, loan.id):
            raise InvalidInputError("ops.plan.error.open_request", number=loan.number)
        result = _compute(session, loan, kind, params, on or business_date(now))[0]
        row = PlanChangeRequest(
            loan_id=loan.id, borrower_id=loan.borrower_id, kind=kind, origin=origin, params_json=json.dumps(params, sort_keys=True),
            preview_json=preview_json(result), requested_by=actor.user_id, decision_note=(note or "").strip()[:512], created_at=now,
        )
        session.add(row)
        session.flush()
        record_audit(session, action=f"plan_change.{'propose' if origin == 'collector' else 'request'}", object_type=OBJECT_TYPE,
                     object_id=row.id, actor_id=actor.user_id, actor_role=actor.role,
                     after={"loan_id": loan.id, "kind": kind, "params": params, "cost": str(result.cost)}, client_ip=client_ip)
        if origin == "collector":
            notifications.notify(session, loan.borrower_id, "plan_change_proposed", {"loan_number": loan.number, "kind": kind},
                                 loan_id=loan.id, dedupe_key=f"plan-{row.id}:proposed", now=now)
        logger.info("Plan change %s (%s) requested on loan %s by user %s", row.id, kind, loan.number, actor.user_id)
        return _view(row, loan.number, signed=False)


def request_change(actor: Principal, loan_id: int, kind: str, params: dict, *, on: dt.date | None = None,
                   client_ip: str = "", now: dt.datetime | None = None) -> RequestView:
    """Ask for a deferral, extension or partial prepayment of the borrower's own loan.

    Raises:
        PermissionDeniedError: The actor is not a borrower.
        NotFoundError: The loan is not the borrower's.
        InvalidInputError: Invalid parameters, the engine rejects them, or a request is already open.
    """
    _require(actor, Permission.OWN_LOANS)
    return _create(actor, loan_id, kind, params, "borrower", "", on, client_ip, now)


def propose_hardship(actor: Principal, loan_id: int, kind: str, params: dict, *, note: str = "", on: dt.date | None = None,
                     client_ip: str = "", now: dt.datetime | None = None) -> RequestView:
    """Propose a hardship plan (deferral or extension) for an overdue borrower, as a collector.

    Raises:
        PermissionDeniedError: The actor may not propose hardship plans.
        InvalidInputError: Not a deferral or extension, invalid parameters, or a request is already open.
    """
    _require(actor, Permission.HARDSHIP_PROPOSE)
    if kind not in HARDSHIP_KINDS:
        raise InvalidInputError("ops.plan.error.kind", field="kind", kind=kind)
    return _create(actor, loan_id, kind, params, "collector", note, on, client_ip, now)


def _load_request(session: Session, request_id: int) -> PlanChangeRequest:
    row = session.execute(sa.select(PlanChangeRequest).where(PlanChangeRequest.id == int(request_id)).with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFoundError("ops.plan.error.request_not_found", request=request_id)
    return row


def decide(actor: Principal, request_id: int, approve: bool, note: str = "", *, client_ip: str = "",
           on: dt.date | None = None, now: dt.datetime | None = None) -> RequestView:
    """Approve or reject a requested change; nobody decides a request they made.

    Approving drafts the plan-change agreement for the borrower to sign,
    with the schedule as the loan engine computes it on ``on`` (today by default).

    Raises:
        PermissionDeniedError: The actor is not a senior approver, or made the request.
        NotFoundError: No such request.
        InvalidInputError: The request is not waiting for a decision.
    """
    _require(actor, APPROVE_PERMISSION)
    now = now or utc_now()
    with session_scope() as session:
        row = _load_request(session, request_id)
        if row.requested_by == actor.user_id:
            raise PermissionDeniedError("ops.plan.error.own_request")
        target = "approved" if approve else "rejected"
        loan = session.get(Loan, row.loan_id)
        if row.status == target and row.decided_by == actor.user_id:
            return _view(row, loan.number, _is_signed_row(session, row))
        if row.status != "requested":
            raise InvalidInputError("ops.plan.error.status", status=row.status)
        row.status, row.decided_by, row.decided_at = target, actor.user_id, now
        row.decision_note = (note or row.decision_note or "").strip()[:512]
        if approve:
            row.contract_id = _draft_agreement(session, loan, row, on or business_date(now), now)
        record_audit(session, action=f"plan_change.{'approve' if approve else 'reject'}", object_type=OBJECT_TYPE, object_id=row.id,
                     actor_id=actor.user_id, actor_role=actor.role, before={"status": "requested"}, after={"status": target},
                     client_ip=client_ip)
        notifications.notify(session, row.borrower_id, f"plan_change_{target}", {"loan_number": loan.number, "kind": row.kind},
                             loan_id=loan.id, dedupe_key=f"plan-{row.id}:{target}", now=now)
        logger.info("Plan change %s %s by user %s", row.id, target, actor.user_id)
        return _view(row, loan.number, signed=False)


def _draft_agreement(session: Session, loan: Loan, row: PlanChangeRequest, on: dt.date, now: dt.datetime) -> int:
    """Store the agreement the borrower signs; return its contract id."""
    result, _, _ = _compute(session, loan, row.kind, json.loads(row.params_json), on)
    row.preview_json = preview_json(result)
    balance = result.outstanding_principal - result.principal_prepaid
    table = []
    for item in result.rows:
        balance -= item.principal
        table.append([item.seq, item.due_date.isoformat(), item.principal, item.interest, item.fee, item.total, balance])
    locale = notifications.borrower_locale(session, loan.borrower_id)
    view = contracts.draft_plan_change_agreement(
        session, loan, change_kind_label=translate(f"notify.kind.{row.kind}", locale), effective_date=on, rows=table,
        total_cost=result.cost, terms={"request_id": row.id, "kind": row.kind, "params": json.loads(row.params_json),
                                       "cost": str(result.cost), "on": on.isoformat()},
        locale=locale, now=now,
    )
    return view.contract_id


def _is_signed_row(session: Session, row: PlanChangeRequest) -> bool:
    if row.contract_id is None:
        return False
    return session.get(LoanContract, row.contract_id).status == "signed"


def accept(actor: Principal, request_id: int, password: str, *, client_ip: str = "", user_agent: str = "",
           on: dt.date | None = None, now: dt.datetime | None = None) -> RequestView:
    """Sign an approved change's agreement with the account password; a deferral or extension applies at once.

    Raises:
        PermissionDeniedError: The actor is not a borrower.
        NotFoundError: No such request for this borrower.
        InvalidInputError: The request is not approved, or interest already due must be paid first.
        InvalidCredentialsError, AccountLockedError: From ``contracts.sign_contract`` for a wrong password.
    """
    _require(actor, Permission.OWN_LOANS)
    now = now or utc_now()
    on = on or business_date(now)
    with session_scope() as session:
        row = _load_request(session, request_id)
        if row.borrower_id != actor.user_id:
            raise NotFoundError("ops.plan.error.request_not_found", request=request_id)
        loan = session.get(Loan, row.loan_id)
        if row.status == "applied":
            return _view(row, loan.number, True)
        if row.status != "approved" or row.contract_id is None:
            raise InvalidInputError("ops.plan.error.status", status=row.status)
        result = _compute(session, loan, row.kind, json.loads(row.params_json), on)[0]
        if result.interest_due_first > 0:
            raise InvalidInputError("ops.plan.error.interest_first", amount=str(result.interest_due_first))
        contract_id = row.contract_id
    # Signing commits on its own; a failure after it is retried by calling accept again.
    contracts.sign_contract(actor, contract_id, "password", password, client_ip=client_ip, user_agent=user_agent, now=now)
    with session_scope() as session:
        row = _load_request(session, request_id)
        loan = session.get(Loan, row.loan_id)
        if row.kind in HARDSHIP_KINDS and row.status == "approved":
            _, new_schedule, _ = _compute(session, loan, row.kind, json.loads(row.params_json), on)
            _apply_schedule(session, loan, row, new_schedule, on, now, actor)
        return _view(row, loan.number, True)


# --- Applying --------------------------------------------------------------------------------


def _store_new_schedule(session: Session, loan: Loan, schedule: Schedule, paid_through: dt.date | None) -> None:
    """Supersede the current rows (those due by ``paid_through`` become paid) and store the new version."""
    for row in loans.installments_of(session, loan):
        if row.status == "paid":
            continue
        if paid_through is not None and row.due_date <= paid_through:
            row.paid_principal, row.paid_interest, row.paid_fee = row.principal, row.interest, row.fee
            row.status = "paid"
        else:
            row.status = "superseded"
    loan.schedule_version += 1
    loan.terms_json = loans.schedule_to_json(schedule)
    loan.maturity_date = schedule.maturity_date
    for item in schedule.rows:
        session.add(LoanInstallment(loan_id=loan.id, schedule_version=loan.schedule_version, seq=item.number, due_date=item.due_date,
                                    principal=item.principal, interest=item.interest, fee=item.fee))
    session.flush()


def _apply_schedule(session: Session, loan: Loan, row: PlanChangeRequest, schedule: Schedule, on: dt.date,
                    now: dt.datetime, actor: Principal, paid_through: dt.date | None = None) -> None:
    before = {"state": loan.state, "schedule_version": loan.schedule_version, "dpd": loan.dpd}
    _store_new_schedule(session, loan, schedule, paid_through)
    if loan.state == LoanState.OVERDUE.value:
        changes = [restructure(LoanState.OVERDUE, actor.role, now, row.kind)]
        changes.append(reactivate(changes[0].to_state, actor.role, now, "new schedule in force"))
        loan.state = changes[-1].to_state.value
    loans.refresh_state(session, loan, on, now=now)
    row.status, row.applied_at = "applied", now
    record_audit(session, action="plan_change.apply", object_type="loan", object_id=loan.id, actor_id=actor.user_id or None,
                 actor_role=actor.role, before=before,
                 after={"state": loan.state, "schedule_version": loan.schedule_version, "request_id": row.id, "kind": row.kind})
    first = schedule.rows[0]
    notifications.notify(session, loan.borrower_id, "plan_change_applied",
                         {"loan_number": loan.number, "kind": row.kind, "effective_date": on.isoformat(),
                          "amount": str(first.principal + first.interest + first.fee), "due_date": first.due_date.isoformat()},
                         loan_id=loan.id, dedupe_key=f"plan-{row.id}:applied", now=now)
    logger.info("Plan change %s applied to loan %s: schedule version %s", row.id, loan.number, loan.schedule_version)


def apply_prepayment(request_id: int, amount: Decimal, key: str, *, on: dt.date | None = None,
                     now: dt.datetime | None = None) -> RequestView:
    """Apply a signed partial prepayment once its money is received, and post it.

    Args:
        request_id: An approved, signed partial_prepayment request.
        amount: Money received, in yuan; must equal the requested amount.
        key: Idempotency key of the payment; a second call with it changes nothing.
        on: Accounting date; today by default.
        now: Time of the change.

    Raises:
        NotFoundError: No such request.
        InvalidInputError: Not a signed partial prepayment, or the amount differs.
    """
    now = now or utc_now()
    on = on or business_date(now)
    system = Principal(user_id=0, role="system", session_id=0, display_name="", must_change_password=False, totp_enabled=False)
    with session_scope() as session:
        row = _load_request(session, request_id)
        loan = session.get(Loan, row.loan_id)
        if row.status == "applied" or session.execute(sa.select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)).first():
            return _view(row, loan.number, True)
        params = json.loads(row.params_json)
        if row.kind != "partial_prepayment" or row.status != "approved" or not _is_signed_row(session, row):
            raise InvalidInputError("ops.plan.error.status", status=row.status)
        if Decimal(amount) != Decimal(params["amount"]):
            raise InvalidInputError("ops.plan.error.amount_differs", field="amount", amount=params["amount"])
        _, new_schedule, prepayment = _compute(session, loan, row.kind, params, on)
        _post_prepayment(session, loan, prepayment, Decimal(amount), on, key)
        _apply_schedule(session, loan, row, new_schedule, on, now, system, paid_through=on)
        return _view(row, loan.number, True)


def _post_prepayment(session: Session, loan: Loan, prepayment, amount: Decimal, on: dt.date, key: str) -> None:
    """Book what the prepayment settles and post the repayment, as loans.apply_repayment does for a payment."""
    applied = prepayment.applied
    loans.accrue_due_rows(session, loan, on)
    receivable = loans.balances_of(session, loan.id)
    if applied.interest > receivable.interest:
        entry = interest_accrual_entry(f"{key}:accrual", str(loan.id), on, applied.interest - receivable.interest, loan.currency)
        loans.post_entry(session, loan.id, entry)
    if applied.fees > receivable.fees:
        entry = fee_charge_entry(f"{key}:fee", str(loan.id), on, applied.fees - receivable.fees, loan.currency)
        loans.post_entry(session, loan.id, entry)
    allocation = allocate(amount, applied)
    loans.post_entry(session, loan.id, repayment_entry(key, str(loan.id), on, allocation, loan.currency, "partial prepayment"))


# --- Lists -----------------------------------------------------------------------------------


def _view(row: PlanChangeRequest, loan_number: str, signed: bool) -> RequestView:
    return RequestView(row.id, row.loan_id, loan_number, row.kind, row.origin, row.status, json.loads(row.params_json),
                       json.loads(row.preview_json), row.requested_by, row.decided_by, signed, row.created_at)


def list_requests(actor: Principal, status: str = "requested", limit: int = 50) -> list[RequestView]:
    """Requests in ``status`` for approvers, or the collector's own proposals, newest first.

    Raises:
        PermissionDeniedError: The actor neither approves nor proposes plan changes.
    """
    if not (has_permission(actor.role, APPROVE_PERMISSION) or has_permission(actor.role, Permission.HARDSHIP_PROPOSE)):
        raise PermissionDeniedError("auth.error.forbidden")
    query = (
        sa.select(PlanChangeRequest, Loan.number).join(Loan, Loan.id == PlanChangeRequest.loan_id)
        .order_by(PlanChangeRequest.created_at.desc(), PlanChangeRequest.id.desc()).limit(max(1, min(limit, 100)))
    )
    if status:
        query = query.where(PlanChangeRequest.status == status)
    if not has_permission(actor.role, APPROVE_PERMISSION):
        query = query.where(PlanChangeRequest.requested_by == actor.user_id)
    with session_scope() as session:
        return [_view(row, number, _is_signed_row(session, row)) for row, number in session.execute(query).all()]


def own_requests(actor: Principal) -> list[RequestView]:
    """Return the borrower's own plan-change requests, newest first."""
    _require(actor, Permission.OWN_LOANS)
    query = (
        sa.select(PlanChangeRequest, Loan.number).join(Loan, Loan.id == PlanChangeRequest.loan_id)
        .where(PlanChangeRequest.borrower_id == actor.user_id)
        .order_by(PlanChangeRequest.created_at.desc(), PlanChangeRequest.id.desc()).limit(50)
    )
    with session_scope() as session:
        return [_view(row, number, _is_signed_row(session, row)) for row, number in session.execute(query).all()]
