"""Personal data at rest: encryption, lookups, audited reveals and key rotation."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from lendapp.db.models import AuditEntry, BorrowerProfile, UserAccount
from lendapp.db.types import utc_now
from lendapp.integrations.crypto import key_id
from lendapp.integrations.sms import OUTBOX_PHONE_COLUMN
from lendapp.services.auth import change_password, sign_in_staff
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.auth_totp import begin_enrolment, confirm_enrolment
from lendapp.services.pii import (
    BANK_CARD_COLUMN,
    FULL_NAME_COLUMN,
    ID_NUMBER_COLUMN,
    PHONE_COLUMN,
    TOTP_PENDING_SECRET_COLUMN,
    TOTP_SECRET_COLUMN,
    PersonalField,
    find_borrower_by_id_number,
    own_profile,
    reveal_value,
    save_bank_card,
    save_identity,
)
from lendapp.services.pii_rotation import encrypted_columns, rotate_field_keys
from lendapp.services.staff import create_staff
from lendapp.settings import get_settings
from tests.services.accounts.helpers import register, sign_in, sign_in_as_staff

PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
CARD = "6222021234567890128"
NAME = "张三丰"


def _new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _use_keys(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", ",".join(keys))
    get_settings.cache_clear()


def _borrower_with_profile() -> int:
    user_id = register(PHONE)
    save_identity(user_id, NAME, ID_NUMBER)
    save_bank_card(user_id, CARD)
    return user_id


def _reviewer():
    credentials = create_staff(None, role="reviewer", name="Reviewer", phone="13900139000")
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, "quiet harbour 58 lamp", "quiet harbour 58 lamp")
    return sign_in_as_staff(credentials.login, "quiet harbour 58 lamp")


def _all_stored_text(engine: sa.Engine) -> str:
    parts = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)).all():
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_own_profile_masked(engine: sa.Engine) -> None:
    _borrower_with_profile()
    borrower = sign_in(PHONE)

    view = own_profile(borrower.principal)

    assert view.phone == "138****8000"
    assert view.full_name == "张**"
    assert view.id_number == "110***********002X"
    assert view.bank_card == "**** 0128"


def test_raw_database_has_no_plaintext(engine: sa.Engine) -> None:
    user_id = _borrower_with_profile()
    reviewer = _reviewer()
    reveal_value(reviewer.principal, user_id, PersonalField.ID_NUMBER)

    stored = _all_stored_text(engine)

    for secret in (PHONE, ID_NUMBER, CARD, NAME, "13900139000"):
        assert secret not in stored, secret
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database)
        raw = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
        for secret in (PHONE, ID_NUMBER, CARD, NAME, "13900139000"):
            assert secret.encode() not in raw, secret


def test_find_by_id_number_hash(engine: sa.Engine) -> None:
    user_id = _borrower_with_profile()

    assert find_borrower_by_id_number(ID_NUMBER.lower()) == user_id
    assert find_borrower_by_id_number("110101199003071030") is None


def test_id_number_used_once(engine: sa.Engine) -> None:
    _borrower_with_profile()
    other = register("13700137000")

    with pytest.raises(InvalidInputError) as raised:
        save_identity(other, "李四", ID_NUMBER)

    assert raised.value.key == "profile.error.id_number_taken"


@pytest.mark.parametrize("id_number", ["110105194912310021", "12345", "11010519491231002Y"])
def test_invalid_id_number_rejected(engine: sa.Engine, id_number: str) -> None:
    user_id = register(PHONE)

    with pytest.raises(InvalidInputError) as raised:
        save_identity(user_id, NAME, id_number)

    assert raised.value.field == "id_number"
    with Session(engine) as session:
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).one()
    assert profile.id_number_enc is None


@pytest.mark.parametrize("card", ["6222021234567890121", "1234", "62220212345678901236"])
def test_invalid_bank_card_rejected(engine: sa.Engine, card: str) -> None:
    user_id = register(PHONE)

    with pytest.raises(InvalidInputError) as raised:
        save_bank_card(user_id, card)

    assert raised.value.field == "bank_card"


def test_reveal_audited_without_value(engine: sa.Engine) -> None:
    user_id = _borrower_with_profile()
    reviewer = _reviewer()

    value = reveal_value(reviewer.principal, user_id, PersonalField.BANK_CARD, client_ip="10.0.0.8")

    assert value == CARD
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "pii.reveal")).one()
    assert entry.actor_id == reviewer.principal.user_id
    assert entry.object_id == str(user_id)
    assert entry.after == '{"field":"bank_card"}'
    assert entry.client_ip == "10.0.0.8"


def test_reveal_refused_to_borrower(engine: sa.Engine) -> None:
    user_id = _borrower_with_profile()
    borrower = sign_in(PHONE)

    with pytest.raises(PermissionDeniedError):
        reveal_value(borrower.principal, user_id, PersonalField.ID_NUMBER)


def test_reveal_refused_to_admin(engine: sa.Engine) -> None:
    user_id = _borrower_with_profile()
    credentials = create_staff(None, role="admin", name="Admin", phone="13900139000")
    admin = sign_in_as_staff(credentials.login, credentials.one_time_password)

    with pytest.raises(PermissionDeniedError):
        reveal_value(admin.principal, user_id, PersonalField.PHONE)


def test_reveal_missing_value(engine: sa.Engine) -> None:
    user_id = register(PHONE)
    reviewer = _reviewer()

    with pytest.raises(NotFoundError):
        reveal_value(reviewer.principal, user_id, PersonalField.ID_NUMBER)


def test_key_rotation_reencrypts(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key, new_key = _new_key(), _new_key()
    _use_keys(monkeypatch, old_key)
    user_id = _borrower_with_profile()

    _use_keys(monkeypatch, new_key, old_key)
    report = rotate_field_keys(batch_size=1)

    new_id = key_id(base64.urlsafe_b64decode(new_key))
    assert report.newest_key_id == new_id
    assert report.values_reencrypted == report.values_checked
    # Profile (3 values), account phone, and the SMS outbox message.
    assert report.values_checked == 5
    with Session(engine) as session:
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).one()
        user = session.get(UserAccount, user_id)
    for token in (profile.id_number_enc, profile.bank_card_enc, profile.full_name_enc, user.phone_enc):
        assert token.startswith(f"v1.{new_id}.")
    _use_keys(monkeypatch, new_key)
    assert own_profile(sign_in(PHONE).principal).id_number == "110***********002X"


def test_key_rotation_second_run_idle(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key, new_key = _new_key(), _new_key()
    _use_keys(monkeypatch, old_key)
    _borrower_with_profile()
    _use_keys(monkeypatch, new_key, old_key)
    rotate_field_keys()

    second = rotate_field_keys()

    assert second.values_reencrypted == 0


def test_rotation_finds_account_columns() -> None:
    names = {column for _, _, column in encrypted_columns()}

    assert {PHONE_COLUMN, TOTP_SECRET_COLUMN, TOTP_PENDING_SECRET_COLUMN, FULL_NAME_COLUMN, ID_NUMBER_COLUMN, BANK_CARD_COLUMN} <= names
    assert OUTBOX_PHONE_COLUMN in names


def test_key_rotation_covers_totp_secret(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key, new_key = _new_key(), _new_key()
    _use_keys(monkeypatch, old_key)
    credentials = create_staff(None, role="admin", name="Admin", phone="13900139000")
    admin = sign_in_as_staff(credentials.login, credentials.one_time_password)
    secret = begin_enrolment(admin.principal).secret
    confirm_enrolment(admin.principal, pyotp.TOTP(secret).now())

    _use_keys(monkeypatch, new_key, old_key)
    rotate_field_keys()
    _use_keys(monkeypatch, new_key)

    code = pyotp.TOTP(secret).at(utc_now() + dt.timedelta(seconds=30))
    assert sign_in_staff(credentials.login, credentials.one_time_password, code).user_id == credentials.user_id
