"""The review queue and staff decisions in the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, AuditEntry, LoanApplication, LoanProduct
from lendapp.domain.apr import to_percent
from lendapp.services import passwords, review_decisions, review_queue
from lendapp.services.applications_lifecycle import ApplicationStateError
from lendapp.services.audit import verify_chain
from lendapp.services.applications_views import CONTACT_PHONE_COLUMN, FULL_NAME_COLUMN, ID_NUMBER_COLUMN
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.integrations.crypto import phone_hash
from lendapp.services.pii import encrypt, id_number_hash
from lendapp.services.review_decisions import Offer
from lendapp.services.review_queue import QueueFilter
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import register

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    """Each test counts its own queue; the service caches counts for a few seconds."""
    review_queue.clear_counts_cache()


@pytest.fixture
def product(engine: sa.Engine) -> str:
    with session_scope(engine) as session:
        session.add(LoanProduct(**DEMO_PRODUCTS[0]))
    return DEMO_PRODUCTS[0]["code"]


@pytest.fixture
def borrower(engine: sa.Engine) -> int:
    return register("13800138000")


def _staff(role: str, phone: str) -> Principal:
    credentials = create_staff(None, role=role, name=f"{role} {phone[-4:]}", phone=phone)
    return Principal(credentials.user_id, role, 0, role, False, True)


@pytest.fixture
def reviewer(engine: sa.Engine) -> Principal:
    return _staff("reviewer", "13900139001")


@pytest.fixture
def second_reviewer(engine: sa.Engine) -> Principal:
    return _staff("reviewer", "13900139002")


@pytest.fixture
def senior(engine: sa.Engine) -> Principal:
    return _staff("senior_approver", "13900139003")


def _application(borrower: int, product: str, index: int, amount: str = "20000", score: int | None = 560, status: str = "in_review") -> str:
    number = f"LA-20261201-{index:06d}"
    with session_scope() as session:
        row = LoanApplication(
            number=number, borrower_id=borrower, status=status, step=7, product_code=product, segment="consumer",
            amount=Decimal(amount), term=12, method="equal_installment", annual_rate=Decimal("0.12"),
            score=score, pd=0.05, submitted_at=START + dt.timedelta(minutes=index),
        )
        session.add(row)
    return number


def _audit_actions(number: str) -> list[str]:
    with session_scope() as session:
        row_id = session.execute(sa.select(LoanApplication.id).where(LoanApplication.number == number)).scalar_one()
        return list(session.execute(
            sa.select(AuditEntry.action).where(AuditEntry.object_type == "loan_application", AuditEntry.object_id == str(row_id)).order_by(AuditEntry.sequence)
        ).scalars())


def _statuses(number: str) -> list[str]:
    with session_scope() as session:
        row_id = session.execute(sa.select(LoanApplication.id).where(LoanApplication.number == number)).scalar_one()
        return list(session.execute(
            sa.select(ApplicationStatusEvent.to_status).where(ApplicationStatusEvent.application_id == row_id).order_by(ApplicationStatusEvent.id)
        ).scalars())


def test_queue_pages_by_submission_time(borrower: int, product: str, reviewer: Principal) -> None:
    numbers = [_application(borrower, product, index) for index in range(1, 6)]

    first = review_queue.list_queue(reviewer, page_size=2)
    second = review_queue.list_queue(reviewer, cursor=first.next_cursor, page_size=2)
    third = review_queue.list_queue(reviewer, cursor=second.next_cursor, page_size=2)

    assert [row.number for row in first.rows] == numbers[:2]
    assert [row.number for row in second.rows] == numbers[2:4]
    assert [row.number for row in third.rows] == numbers[4:]
    assert third.next_cursor is None


def test_queue_newest_first(borrower: int, product: str, reviewer: Principal) -> None:
    numbers = [_application(borrower, product, index) for index in range(1, 4)]

    first = review_queue.list_queue(reviewer, QueueFilter(newest_first=True), page_size=2)
    rest = review_queue.list_queue(reviewer, QueueFilter(newest_first=True), cursor=first.next_cursor, page_size=2)

    assert [row.number for row in first.rows + rest.rows] == numbers[::-1]


def test_queue_filters_and_counts(borrower: int, product: str, reviewer: Principal) -> None:
    high = _application(borrower, product, 1, score=600)
    low = _application(borrower, product, 2, score=500)
    waiting = _application(borrower, product, 3, status="documents_requested")
    _application(borrower, product, 4, status="draft")

    page = review_queue.list_queue(reviewer)
    assert {row.number for row in page.rows} == {high, low, waiting}
    assert page.counts == {"in_review": 2, "documents_requested": 1, "pending_second_approval": 0}
    assert [row.number for row in review_queue.list_queue(reviewer, QueueFilter(score_band="high")).rows] == [high]
    assert [row.number for row in review_queue.list_queue(reviewer, QueueFilter(score_band="low")).rows] == [low]
    assert [row.number for row in review_queue.list_queue(reviewer, QueueFilter(status="documents_requested")).rows] == [waiting]
    assert review_queue.list_queue(reviewer, QueueFilter(product_code="other")).rows == ()
    with pytest.raises(InvalidInputError):
        review_queue.list_queue(reviewer, QueueFilter(status="draft"))


def test_queue_denied_to_borrower_role(borrower: int) -> None:
    with pytest.raises(PermissionDeniedError):
        review_queue.list_queue(Principal(borrower, "borrower", 0, "b", False, False))


def test_claim_and_assign(borrower: int, product: str, reviewer: Principal, second_reviewer: Principal) -> None:
    first = _application(borrower, product, 1)
    second = _application(borrower, product, 2)

    review_queue.claim(reviewer, first)
    review_queue.claim(reviewer, first)
    with pytest.raises(InvalidInputError):
        review_queue.claim(second_reviewer, first)
    review_queue.assign(reviewer, second, second_reviewer.user_id)

    mine = review_queue.list_queue(reviewer, QueueFilter(assignee_id=reviewer.user_id))
    theirs = review_queue.list_queue(reviewer, QueueFilter(assignee_id=second_reviewer.user_id))
    assert [row.number for row in mine.rows] == [first]
    assert mine.rows[0].assignee_name != ""
    assert [row.number for row in theirs.rows] == [second]
    assert _audit_actions(first) == ["application.assign"]

    review_queue.assign(reviewer, second, None)
    unassigned = review_queue.list_queue(reviewer, QueueFilter(unassigned=True))
    assert [row.number for row in unassigned.rows] == [second]


def test_approve_as_requested(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    result = review_decisions.approve(reviewer, number)

    assert result.status == "approved"
    assert result.apr is not None
    assert _statuses(number) == ["approved"]
    assert _audit_actions(number) == ["application.approve"]


def test_approve_twice_changes_nothing(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    review_decisions.approve(reviewer, number)
    again = review_decisions.approve(reviewer, number)

    assert again.replayed
    assert _statuses(number) == ["approved"]
    assert _audit_actions(number) == ["application.approve"]


def test_counter_offer_repriced(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    result = review_decisions.approve(reviewer, number, Offer(Decimal("15000"), 24, Decimal("0.10")))

    assert result.amount == Decimal("15000")
    assert result.term == 24
    assert result.apr is not None
    assert to_percent(result.apr) == Decimal("10.00")
    assert _audit_actions(number) == ["application.counter_offer"]


def test_counter_offer_over_cap_rejected(engine: sa.Engine, borrower: int, reviewer: Principal) -> None:
    with session_scope(engine) as session:
        session.add(LoanProduct(**{**DEMO_PRODUCTS[0], "code": "test_high_rate", "max_annual_rate": Decimal("0.36")}))
    number = _application(borrower, "test_high_rate", 1)

    with pytest.raises(InvalidInputError) as caught:
        review_decisions.approve(reviewer, number, Offer(Decimal("20000"), 12, Decimal("0.30")))

    assert caught.value.key == "staff.review.error.offer_over_cap"
    assert _statuses(number) == []


def test_counter_offer_outside_range_rejected(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    with pytest.raises(InvalidInputError) as caught:
        review_decisions.approve(reviewer, number, Offer(Decimal("999999"), 12, Decimal("0.10")))

    assert caught.value.field == "amount"


def test_large_approval_needs_second_person(borrower: int, product: str, reviewer: Principal, second_reviewer: Principal, senior: Principal) -> None:
    number = _application(borrower, product, 1, amount="80000")

    first = review_decisions.approve(reviewer, number)
    assert first.status == "pending_second_approval"
    assert [row.number for row in review_queue.list_queue(reviewer, QueueFilter(status="pending_second_approval")).rows] == [number]

    with pytest.raises(PermissionDeniedError):
        review_decisions.confirm_second_approval(second_reviewer, number)
    confirmed = review_decisions.confirm_second_approval(senior, number)
    replay = review_decisions.confirm_second_approval(senior, number)

    assert confirmed.status == "approved"
    assert replay.replayed
    assert _statuses(number) == ["approved", "pending_second_approval", "approved"]
    assert _audit_actions(number) == ["application.approve", "application.second_approve"]


def test_senior_cannot_confirm_own_approval(borrower: int, product: str, senior: Principal) -> None:
    number = _application(borrower, product, 1, amount="80000")
    review_decisions.approve(senior, number)

    with pytest.raises(PermissionDeniedError):
        review_decisions.confirm_second_approval(senior, number)
    with pytest.raises(PermissionDeniedError):
        review_decisions.decline(senior, number, ("other",))


def test_threshold_is_configurable(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1, amount="20000")

    result = review_decisions.approve(reviewer, number, policy=review_decisions.ReviewPolicy(Decimal("10000")))

    assert result.status == "pending_second_approval"


def test_decline_with_reasons(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    with pytest.raises(InvalidInputError):
        review_decisions.decline(reviewer, number, ())
    with pytest.raises(InvalidInputError):
        review_decisions.decline(reviewer, number, ("not_a_reason",))
    result = review_decisions.decline(reviewer, number, ("high_debt_burden", "insufficient_income"))
    again = review_decisions.decline(reviewer, number, ("high_debt_burden", "insufficient_income"))

    assert result.status == "declined"
    assert again.replayed
    with session_scope() as session:
        entry = session.execute(sa.select(AuditEntry).where(AuditEntry.action == "application.decline")).scalar_one()
    assert json.loads(entry.after)["reasons"] == ["high_debt_burden", "insufficient_income"]
    with pytest.raises(ApplicationStateError):
        review_decisions.approve(reviewer, number)


def test_request_documents_then_decided(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    result = review_decisions.request_documents(reviewer, number, ("income_proof",))
    again = review_decisions.request_documents(reviewer, number, ("income_proof",))

    assert result.status == "documents_requested"
    assert again.replayed
    assert _audit_actions(number) == ["application.request_documents"]
    with pytest.raises(ApplicationStateError):
        review_decisions.approve(reviewer, number)


def test_audit_chain_intact_after_review(engine: sa.Engine, borrower: int, product: str, reviewer: Principal, senior: Principal) -> None:
    number = _application(borrower, product, 1, amount="80000")
    review_queue.claim(reviewer, number)
    review_decisions.approve(reviewer, number)
    review_decisions.confirm_second_approval(senior, number)

    assert verify_chain(engine).ok


def test_detail_masks_personal_data(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)
    with session_scope() as session:
        row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one()
        row.full_name_enc = encrypt("张三", FULL_NAME_COLUMN)
        row.id_number_enc = encrypt("110101199003071030", ID_NUMBER_COLUMN)
        row.contact_phone_enc = encrypt("+8613800138000", CONTACT_PHONE_COLUMN)
        row.bank_card_last4 = "8903"
        row.reason_codes = json.dumps([{"staff_key": "risk.reason.staff.duration", "value": "24"}])
    review_decisions.request_documents(reviewer, number, ("income_proof",))

    detail = review_queue.review_detail(reviewer, number)

    assert detail.masked_name == "张*"
    assert detail.masked_id_number == "110***********1030"
    assert detail.masked_phone == "138****8000"
    assert detail.masked_bank_card == "**** 8903"
    assert detail.reasons[0].value == "24"
    assert [event.to_status for event in detail.history] == ["documents_requested"]
    assert "110101199003071030" not in repr(detail)


def test_detail_unknown_number(reviewer: Principal) -> None:
    with pytest.raises(NotFoundError):
        review_queue.review_detail(reviewer, "LA-20261201-999999")


def test_reveal_returns_full_value_audited(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)
    with session_scope() as session:
        row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one()
        row.id_number_enc = encrypt("110101199003071030", ID_NUMBER_COLUMN)

    value = review_queue.reveal_applicant_value(reviewer, number, "id_number", client_ip="127.0.0.1")

    assert value == "110101199003071030"
    with session_scope() as session:
        entries = session.execute(sa.select(AuditEntry).where(AuditEntry.action == "pii.reveal")).scalars().all()
    assert len(entries) == 1
    assert "110101199003071030" not in entries[0].after
    assert "id_number" in entries[0].after


def test_reveal_denied_without_permission(borrower: int, product: str) -> None:
    number = _application(borrower, product, 1)
    risk_manager = _staff("risk_manager", "13900139004")

    with pytest.raises(PermissionDeniedError):
        review_queue.reveal_applicant_value(risk_manager, number, "id_number")


def test_reveal_unknown_field_rejected(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    with pytest.raises(InvalidInputError):
        review_queue.reveal_applicant_value(reviewer, number, "password_hash")


def test_queue_search_channel_dates_and_fraud_filters(borrower: int, product: str, reviewer: Principal) -> None:
    flagged = _application(borrower, product, 21)
    plain = _application(borrower, product, 22)
    id_number, phone = "110101199003071030", "+8613912345678"
    with session_scope() as session:
        row = session.exec(sa.select(LoanApplication).where(LoanApplication.number == flagged)).scalars().one()
        row.rules_hit = json.dumps(["shared_device", "income_present"])
        row.channel = "h5"
        row.id_number_hash = id_number_hash(id_number)
        row.contact_phone_hash = phone_hash(phone)
    def numbers(flt: QueueFilter) -> list[str]:
        return [r.number for r in review_queue.list_queue(reviewer, flt).rows]
    assert numbers(QueueFilter(fraud_only=True)) == [flagged]
    assert numbers(QueueFilter(channel="h5")) == [flagged]
    assert numbers(QueueFilter(search=id_number)) == [flagged]
    assert numbers(QueueFilter(search="139 1234 5678")) == [flagged]
    assert numbers(QueueFilter(search=plain.lower())) == [plain]
    submitted = START.date()
    assert set(numbers(QueueFilter(submitted_from=submitted, submitted_to=submitted))) == {flagged, plain}
    assert numbers(QueueFilter(submitted_from=submitted + dt.timedelta(days=1))) == []


def test_assignment_is_stored_on_the_application(borrower: int, product: str, reviewer: Principal, second_reviewer: Principal) -> None:
    number = _application(borrower, product, 23)
    review_queue.claim(reviewer, number)
    assert [r.number for r in review_queue.list_queue(reviewer, QueueFilter(assignee_id=reviewer.user_id)).rows] == [number]
    review_queue.assign(reviewer, number, second_reviewer.user_id)
    with session_scope() as session:
        row = session.exec(sa.select(LoanApplication).where(LoanApplication.number == number)).scalars().one()
        assert row.assignee_id == second_reviewer.user_id and row.assigned_at is not None
    assert review_queue.list_queue(reviewer, QueueFilter(unassigned=True)).rows == ()


def test_waiting_statuses_match_the_partial_index() -> None:
    # The index predicate in the model (and migration 0008) must name exactly the statuses the queue lists.
    from lendapp.db.models.application import WAITING_STATUSES

    assert tuple(WAITING_STATUSES) == tuple(str(status) for status in review_queue.QUEUE_STATUSES)


@pytest.mark.parametrize("newest_first", [False, True])
def test_waiting_view_reads_the_partial_index(engine: sa.Engine, newest_first: bool) -> None:
    query, values = review_queue.queue_query(QueueFilter(newest_first=newest_first), None, review_queue.DEFAULT_PAGE_SIZE)
    compiled = query.params(**values).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # The test table is tiny, so the planner would rather scan it; forbid that to see whether the index is usable.
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
        else:
            # SQLite refuses INDEXED BY with "no query solution" when the index's WHERE does not cover the query's.
            forced = str(compiled).replace("FROM loan_application ", "FROM loan_application INDEXED BY ix_loan_application_waiting ", 1)
            plan = "\n".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {forced}"))
    assert "ix_loan_application_waiting" in plan, plan
    assert "TEMP B-TREE" not in plan.upper(), plan
    assert "Sort" not in plan.split("\n")[0], plan
