"""Borrower registration confirmed by an SMS code."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from lendapp.db.models import AuditEntry, BorrowerProfile, UserAccount
from lendapp.db.types import utc_now
from lendapp.services.auth import register_borrower, request_registration_code
from lendapp.services.auth_errors import CodeRejectedError, InvalidInputError
from lendapp.services.sms_codes import CodePurpose, issue_code
from tests.services.accounts.helpers import PASSWORD, latest_code, register, sign_in

PHONE = "13800138000"


def _accounts(engine: sa.Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(UserAccount)).one()


def test_register_creates_borrower(engine: sa.Engine) -> None:
    user_id = register(PHONE)

    with Session(engine) as session:
        user = session.get(UserAccount, user_id)
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).first()
        actions = session.exec(select(AuditEntry.action)).all()
    assert user.role == "borrower"
    assert user.display_name == "138****8000"
    assert user.password_hash.startswith("$argon2id$")
    assert profile is not None
    assert "account.register" in actions


def test_register_then_sign_in(engine: sa.Engine) -> None:
    user_id = register(PHONE)

    signed_in = sign_in("+86 138 0013 8000")

    assert signed_in.principal.user_id == user_id
    assert signed_in.principal.role == "borrower"


def test_register_rejects_registered_phone(engine: sa.Engine) -> None:
    register(PHONE)

    with pytest.raises(InvalidInputError) as raised:
        request_registration_code(PHONE, locale="zh-CN")
    assert raised.value.field == "phone"
    assert raised.value.key == "auth.error.phone_registered"


@pytest.mark.parametrize("phone", ["12345678901", "01012345678", "abc", ""])
def test_register_rejects_invalid_phone(engine: sa.Engine, phone: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        request_registration_code(phone, locale="zh-CN")
    assert raised.value.field == "phone"


@pytest.mark.parametrize(
    "password,confirm,field,key",
    [
        ("short1", "short1", "password", "auth.password.too_short"),
        ("1234567890", "1234567890", "password", "auth.password.only_digits"),
        ("+8613800138000", "+8613800138000", "password", "auth.password.equals_phone"),
        ("woaini1314", "woaini1314", "password", "auth.password.common"),
        (PASSWORD, PASSWORD + "x", "confirm", "auth.error.confirm_mismatch"),
    ],
)
def test_register_bad_password_writes_nothing(engine: sa.Engine, password: str, confirm: str, field: str, key: str) -> None:
    request_registration_code(PHONE, locale="zh-CN")
    code = latest_code(PHONE)

    with pytest.raises(InvalidInputError) as raised:
        register_borrower(PHONE, code, password, confirm)

    assert raised.value.field == field
    assert raised.value.key == key
    assert _accounts(engine) == 0
    # The code was not spent on the rejected form.
    assert register_borrower(PHONE, code, PASSWORD, PASSWORD).user_id > 0


def test_register_rejects_wrong_code(engine: sa.Engine) -> None:
    request_registration_code(PHONE, locale="zh-CN")
    wrong = "000000" if latest_code(PHONE) != "000000" else "111111"

    with pytest.raises(CodeRejectedError) as raised:
        register_borrower(PHONE, wrong, PASSWORD, PASSWORD)

    assert raised.value.key == "auth.error.code_wrong"
    assert raised.value.field == "code"
    assert _accounts(engine) == 0


def test_register_rejects_malformed_code(engine: sa.Engine) -> None:
    request_registration_code(PHONE, locale="zh-CN")

    with pytest.raises(InvalidInputError) as raised:
        register_borrower(PHONE, "12ab", PASSWORD, PASSWORD)

    assert raised.value.key == "auth.error.code_format"


def test_register_code_expires(engine: sa.Engine) -> None:
    start = utc_now()
    request_registration_code(PHONE, locale="zh-CN")
    code = latest_code(PHONE)

    with pytest.raises(CodeRejectedError) as raised:
        register_borrower(PHONE, code, PASSWORD, PASSWORD, now=start + dt.timedelta(minutes=5, seconds=1))

    assert raised.value.key == "auth.error.code_expired"
    assert _accounts(engine) == 0


def test_register_code_single_use(engine: sa.Engine) -> None:
    request_registration_code(PHONE, locale="zh-CN")
    code = latest_code(PHONE)
    register_borrower(PHONE, code, PASSWORD, PASSWORD)

    with pytest.raises(InvalidInputError) as raised:
        register_borrower(PHONE, code, PASSWORD, PASSWORD)

    assert raised.value.key == "auth.error.phone_registered"
    assert _accounts(engine) == 1


def test_register_code_attempts_limited(engine: sa.Engine) -> None:
    request_registration_code(PHONE, locale="zh-CN")
    code = latest_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(CodeRejectedError):
            register_borrower(PHONE, wrong, PASSWORD, PASSWORD)

    with pytest.raises(CodeRejectedError) as raised:
        register_borrower(PHONE, code, PASSWORD, PASSWORD)

    assert raised.value.key == "auth.error.code_attempts"
    assert _accounts(engine) == 0


def test_register_new_code_voids_old(engine: sa.Engine) -> None:
    start = utc_now()
    request_registration_code(PHONE, locale="zh-CN")
    first = latest_code(PHONE)

    issue_code("+8613800138000", CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(minutes=2))
    second = latest_code(PHONE)

    if first != second:
        with pytest.raises(CodeRejectedError):
            register_borrower(PHONE, first, PASSWORD, PASSWORD, now=start + dt.timedelta(minutes=3))
    assert register_borrower(PHONE, second, PASSWORD, PASSWORD, now=start + dt.timedelta(minutes=3)).user_id > 0
