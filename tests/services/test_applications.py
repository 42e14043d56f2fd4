"""Loan applications end to end in the service layer, on SQLite and PostgreSQL.

Drafts, resuming, the one-active rule, the amount policy, consents,
submission and scoring with a real model, documents and encryption at rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanApplication, LoanProduct
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services import applications, passwords
from lendapp.services.applications import BorrowerDetails, FormErrors, LoanChoice
from lendapp.services.applications_lifecycle import ApplicationStateError
from lendapp.services.consents import ConsentPurpose, own_consents, record_consents
from lendapp.services.documents import documents_dir, list_documents, store_document
from lendapp.services.scoring_service import MODEL_UNAVAILABLE, score_application
from lendapp.services.seed import DEMO_PRODUCTS
from tests.services.accounts.helpers import register

ID_NUMBER = "110101199003071030"
CARD = "6228480012345678903"
PHONE = "13800138000"
ADDRESS = "北京市东城区东华门街道 1 号"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ALL_CONSENTS = {purpose.value: True for purpose in ConsentPurpose}
REQUIRED_ONLY = {
    ConsentPurpose.SENSITIVE_PERSONAL_INFORMATION.value: True,
    ConsentPurpose.CREDIT_BUREAU.value: True,
    ConsentPurpose.THIRD_PARTY_DATA.value: False,
    ConsentPurpose.AUTOMATED_DECISION.value: False,
}


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash borrower passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    """A registry with one logistic scorecard, trained once per module on German Credit (about 5 s)."""
    frame, target, _ = load_german_credit(DATA_PATH)
    result = train(frame, target, kinds=(LOGISTIC,), n_jobs=1)
    model_registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    model_registry.register(result, file_sha256(DATA_PATH), activate=True)
    return model_registry


@pytest.fixture
def product(engine: sa.Engine) -> str:
    """The consumer demo product (1,000 to 200,000 yuan, 3 to 36 months, ages 22 to 55)."""
    with session_scope(engine) as session:
        session.add(LoanProduct(**DEMO_PRODUCTS[0]))
    return DEMO_PRODUCTS[0]["code"]


@pytest.fixture
def borrower(engine: sa.Engine) -> int:
    return register(PHONE)


def _choice(product: str, amount: str = "20000") -> LoanChoice:
    return LoanChoice(product_code=product, amount=Decimal(amount), term=12, method="equal_installment", purpose="consumption")


def _details(income: str = "12000") -> BorrowerDetails:
    return BorrowerDetails(
        contact_phone=PHONE, address=ADDRESS, employment_type="employed", employer="某某科技有限公司",
        monthly_income=Decimal(income), employment_months=36, housing="rent", residence_years=3, dependants=1,
    )


def _complete_draft(user_id: int, product: str) -> str:
    number = applications.open_draft(user_id).number
    applications.save_loan(user_id, number, _choice(product))
    applications.save_identity(user_id, number, "张三", ID_NUMBER)
    applications.save_details(user_id, number, _details())
    applications.save_bank_card(user_id, number, CARD)
    return number


def test_draft_number_format(borrower: int) -> None:
    view = applications.open_draft(borrower)

    assert view.status == "draft"
    assert view.number.startswith("LA-")
    assert len(view.number) == len("LA-20261204-000001")


def test_draft_resumes_same_application(borrower: int, product: str) -> None:
    first = applications.open_draft(borrower)
    applications.save_loan(borrower, first.number, _choice(product))

    again = applications.open_draft(borrower, _choice(product, "5000"))

    assert again.number == first.number
    assert again.amount == Decimal("20000")
    assert again.step == 2


def test_draft_prefill_from_calculator(borrower: int, product: str) -> None:
    view = applications.open_draft(borrower, _choice(product, "15000"))

    assert view.amount == Decimal("15000")
    assert view.product_code == product
    assert view.step == 2


def test_draft_prefill_out_of_range_ignored(borrower: int, product: str) -> None:
    view = applications.open_draft(borrower, _choice(product, "999999"))

    assert view.amount is None


def test_draft_expires_after_lifetime(borrower: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    first = applications.open_draft(borrower, now=start)

    later = applications.open_draft(borrower, now=start + dt.timedelta(days=31))

    assert later.number != first.number
    view, events = applications.own_application(borrower, first.number)
    assert view.status == "expired"
    assert [event.to_status for event in events] == ["draft", "expired"]


def test_expire_job_marks_old_drafts(borrower: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    applications.open_draft(borrower, now=start)

    assert applications.expire_stale_drafts(now=start + dt.timedelta(days=29)) == 0
    assert applications.expire_stale_drafts(now=start + dt.timedelta(days=31)) == 1


def test_draft_lifetime_from_settings(borrower: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from lendapp.settings import get_settings

    monkeypatch.setenv("APPLICATION_DRAFT_DAYS", "7")
    get_settings.cache_clear()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    applications.open_draft(borrower, now=start)

    assert applications.expire_stale_drafts(now=start + dt.timedelta(days=6)) == 0
    assert applications.expire_stale_drafts(now=start + dt.timedelta(days=8)) == 1


def test_loan_amount_above_product_range(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower).number

    with pytest.raises(FormErrors) as caught:
        applications.save_loan(borrower, number, _choice(product, "250000"))

    assert caught.value.errors["amount"][0] == "apply.error.amount.range"


def test_loan_amount_above_policy_cap(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower).number
    policy = applications.ApplicationPolicy(max_amount=Decimal("10000"))

    with pytest.raises(FormErrors) as caught:
        applications.save_loan(borrower, number, _choice(product, "20000"), policy=policy)

    assert caught.value.errors["amount"][0] == "apply.error.amount.above_cap"


def test_amount_above_income_share_rejected(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower).number
    applications.save_loan(borrower, number, _choice(product, "20000"))

    with pytest.raises(FormErrors) as caught:
        applications.save_details(borrower, number, _details(income="4000"))

    key, params = caught.value.errors["monthly_income"]
    assert key == "apply.error.amount.above_income_share"
    assert params == {"max_amount": "16,000"}
    assert applications.own_application(borrower, number)[0].monthly_income is None


def test_identity_derives_confirmation_fields(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower, _choice(product)).number

    view = applications.save_identity(borrower, number, " 张三 ", ID_NUMBER)

    assert view.masked_id_number == "110***********1030"
    assert view.masked_name == "张*"
    assert view.birth_date == dt.date(1990, 3, 7)
    assert view.sex == "male"
    assert (view.province, view.county) == ("北京市", "东城区")


def test_identity_bad_number_writes_nothing(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower, _choice(product)).number

    with pytest.raises(FormErrors) as caught:
        applications.save_identity(borrower, number, "张3", "11010119900307103X")

    assert caught.value.errors["id_number"][0] == "apply.error.id_number.check_character"
    assert caught.value.errors["full_name"][0] == "apply.error.full_name.invalid"
    assert not applications.own_application(borrower, number)[0].has_identity


def test_identity_product_age_limit(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower, _choice(product)).number

    with pytest.raises(FormErrors) as caught:
        applications.save_identity(borrower, number, "李四", "330106196001010014")

    assert caught.value.errors["id_number"] == ("apply.error.id_number.age_above", {"max_age": 55})


def test_one_active_application_per_id_number(engine: sa.Engine, borrower: int, product: str) -> None:
    _complete_draft(borrower, product)
    other = register("13900139001")
    number = applications.open_draft(other, _choice(product)).number

    with pytest.raises(FormErrors) as caught:
        applications.save_identity(other, number, "张三", ID_NUMBER)

    assert caught.value.errors["id_number"][0] == "apply.error.id_number.in_use"


def test_card_saved_masked_with_bank(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower).number

    saved = applications.save_bank_card(borrower, number, "6228 4800 1234 5678 903")

    assert saved.application.masked_bank_card == "**** 8903"
    assert saved.application.bank_name == "农业银行"
    assert saved.warning_key == ""


def test_card_unionpay_luhn_failure_warns(borrower: int) -> None:
    number = applications.open_draft(borrower).number

    saved = applications.save_bank_card(borrower, number, "6222020000000000001")

    assert saved.warning_key == "apply.warning.bank_card.unionpay_luhn"


def test_submit_requires_consents(borrower: int, product: str) -> None:
    number = _complete_draft(borrower, product)

    with pytest.raises(FormErrors) as caught:
        applications.submit(borrower, number)

    assert "consents" in caught.value.errors
    assert applications.own_application(borrower, number)[0].status == "draft"


def test_submit_requires_every_step(borrower: int, product: str) -> None:
    number = applications.open_draft(borrower, _choice(product)).number
    record_consents(borrower, ALL_CONSENTS)

    with pytest.raises(FormErrors) as caught:
        applications.submit(borrower, number)

    assert "steps" in caught.value.errors


def test_optional_consents_can_be_declined(borrower: int, product: str) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, REQUIRED_ONLY, client_ip="127.0.0.1")

    view = applications.submit(borrower, number, client_ip="127.0.0.1")

    assert view.status == "submitted"
    states = {state.purpose: state.granted for state in own_consents(borrower)}
    assert states == REQUIRED_ONLY


def test_submitted_draft_not_editable(borrower: int, product: str) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)

    with pytest.raises(ApplicationStateError):
        applications.save_loan(borrower, number, _choice(product))


def test_one_active_application_per_borrower(borrower: int, product: str) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)

    assert applications.open_draft(borrower).number == number


def test_submit_then_scored_by_model(borrower: int, product: str, registry: ModelRegistry) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)

    outcome = score_application(applications.application_id_of(number), registry)

    assert outcome.status in {"auto_approved", "in_review", "auto_declined"}
    assert outcome.score is not None
    view, events = applications.own_application(borrower, number)
    assert [event.to_status for event in events][:3] == ["draft", "submitted", "scoring"]
    assert events[-1].to_status == outcome.status
    assert view.decided_at is not None


def test_scoring_runs_once(borrower: int, product: str, registry: ModelRegistry) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)
    application_id = applications.application_id_of(number)

    score_application(application_id, registry)

    assert score_application(application_id, registry) is None


def test_declined_automated_decision_goes_to_review(borrower: int, product: str, registry: ModelRegistry) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, REQUIRED_ONLY)
    applications.submit(borrower, number)

    outcome = score_application(applications.application_id_of(number), registry)

    assert outcome.status == "in_review"
    assert outcome.reason == "no_automated_decision"


def test_no_model_goes_to_review(borrower: int, product: str, tmp_path: Path) -> None:
    number = _complete_draft(borrower, product)
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)

    outcome = score_application(applications.application_id_of(number), ModelRegistry(tmp_path / "empty"))

    assert (outcome.status, outcome.reason) == ("in_review", MODEL_UNAVAILABLE)


def test_personal_data_encrypted_at_rest(engine: sa.Engine, borrower: int, product: str) -> None:
    number = _complete_draft(borrower, product)
    store_document(borrower, number, "salary_statement", "工资.png", PNG)

    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM loan_application")).all()
        documents = connection.execute(sa.text("SELECT * FROM application_document")).all()
    raw = repr(rows) + repr(documents)
    for plaintext in (ID_NUMBER, CARD, ADDRESS, "张三", "+86" + PHONE, "某某科技", "工资.png"):
        assert plaintext not in raw
    assert "8903" in raw  # the last four digits are kept for display


def test_document_stored_encrypted(borrower: int) -> None:
    number = applications.open_draft(borrower).number

    view = store_document(borrower, number, "bank_statement", "statement.png", PNG)

    stored = list(documents_dir().iterdir())
    assert len(stored) == 1
    assert PNG not in stored[0].read_bytes()
    assert view.content_type == "image/png"


@pytest.mark.parametrize("filename", ["..", "../x", "../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "a/../../b.png"])
def test_document_name_never_a_path(borrower: int, filename: str) -> None:
    number = applications.open_draft(borrower).number

    view = store_document(borrower, number, "other", filename, PNG)

    assert "/" not in view.display_name
    assert "\\" not in view.display_name
    assert not view.display_name.startswith(".")
    assert [path.parent for path in documents_dir().iterdir()] == [documents_dir()]


@pytest.mark.parametrize(
    "data, key",
    [
        (b"MZ\x90\x00 not an image", "apply.error.document.type"),
        (b"<html><script>alert(1)</script>", "apply.error.document.type"),
        (b"", "apply.error.document.empty"),
    ],
)
def test_document_content_checked(borrower: int, data: bytes, key: str) -> None:
    number = applications.open_draft(borrower).number

    with pytest.raises(applications.InvalidInputError) as caught:
        store_document(borrower, number, "other", "photo.png", data)

    assert caught.value.key == key
    assert list_documents(borrower, number) == []


def test_document_size_and_count_limits(borrower: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from lendapp.services import documents

    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(documents, "MAX_FILES_PER_APPLICATION", 2)
    number = applications.open_draft(borrower).number

    with pytest.raises(applications.InvalidInputError) as too_large:
        store_document(borrower, number, "other", "big.png", PNG + b"\x00" * 100)
    store_document(borrower, number, "other", "1.png", PNG)
    store_document(borrower, number, "other", "2.png", PNG)
    with pytest.raises(applications.InvalidInputError) as too_many:
        store_document(borrower, number, "other", "3.png", PNG)

    assert too_large.value.key == "apply.error.document.too_large"
    assert too_many.value.key == "apply.error.document.too_many"


def test_document_other_borrower_not_found(borrower: int) -> None:
    number = applications.open_draft(borrower).number
    other = register("13900139002")

    with pytest.raises(applications.NotFoundError):
        store_document(other, number, "other", "x.png", PNG)
