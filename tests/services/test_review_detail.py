"""The review page's context: rules, linked applicants, borrower history, documents, notes and reason texts.

Runs on SQLite and PostgreSQL through the ``engine`` fixture.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationNote, AuditEntry, Loan, LoanApplication
from lendapp.integrations.crypto import phone_hash
from lendapp.services import documents, review_context, review_decisions, review_notes, review_queue
from lendapp.services.applications_views import FULL_NAME_COLUMN, ID_NUMBER_COLUMN
from lendapp.services.audit import verify_chain
from lendapp.services.auth import change_password
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.pii import encrypt, id_number_hash
from lendapp.services.review_context import LinkedApplication, RuleHit
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff
from lendapp.state.staff_review_rows import context_rows, history_reason_text, method_label, rule_text
from tests.services.accounts.helpers import register, sign_in, sign_in_as_staff
# The queue tests' fixtures: fast password hashing, a demo product, a borrower and a reviewer.
from tests.services.test_review import _staff, borrower, fast_password_hashing, product, reviewer  # noqa: F401

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
ID_NUMBER = "110101199003071030"
PHONE = "+8613912345678"
CARD_HASH = "c" * 64
DEVICE = "device-7f3a"
STAFF_PASSWORD = "quiet harbour 58 lamp"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n%test document\n"


@pytest.fixture
def other_borrower(engine: sa.Engine) -> int:
    return register("13800138001")


def _application(borrower: int, product: str, index: int, status: str = "in_review", submitted: bool = True, **values: object) -> str:
    number = f"LA-20261201-{index:06d}"
    with session_scope() as session:
        session.add(LoanApplication(
            number=number, borrower_id=borrower, status=status, step=7, product_code=product, segment="consumer",
            amount=Decimal("20000"), term=12, method="equal_installment", annual_rate=Decimal("0.12"), score=560, pd=0.05,
            submitted_at=START + dt.timedelta(minutes=index) if submitted else None, **values,
        ))
    return number


def _identifiers() -> dict[str, object]:
    return {
        "id_number_hash": id_number_hash(ID_NUMBER),
        "contact_phone_hash": phone_hash(PHONE),
        "bank_card_hash": CARD_HASH,
        "device_id": DEVICE,
        "full_name_enc": encrypt("李四", FULL_NAME_COLUMN),
        "id_number_enc": encrypt(ID_NUMBER, ID_NUMBER_COLUMN),
    }


def _application_id(number: str) -> int:
    with session_scope() as session:
        return session.execute(sa.select(LoanApplication.id).where(LoanApplication.number == number)).scalar_one()


def _audit_actions() -> list[str]:
    with session_scope() as session:
        return list(session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.sequence)).scalars())


# Rules hit and fraud flags.

def test_context_splits_policy_rules_and_fraud_flags(borrower: int, product: str, reviewer: Principal) -> None:
    rules = ["score_in_review_band", "velocity", "shared_device_id", "anomaly_score", "income_missing"]
    number = _application(borrower, product, 1, rules_hit=json.dumps(rules))

    context = review_context.review_context(reviewer, number)

    assert [hit.code for hit in context.policy_rules] == ["score_in_review_band", "income_missing"]
    assert [hit.message_key for hit in context.policy_rules] == ["risk.rule.score_in_review_band", "risk.rule.income_missing"]
    assert [hit.code for hit in context.fraud_flags] == ["velocity", "shared_device_id", "anomaly_score"]
    assert context.fraud_flags[1].message_key == "risk.fraud.shared_device_id"


def test_split_rules_tolerates_damaged_json() -> None:
    assert review_context.split_rules("not json") == ((), ())
    assert review_context.split_rules('{"velocity": 1}') == ((), ())
    assert review_context.split_rules("") == ((), ())


def test_rule_text_translates_or_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    assert rule_text(RuleHit("velocity", "risk.fraud.velocity"), "en") == "Many applications with one ID number in a short time"
    assert rule_text(RuleHit("income_missing", "risk.rule.income_missing"), "zh-CN") != "income_missing"

    with caplog.at_level(logging.WARNING, logger="lendapp.state.staff_review_rows"):
        text = rule_text(RuleHit("anomaly_score", "risk.fraud.anomaly_score"), "en")

    assert text == "anomaly_score"
    assert "risk.fraud.anomaly_score" in caplog.text


# Linked applicants.

def test_linked_applicants_share_identifiers(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 10, **_identifiers())
    by_id = _application(other_borrower, product, 11, id_number_hash=id_number_hash(ID_NUMBER))
    by_phone_and_device = _application(other_borrower, product, 12, contact_phone_hash=phone_hash(PHONE), device_id=DEVICE)
    by_card = _application(other_borrower, product, 13, status="declined", bank_card_hash=CARD_HASH)
    _application(other_borrower, product, 14, status="draft", submitted=False, bank_card_hash=CARD_HASH)
    _application(other_borrower, product, 15, device_id="another-device", id_number_hash=id_number_hash("11010119900307103X"))
    _application(borrower, product, 16, id_number_hash=id_number_hash(ID_NUMBER))

    linked = review_context.review_context(reviewer, number).linked

    assert [item.number for item in linked] == [by_card, by_phone_and_device, by_id]
    assert linked[0].shared == ("bank_card",)
    assert linked[0].status == "declined"
    assert linked[1].shared == ("contact_phone", "device")
    assert linked[2].shared == ("id_number",)
    assert linked[2].submitted_at == START + dt.timedelta(minutes=11)


def test_linked_applicants_carry_no_personal_data(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 20, **_identifiers())
    _application(other_borrower, product, 21, **_identifiers())

    linked = review_context.review_context(reviewer, number).linked

    assert len(linked) == 1
    assert [field.name for field in dataclasses.fields(LinkedApplication)] == ["number", "status", "shared", "submitted_at"]
    text = repr(linked)
    for secret in (ID_NUMBER, "李四", id_number_hash(ID_NUMBER), phone_hash(PHONE), CARD_HASH, DEVICE):
        assert secret not in text


def test_linked_applicants_limited_newest_first(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1, device_id=DEVICE)
    others = [_application(other_borrower, product, index, device_id=DEVICE) for index in range(2, 2 + review_context.MAX_LINKED + 3)]

    linked = review_context.review_context(reviewer, number).linked

    assert len(linked) == review_context.MAX_LINKED
    assert [item.number for item in linked] == others[::-1][: review_context.MAX_LINKED]


def test_no_linked_without_identifiers(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)
    _application(other_borrower, product, 2)

    assert review_context.review_context(reviewer, number).linked == ()


@pytest.mark.parametrize("column", [column for _, column in review_context.LINK_COLUMNS])
def test_linked_lookup_reads_its_index(engine: sa.Engine, column: str) -> None:
    query = review_context.linked_query(column, "value", 1)
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # The test table is tiny, so the planner would read it whole. Forbidding that shows whether an index can serve.
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
        else:
            plan = "\n".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))

    assert f"ix_loan_application_{column}" in plan, plan


# The borrower's previous loans and earlier applications.

def _loan(borrower: int, application_number: str, loan_number: str, state: str, max_dpd: int, disbursed: dt.datetime) -> None:
    with session_scope() as session:
        session.add(Loan(
            number=loan_number, application_id=_application_id(application_number), borrower_id=borrower, product_code="p",
            principal=Decimal("8000.00"), annual_rate=Decimal("0.12"), method="equal_installment", term=6, terms_json="{}",
            start_date=disbursed.date(), maturity_date=disbursed.date() + dt.timedelta(days=180), state=state, max_dpd=max_dpd,
            disbursed_at=disbursed,
        ))


def test_previous_loans_of_the_borrower(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    first = _application(borrower, product, 1, status="disbursed")
    second = _application(borrower, product, 2, status="disbursed")
    foreign = _application(other_borrower, product, 3, status="disbursed")
    number = _application(borrower, product, 4)
    _loan(borrower, first, "LN-20250101-000001", "settled", 12, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    _loan(borrower, second, "LN-20250601-000002", "overdue", 35, dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    _loan(other_borrower, foreign, "LN-20250701-000003", "active", 0, dt.datetime(2025, 7, 1, tzinfo=dt.UTC))

    loans = review_context.review_context(reviewer, number).previous_loans

    assert [loan.number for loan in loans] == ["LN-20250601-000002", "LN-20250101-000001"]
    assert loans[0].principal == Decimal("8000.00")
    assert loans[0].state == "overdue"
    assert loans[0].max_dpd == 35
    assert loans[1].disbursed_at == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_loan_of_this_application_not_listed(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1, status="disbursed")
    _loan(borrower, number, "LN-20261201-000001", "active", 0, START)

    assert review_context.review_context(reviewer, number).previous_loans == ()


def test_earlier_applications_with_outcome(borrower: int, other_borrower: int, product: str, reviewer: Principal) -> None:
    declined = _application(borrower, product, 1, status="declined", decision_reason="high_debt_burden,insufficient_income")
    approved = _application(borrower, product, 2, status="auto_approved", decision_reason="score_band")
    _application(borrower, product, 3, status="draft", submitted=False)
    _application(other_borrower, product, 4, status="declined")
    number = _application(borrower, product, 5)
    _application(borrower, product, 6, status="withdrawn")

    earlier = review_context.review_context(reviewer, number).earlier_applications

    assert [item.number for item in earlier] == [approved, declined]
    assert earlier[1].status == "declined"
    assert earlier[1].decision_reason == "high_debt_burden,insufficient_income"
    assert earlier[0].amount == Decimal("20000")


# Documents.

@pytest.fixture
def documents_application(borrower: int, product: str) -> tuple[str, int, int]:
    """An application waiting for documents with one PNG and one PDF, and the two document ids."""
    number = _application(borrower, product, 1, status="documents_requested")
    image = documents.store_document(borrower, number, "salary_statement", "payslip.png", PNG_BYTES)
    pdf = documents.store_document(borrower, number, "bank_statement", "statement.pdf", PDF_BYTES)
    return number, image.document_id, pdf.document_id


def test_context_lists_documents(documents_application: tuple[str, int, int], reviewer: Principal) -> None:
    number, image_id, pdf_id = documents_application

    listed = review_context.review_context(reviewer, number).documents

    assert [document.document_id for document in listed] == [image_id, pdf_id]
    assert [document.kind for document in listed] == ["salary_statement", "bank_statement"]
    assert [document.content_type for document in listed] == ["image/png", "application/pdf"]
    assert [document.size_bytes for document in listed] == [len(PNG_BYTES), len(PDF_BYTES)]


def test_removed_document_not_listed(documents_application: tuple[str, int, int], borrower: int, reviewer: Principal) -> None:
    number, image_id, pdf_id = documents_application
    documents.remove_document(borrower, number, image_id)

    listed = review_context.review_context(reviewer, number).documents

    assert [document.document_id for document in listed] == [pdf_id]
    with pytest.raises(NotFoundError):
        review_context.read_application_document(reviewer, number, image_id)


def test_read_document_audited(documents_application: tuple[str, int, int], reviewer: Principal) -> None:
    number, image_id, _ = documents_application

    content_type, data = review_context.read_application_document(reviewer, number, image_id, "127.0.0.1")

    assert content_type == "image/png"
    assert data == PNG_BYTES
    assert _audit_actions().count("document.read") == 1


def test_read_document_of_other_application_not_found(
    documents_application: tuple[str, int, int], other_borrower: int, product: str, reviewer: Principal
) -> None:
    _, image_id, _ = documents_application
    other = _application(other_borrower, product, 2)

    with pytest.raises(NotFoundError):
        review_context.read_application_document(reviewer, other, image_id)
    assert "document.read" not in _audit_actions()


@pytest.mark.parametrize("role", ["borrower", "risk_manager", "collector", "finance", "admin"])
def test_read_document_denied_without_detail_permission(documents_application: tuple[str, int, int], role: str) -> None:
    number, image_id, _ = documents_application
    actor = Principal(1, role, 0, role, False, True)

    with pytest.raises(PermissionDeniedError):
        review_context.read_application_document(actor, number, image_id)


def _client(token: str = "") -> TestClient:
    client = TestClient(build_api(), base_url="http://127.0.0.1", follow_redirects=False)
    if token:
        client.cookies.set(SESSION_COOKIE, token)
    return client


def _staff_token(role: str, phone: str) -> str:
    credentials = create_staff(None, role=role, name=role, phone=phone)
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, STAFF_PASSWORD, STAFF_PASSWORD)
    return sign_in_as_staff(credentials.login, STAFF_PASSWORD).token


def test_route_streams_document_inline(documents_application: tuple[str, int, int]) -> None:
    number, image_id, pdf_id = documents_application
    client = _client(_staff_token("reviewer", "13900139011"))

    image = client.get(f"/api/staff/applications/{number}/documents/{image_id}")
    pdf = client.get(f"/api/staff/applications/{number}/documents/{pdf_id}")

    assert image.status_code == 200
    assert image.content == PNG_BYTES
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"] == f'inline; filename="{number}-{image_id}.png"'
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["cache-control"] == "no-store"
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline;")


def test_route_serves_only_documents_of_that_application(
    documents_application: tuple[str, int, int], other_borrower: int, product: str
) -> None:
    _, image_id, _ = documents_application
    other = _application(other_borrower, product, 2)
    client = _client(_staff_token("reviewer", "13900139012"))

    for path in (
        f"/api/staff/applications/{other}/documents/{image_id}",
        f"/api/staff/applications/LA-20261201-999999/documents/{image_id}",
        "/api/staff/applications/LA-20261201-000001/documents/99999",
        "/api/staff/applications/la%22x/documents/1",
        "/api/staff/applications/LA-20261201-000001/documents/1x",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["cache-control"] == "no-store"


def test_route_denies_borrower_and_roles_without_detail(documents_application: tuple[str, int, int]) -> None:
    number, image_id, _ = documents_application
    path = f"/api/staff/applications/{number}/documents/{image_id}"

    assert _client().get(path).status_code == 401
    assert _client(sign_in("13800138000").token).get(path).status_code == 403
    assert _client(_staff_token("risk_manager", "13900139013")).get(path).status_code == 403
    assert _client(_staff_token("collector", "13900139014")).get(path).status_code == 403
    assert "document.read" not in _audit_actions()


# Notes.

def test_add_note_trimmed_and_audited(engine: sa.Engine, borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    view = review_notes.add_note(reviewer, number, "  Called the employer; income confirmed.  \n", client_ip="127.0.0.1")

    assert view.body == "Called the employer; income confirmed."
    assert view.author_name == "reviewer 9001"
    with session_scope() as session:
        stored = session.execute(sa.select(ApplicationNote)).scalar_one()
        entry = session.execute(sa.select(AuditEntry).where(AuditEntry.action == "application.note")).scalar_one()
    assert stored.body == view.body
    assert stored.author_id == reviewer.user_id
    assert json.loads(entry.after) == {"note_id": stored.id, "length": len(view.body)}
    assert "income confirmed" not in entry.after
    assert verify_chain(engine).ok


def test_notes_listed_newest_first_with_authors(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)
    senior = _staff("senior_approver", "13900139003")
    review_notes.add_note(reviewer, number, "first", now=START)
    review_notes.add_note(senior, number, "second", now=START + dt.timedelta(minutes=5))

    notes = review_notes.list_notes(reviewer, number)
    in_context = review_context.review_context(reviewer, number).notes

    assert [note.body for note in notes] == ["second", "first"]
    assert [note.author_name for note in notes] == ["senior_approver 9003", "reviewer 9001"]
    assert in_context == notes


@pytest.mark.parametrize("body,key", [
    ("", "staff.review_detail.error.note_empty"),
    (" \n\t ", "staff.review_detail.error.note_empty"),
    ("x" * (review_notes.MAX_NOTE_LENGTH + 1), "staff.review_detail.error.note_too_long"),
])
def test_add_note_rejects_bad_length(borrower: int, product: str, reviewer: Principal, body: str, key: str) -> None:
    number = _application(borrower, product, 1)

    with pytest.raises(InvalidInputError) as caught:
        review_notes.add_note(reviewer, number, body)

    assert caught.value.key == key
    assert review_notes.list_notes(reviewer, number) == ()


def test_add_note_accepts_maximum_length(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)

    view = review_notes.add_note(reviewer, number, " " + "字" * review_notes.MAX_NOTE_LENGTH + " ")

    assert len(view.body) == review_notes.MAX_NOTE_LENGTH


def test_note_errors_localized() -> None:
    from lendapp.i18n import translate

    for locale in ("zh-CN", "en"):
        assert str(review_notes.MAX_NOTE_LENGTH) in translate("staff.review_detail.error.note_too_long", locale, maximum=review_notes.MAX_NOTE_LENGTH)
        assert translate("staff.review_detail.error.note_empty", locale)


def test_notes_denied_without_permission(borrower: int, product: str) -> None:
    number = _application(borrower, product, 1)
    risk_manager = _staff("risk_manager", "13900139004")
    borrower_principal = Principal(borrower, "borrower", 0, "b", False, False)

    with pytest.raises(PermissionDeniedError):
        review_notes.add_note(risk_manager, number, "note")
    with pytest.raises(PermissionDeniedError):
        review_notes.add_note(borrower_principal, number, "note")
    with pytest.raises(PermissionDeniedError):
        review_notes.list_notes(borrower_principal, number)
    assert "application.note" not in _audit_actions()


def test_note_on_unsubmitted_application_not_found(borrower: int, product: str, reviewer: Principal) -> None:
    draft = _application(borrower, product, 1, status="draft", submitted=False)

    with pytest.raises(NotFoundError):
        review_notes.add_note(reviewer, draft, "note")
    with pytest.raises(NotFoundError):
        review_notes.add_note(reviewer, "LA-20261201-999999", "note")


# Permissions and lookups of the context as a whole.

@pytest.mark.parametrize("role", ["borrower", "risk_manager", "collector", "finance", "admin"])
def test_context_denied_without_detail_permission(borrower: int, product: str, role: str) -> None:
    number = _application(borrower, product, 1)

    with pytest.raises(PermissionDeniedError):
        review_context.review_context(Principal(borrower, role, 0, role, False, True), number)


def test_context_of_draft_not_found(borrower: int, product: str, reviewer: Principal) -> None:
    draft = _application(borrower, product, 1, status="draft", submitted=False)

    with pytest.raises(NotFoundError):
        review_context.review_context(reviewer, draft)


# Texts of stored codes.

@pytest.mark.parametrize("reason,status,english", [
    ("approved_as_requested", "approved", "Approved as requested"),
    ("counter_offer", "approved", "Approved with a counter-offer"),
    ("above_second_approval_amount", "pending_second_approval", "Amount above the second-approval threshold"),
    ("second_approval_confirmed", "approved", "Second approval confirmed"),
    ("offer_accepted", "offer_accepted", "The borrower accepted the offer"),
    ("contract_signed", "contract_signed", "The borrower signed the contract"),
    ("draft_expired", "expired", "The draft expired unchanged"),
    ("fraud_rule", "in_review", "A fraud rule applied; sent to manual review"),
    ("no_automated_decision", "in_review", "The borrower did not consent to automated decisions; sent to manual review"),
    ("score_in_review_band", "in_review", "The credit score is in the manual review band"),
    ("high_debt_burden,insufficient_income", "declined", "Debt burden too high, Income too low for the amount"),
    ("income_proof,bank_statement", "documents_requested", "Proof of income, Bank statement"),
    ("LN-20261201-000007", "disbursed", "Disbursed as loan LN-20261201-000007"),
    ("high_debt_burden,brand_new_code", "declined", "Debt burden too high, brand_new_code"),
    ("brand_new_code", "in_review", "brand_new_code"),
    ("", "submitted", ""),
])
def test_history_reason_text_english(reason: str, status: str, english: str) -> None:
    assert history_reason_text(reason, status, "en") == english


def test_history_reason_text_chinese() -> None:
    assert history_reason_text("high_debt_burden,insufficient_income", "declined", "zh-CN").count("、") == 1
    assert "LN-20261201-000007" in history_reason_text("LN-20261201-000007", "disbursed", "zh-CN")
    assert history_reason_text("counter_offer", "approved", "zh-CN") != "counter_offer"


def test_method_label_uses_catalog() -> None:
    assert method_label("equal_principal", "en") == "Equal principal"
    assert method_label("equal_installment", "zh-CN") != "equal_installment"
    assert method_label("future_method", "en") == "future_method"


def test_context_rows_from_database(documents_application: tuple[str, int, int], other_borrower: int, product: str, reviewer: Principal) -> None:
    number, image_id, pdf_id = documents_application
    with session_scope() as session:
        row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one()
        row.device_id = DEVICE
        row.rules_hit = json.dumps(["score_in_review_band", "velocity"])
    linked = _application(other_borrower, product, 2, device_id=DEVICE)
    review_notes.add_note(reviewer, number, "line one\nline two")

    rows = context_rows(review_context.review_context(reviewer, number), "en")

    assert [rule.text for rule in rows.policy_rules] == ["The credit score is in the manual review band"]
    assert [rule.code for rule in rows.fraud_flags] == ["velocity"]
    assert [(item.number, item.href, item.shared, item.status_label) for item in rows.linked] == [
        (linked, f"/staff/applications/{linked}", "Device", "In review"),
    ]
    assert [item.url for item in rows.documents] == [
        f"/api/staff/applications/{number}/documents/{image_id}",
        f"/api/staff/applications/{number}/documents/{pdf_id}",
    ]
    assert [item.is_image for item in rows.documents] == [True, False]
    assert rows.documents[0].kind_label == "Salary statement"
    assert rows.documents[0].size == "1 KB"
    assert [note.body for note in rows.notes] == ["line one\nline two"]


def test_history_from_decisions_translated(borrower: int, product: str, reviewer: Principal) -> None:
    number = _application(borrower, product, 1)
    review_decisions.decline(reviewer, number, ("poor_credit_history", "other"))

    history = review_queue.review_detail(reviewer, number).history

    assert [history_reason_text(event.reason, event.to_status, "en") for event in history] == ["Poor credit history, Other"]
