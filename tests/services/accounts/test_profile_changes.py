"""Changing a borrower's mobile number and payout card, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, BorrowerProfile, UserAccount
from lendapp.services import passwords, profile_changes
from lendapp.services.auth import sign_in_borrower
from lendapp.services.auth_errors import CodeRejectedError, InvalidCredentialsError, InvalidInputError
from lendapp.services.sessions import Principal
from tests.services.accounts.helpers import PASSWORD, latest_code, register

pytestmark = pytest.mark.usefixtures("engine")
CARD = "6228480012345678903"  # A synthetic Luhn-valid card from tests/data/kyc_vectors.json.


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


def _borrower(phone: str) -> Principal:
    return Principal(register(phone), "borrower", 0, "masked", False, False)


def test_new_number_signs_in_after_its_code() -> None:
    principal = _borrower("13800138000")
    profile_changes.request_phone_change(principal, "13900139000", PASSWORD, locale="zh-CN")
    masked = profile_changes.confirm_phone_change(principal, "13900139000", latest_code("13900139000"))
    assert masked.endswith("9000")
    assert sign_in_borrower("13900139000", PASSWORD).user_id == principal.user_id
    with pytest.raises(InvalidCredentialsError):
        sign_in_borrower("13800138000", PASSWORD)
    with session_scope() as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "profile.change_phone")).first() is not None


def test_wrong_password_or_code_changes_nothing() -> None:
    principal = _borrower("13800138000")
    with pytest.raises(InvalidCredentialsError):
        profile_changes.request_phone_change(principal, "13900139000", "wrong password", locale="zh-CN")
    profile_changes.request_phone_change(principal, "13900139000", PASSWORD, locale="zh-CN")
    with pytest.raises(CodeRejectedError):
        profile_changes.confirm_phone_change(principal, "13900139000", "000000")
    with session_scope() as session:
        login = session.get(UserAccount, principal.user_id).login
    assert sign_in_borrower("13800138000", PASSWORD).user_id == principal.user_id
    assert login


def test_phone_change_taken_number_rejected() -> None:
    principal = _borrower("13800138000")
    register("13900139000")
    with pytest.raises(InvalidInputError, match="profile.error.phone_taken"):
        profile_changes.request_phone_change(principal, "13900139000", PASSWORD, locale="zh-CN")


def test_new_card_passes_the_wizard_checks() -> None:
    principal = _borrower("13800138000")
    with pytest.raises(InvalidInputError):
        profile_changes.change_bank_card(principal, "6228480012345678904", PASSWORD)
    saved = profile_changes.change_bank_card(principal, CARD, PASSWORD)
    assert saved.masked_number.endswith("8903")
    assert CARD not in saved.masked_number
    with session_scope() as session:
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == principal.user_id)).one()
        assert profile.bank_card_hash is not None
        assert CARD not in (profile.bank_card_enc or "")
