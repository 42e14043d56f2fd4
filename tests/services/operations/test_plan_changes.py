"""Plan changes: previews from the loan engine, the request and approval flow, and applying a new schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, Loan, LoanContract, LoanInstallment, Notification
from lendapp.services import daily_job, loans, plan_changes
from lendapp.services.auth_errors import InvalidCredentialsError, InvalidInputError, NotFoundError, PermissionDeniedError
from tests.services.accounts.helpers import PASSWORD
from tests.services.loans.helpers import book_test_loan
from tests.services.operations.helpers import borrower_principal, local_time, staff

pytestmark = pytest.mark.usefixtures("engine")

FIRST_DUE = dt.date(2026, 2, 15)
ON = dt.date(2026, 3, 1)
# 12,000 - 946.19 of row 1 repaid.
OUTSTANDING = Decimal("11053.81")


def _paid_first_row() -> tuple[int, int]:
    user_id, loan_id = book_test_loan()
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        loans.apply_repayment(session, loan, Decimal("1066.19"), FIRST_DUE, "pay-1", through=FIRST_DUE)
    return user_id, loan_id


def _rows(loan_id: int, version: int) -> list[LoanInstallment]:
    with session_scope() as session:
        query = sa.select(LoanInstallment).where(LoanInstallment.loan_id == loan_id, LoanInstallment.schedule_version == version)
        return list(session.execute(query.order_by(LoanInstallment.seq)).scalars())


def test_preview_deferral_adds_interest_only_rows() -> None:
    user_id, loan_id = _paid_first_row()
    preview = plan_changes.preview(borrower_principal(user_id), loan_id, "deferral", {"periods": "2"}, ON)
    assert preview.outstanding_principal == OUTSTANDING
    assert len(preview.rows) == 13
    # Two interest-only months at 1% of the outstanding principal, then the old installment.
    assert [(r.due_date, r.principal, r.interest) for r in preview.rows[:2]] == [
        (dt.date(2026, 3, 15), Decimal("0.00"), Decimal("110.54")), (dt.date(2026, 4, 15), Decimal("0.00"), Decimal("110.54"))]
    assert preview.rows[2].total == Decimal("1066.19")
    assert sum(r.principal for r in preview.rows) == OUTSTANDING
    assert preview.cost == preview.new_interest_and_fees - preview.remaining_cost_before
    assert preview.cost == Decimal("221.08")


def test_preview_partial_prepayment_reduce_term() -> None:
    user_id, loan_id = _paid_first_row()
    preview = plan_changes.preview(borrower_principal(user_id), loan_id, "partial_prepayment",
                                   {"amount": "3000", "mode": "reduce_term"}, ON)
    # 14 days of interest (50.88) come first; the rest repays principal.
    assert preview.principal_prepaid == Decimal("2949.12")
    assert sum(r.principal for r in preview.rows) == OUTSTANDING - Decimal("2949.12")
    assert len(preview.rows) == 8
    assert preview.cost < 0


def test_preview_rejects_bad_input_and_other_loans() -> None:
    user_id, loan_id = _paid_first_row()
    other_id, _ = book_test_loan("13900139000")
    with pytest.raises(InvalidInputError):
        plan_changes.preview(borrower_principal(user_id), loan_id, "deferral", {"periods": "0"}, ON)
    with pytest.raises(InvalidInputError):
        plan_changes.preview(borrower_principal(user_id), loan_id, "holiday", {}, ON)
    with pytest.raises(NotFoundError):
        plan_changes.preview(borrower_principal(other_id), loan_id, "deferral", {"periods": 1}, ON)


def test_borrower_extension_flow_applies_new_schedule() -> None:
    user_id, loan_id = _paid_first_row()
    borrower, approver = borrower_principal(user_id), staff("senior_approver")
    request = plan_changes.request_change(borrower, loan_id, "extension", {"extra_periods": 6}, on=ON)
    with pytest.raises(InvalidInputError):
        plan_changes.request_change(borrower, loan_id, "deferral", {"periods": 1}, on=ON)
    with pytest.raises(InvalidInputError):
        plan_changes.accept(borrower, request.id, PASSWORD, on=ON)
    approved = plan_changes.decide(approver, request.id, True, "hardship confirmed", on=ON)
    assert approved.status == "approved"
    assert not approved.signed
    with pytest.raises(InvalidCredentialsError):
        plan_changes.accept(borrower, request.id, "wrong password", on=ON)
    result = plan_changes.accept(borrower, request.id, PASSWORD, client_ip="10.0.0.8", user_agent="test", on=ON)
    assert result.status == "applied"
    assert result.signed
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        assert (loan.schedule_version, loan.state, loan.maturity_date) == (2, "active", dt.date(2027, 7, 15))
        assert loans.ledger_is_balanced(session)
        assert loans.balances_of(session, loan_id).principal == OUTSTANDING
    old, new = _rows(loan_id, 1), _rows(loan_id, 2)
    assert old[0].status == "paid"
    assert {r.status for r in old[1:]} == {"superseded"}
    assert len(new) == 17
    assert new[0].principal + new[0].interest == Decimal("710.30")
    assert sum(r.principal for r in new) == OUTSTANDING
    # Accepting again changes nothing.
    assert plan_changes.accept(borrower, request.id, PASSWORD, on=ON).status == "applied"
    assert len(_rows(loan_id, 3)) == 0
    with session_scope() as session:
        actions = set(session.execute(sa.select(AuditEntry.action).where(AuditEntry.action.startswith("plan_change"))).scalars())
        contract = session.execute(sa.select(LoanContract).where(LoanContract.kind == "plan_change")).scalar_one()
        templates = set(session.execute(sa.select(Notification.template)).scalars())
    assert actions == {"plan_change.request", "plan_change.approve", "plan_change.apply"}
    assert (contract.status, contract.signed_ip, contract.loan_id) == ("signed", "10.0.0.8", loan_id)
    assert {"plan_change_approved", "plan_change_applied"} <= templates


def test_hardship_on_overdue_loan_needs_interest_paid_first() -> None:
    user_id, loan_id = book_test_loan()
    daily_job.run_daily(FIRST_DUE, now=local_time(FIRST_DUE, 1), deliver=False)
    daily_job.catch_up(ON, now=local_time(ON, 1), deliver=False)
    collector, approver, borrower = staff("collector"), staff("senior_approver"), borrower_principal(user_id)
    proposal = plan_changes.propose_hardship(collector, loan_id, "deferral", {"periods": 3}, note="lost job", on=ON)
    assert proposal.preview["interest_due_first"] == "120.00"
    plan_changes.decide(approver, proposal.id, True, on=ON)
    with pytest.raises(InvalidInputError) as refused:
        plan_changes.accept(borrower, proposal.id, PASSWORD, on=ON)
    assert refused.value.key == "ops.plan.error.interest_first"
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        penalty = loans.position_of(session, loan, ON).dues.penalty
        loans.apply_repayment(session, loan, penalty + Decimal("120.00"), ON, "pay-arrears")
    plan_changes.accept(borrower, proposal.id, PASSWORD, on=ON)
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        assert (loan.state, loan.dpd, loan.dpd_bucket, loan.schedule_version) == ("active", 0, "M0", 2)
        assert loans.balances_of(session, loan_id).principal == Decimal("12000.00")
        assert loans.ledger_is_balanced(session)
    assert [r.principal for r in _rows(loan_id, 2)[:3]] == [Decimal("0.00")] * 3
    # The next day's job treats the new schedule as current.
    assert daily_job.run_daily(ON + dt.timedelta(days=1), deliver=False).status == "done"
    with session_scope() as session:
        assert session.get(Loan, loan_id).state == "active"


def test_partial_prepayment_applies_after_payment() -> None:
    user_id, loan_id = _paid_first_row()
    borrower = borrower_principal(user_id)
    request = plan_changes.request_change(borrower, loan_id, "partial_prepayment", {"amount": "3000.00"}, on=ON)
    plan_changes.decide(staff("senior_approver"), request.id, True, on=ON)
    assert plan_changes.accept(borrower, request.id, PASSWORD, on=ON).status == "approved"
    with pytest.raises(InvalidInputError):
        plan_changes.apply_prepayment(request.id, Decimal("2999.00"), "pp-1", on=ON)
    result = plan_changes.apply_prepayment(request.id, Decimal("3000.00"), "pp-1", on=ON)
    assert result.status == "applied"
    assert plan_changes.apply_prepayment(request.id, Decimal("3000.00"), "pp-1", on=ON).status == "applied"
    with session_scope() as session:
        balances = loans.balances_of(session, loan_id)
        assert balances.principal == OUTSTANDING - Decimal("2949.12")
        assert balances.interest == 0
        assert balances.credit == 0
        assert loans.ledger_is_balanced(session)
    new = _rows(loan_id, 2)
    assert len(new) == 11
    assert sum(r.principal for r in new) == OUTSTANDING - Decimal("2949.12")


def test_plan_change_permission_refusals() -> None:
    user_id, loan_id = _paid_first_row()
    collector, reviewer = staff("collector"), staff("reviewer")
    with pytest.raises(PermissionDeniedError):
        plan_changes.propose_hardship(reviewer, loan_id, "deferral", {"periods": 1}, on=ON)
    with pytest.raises(PermissionDeniedError):
        plan_changes.request_change(collector, loan_id, "deferral", {"periods": 1}, on=ON)
    with pytest.raises(InvalidInputError):
        plan_changes.propose_hardship(collector, loan_id, "partial_prepayment", {"amount": "100"}, on=ON)
    proposal = plan_changes.propose_hardship(collector, loan_id, "deferral", {"periods": 1}, on=ON)
    with pytest.raises(PermissionDeniedError):
        plan_changes.decide(collector, proposal.id, True)
    # Someone holding the approving role still cannot decide a request they made.
    same_person = borrower_principal(collector.user_id)
    same_person = type(same_person)(collector.user_id, "senior_approver", 0, "x", False, True)
    with pytest.raises(PermissionDeniedError):
        plan_changes.decide(same_person, proposal.id, True)
    other_borrower, _ = book_test_loan("13900139000")
    with pytest.raises(NotFoundError):
        plan_changes.accept(borrower_principal(other_borrower), proposal.id, PASSWORD, on=ON)
    assert [r.id for r in plan_changes.list_requests(collector)] == [proposal.id]
    assert plan_changes.list_requests(staff("senior_approver"))[0].kind == "deferral"
