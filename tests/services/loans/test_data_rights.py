"""Personal-data rights: the export archive and account deletion, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, BorrowerProfile, Loan, UserAccount
from lendapp.services import data_rights, loans, passwords
from lendapp.services.auth_errors import InvalidCredentialsError, InvalidInputError
from lendapp.services.consents import own_consents, record_consents
from lendapp.services.pii import save_bank_card, save_identity
from lendapp.services.sessions import Principal
from tests.services.accounts.helpers import PASSWORD, register
from tests.services.loans.helpers import book_test_loan

pytestmark = pytest.mark.usefixtures("engine")
ID_NUMBER = "11010519491231002X"
CARD = "6228480012345678903"  # A synthetic Luhn-valid card from tests/data/kyc_vectors.json.


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


def _borrower(user_id: int) -> Principal:
    return Principal(user_id, "borrower", 0, "138****8000", False, False)


def test_export_holds_own_records_with_numbers_masked() -> None:
    user_id, _ = book_test_loan()
    save_identity(user_id, "张三", ID_NUMBER)
    save_bank_card(user_id, CARD)
    name, data = data_rights.export_personal_data(_borrower(user_id))
    assert name.startswith("lendapp-data-")
    assert name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(data))
    text = "".join(archive.read(member).decode() for member in archive.namelist())
    assert ID_NUMBER not in text
    assert CARD not in text
    profile = json.loads(archive.read("profile.json"))
    assert profile["full_name"] == "张三"
    assert profile["id_number_masked"].endswith("002X")
    [loan] = json.loads(archive.read("loans.json"))
    assert loan["principal"] == "12000.00"
    assert len(loan["schedule"]) == 12
    with session_scope() as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "data_rights.export")).first() is not None


def test_deletion_is_refused_while_a_loan_is_open() -> None:
    user_id, _ = book_test_loan()
    with pytest.raises(InvalidInputError):
        data_rights.delete_account(_borrower(user_id), PASSWORD)
    with session_scope() as session:
        assert session.get(UserAccount, user_id).is_active


def test_deletion_wrong_password_changes_nothing() -> None:
    user_id = register("13800138001")
    with pytest.raises(InvalidCredentialsError):
        data_rights.delete_account(_borrower(user_id), "wrong password here")
    with session_scope() as session:
        assert session.get(UserAccount, user_id).phone_hash is not None


def test_deletion_keeps_loan_records_and_erases_the_rest() -> None:
    user_id, loan_id = book_test_loan()
    save_identity(user_id, "张三", ID_NUMBER)
    record_consents(user_id, {"third_party_data": True, "credit_bureau": True})
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        quote = loans.quote_payoff(session, loan, loan.start_date)
        loans.apply_repayment(session, loan, quote.total, loan.start_date, "payoff", payoff=quote)
    report = data_rights.delete_account(_borrower(user_id), PASSWORD)
    assert "data_rights.kept.loans" in report.kept
    assert "data_rights.erased.login" in report.erased
    with session_scope() as session:
        account = session.get(UserAccount, user_id)
        assert not account.is_active
        assert account.phone_enc is None
        assert account.login == f"deleted-{user_id}"
        assert session.get(Loan, loan_id) is not None
        assert session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).one().id_number_enc is not None
    states = {state.purpose: state.granted for state in own_consents(user_id)}
    assert states["third_party_data"] is False
    assert states["credit_bureau"] is True


def test_deletion_without_loans_erases_identity() -> None:
    user_id = register("13800138002")
    save_identity(user_id, "李四", ID_NUMBER)
    report = data_rights.delete_account(_borrower(user_id), PASSWORD)
    assert "data_rights.erased.identity" in report.erased
    with session_scope() as session:
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).one()
        assert profile.id_number_enc is None
        assert profile.full_name_enc is None
