"""Borrower sign-in: credentials, lockout, bcrypt re-hashing and long passwords."""

from __future__ import annotations

import datetime as dt

import bcrypt
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import SignInFailure, UserAccount
from lendapp.db.types import utc_now
from lendapp.services.auth import sign_in_borrower
from lendapp.services.auth_errors import AccountLockedError, InvalidCredentialsError, InvalidInputError
from tests.services.accounts.helpers import PASSWORD, register, sign_in

PHONE = "13800138000"


def _fail(phone: str = PHONE, client_ip: str = "127.0.0.1", now: dt.datetime | None = None) -> None:
    with pytest.raises(InvalidCredentialsError):
        sign_in_borrower(phone, "wrong password 1", client_ip=client_ip, now=now)


def test_sign_in_wrong_password(engine: sa.Engine) -> None:
    register(PHONE)

    with pytest.raises(InvalidCredentialsError) as raised:
        sign_in_borrower(PHONE, "wrong password 1")

    assert raised.value.key == "auth.error.credentials"


def test_sign_in_unknown_phone_same_error(engine: sa.Engine) -> None:
    with pytest.raises(InvalidCredentialsError) as raised:
        sign_in_borrower("13900139000", PASSWORD)

    assert raised.value.key == "auth.error.credentials"


def test_sign_in_rejects_malformed_phone(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInputError) as raised:
        sign_in_borrower("138", PASSWORD)

    assert raised.value.field == "phone"


def test_sign_in_inactive_account_refused(engine: sa.Engine) -> None:
    user_id = register(PHONE)
    with Session(engine) as session:
        session.get(UserAccount, user_id).is_active = False
        session.commit()

    with pytest.raises(InvalidCredentialsError):
        sign_in_borrower(PHONE, PASSWORD)


def test_lockout_after_five_failures(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    for attempt in range(4):
        _fail(now=start + dt.timedelta(minutes=attempt))

    with pytest.raises(AccountLockedError) as fifth:
        sign_in_borrower(PHONE, "wrong password 1", client_ip="127.0.0.1", now=start + dt.timedelta(minutes=4))
    with pytest.raises(AccountLockedError) as correct_while_locked:
        sign_in_borrower(PHONE, PASSWORD, client_ip="10.9.9.9", now=start + dt.timedelta(minutes=5))

    assert fifth.value.params["minutes"] == 15
    assert correct_while_locked.value.key == "auth.error.locked"
    assert correct_while_locked.value.params["minutes"] == 14


def test_lockout_lifts_after_15_minutes(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    for attempt in range(5):
        with pytest.raises((InvalidCredentialsError, AccountLockedError)):
            sign_in_borrower(PHONE, "wrong password 1", now=start + dt.timedelta(seconds=attempt))

    signed_in = sign_in(PHONE, now=start + dt.timedelta(minutes=15, seconds=5))

    assert signed_in.principal.role == "borrower"


def test_lockout_locks_client_address(engine: sa.Engine) -> None:
    register(PHONE)
    register("13900139000")
    start = utc_now()
    for attempt, phone in enumerate(["13700137000", "13600136000", "13500135000", "13400134000", "13300133000"]):
        with pytest.raises((InvalidCredentialsError, AccountLockedError)):
            sign_in_borrower(phone, "wrong password 1", client_ip="203.0.113.7", now=start + dt.timedelta(seconds=attempt))

    with pytest.raises(AccountLockedError):
        sign_in_borrower("13900139000", PASSWORD, client_ip="203.0.113.7", now=start + dt.timedelta(minutes=1))
    other_address = sign_in("13900139000", client_ip="203.0.113.8", now=start + dt.timedelta(minutes=1))

    assert other_address.principal.role == "borrower"


def test_failures_outside_window_forgotten(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    for attempt in range(4):
        _fail(now=start + dt.timedelta(minutes=attempt))

    # The fifth failure comes 16 minutes after the first: only 4 fall in the window.
    _fail(now=start + dt.timedelta(minutes=16, seconds=30))

    assert sign_in(PHONE, now=start + dt.timedelta(minutes=17)).principal.role == "borrower"


def test_success_clears_account_failures(engine: sa.Engine) -> None:
    register(PHONE)
    for _ in range(3):
        _fail(client_ip="198.51.100.1")

    sign_in(PHONE, client_ip="198.51.100.2")

    with Session(engine) as session:
        remaining = session.exec(select(SignInFailure)).all()
    # Only the address failures remain: one valid account must not reset an address counter.
    assert len(remaining) == 3


def test_bcrypt_hash_rehashed_at_sign_in(engine: sa.Engine) -> None:
    user_id = register(PHONE)
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    with Session(engine) as session:
        session.get(UserAccount, user_id).password_hash = legacy
        session.commit()

    sign_in(PHONE)

    with Session(engine) as session:
        stored = session.get(UserAccount, user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert sign_in(PHONE).principal.user_id == user_id


def test_long_bcrypt_password_rehashed(engine: sa.Engine) -> None:
    password = "长密码" * 10 + "abcdefghij"
    user_id = register(PHONE, password=password)
    legacy = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    with Session(engine) as session:
        session.get(UserAccount, user_id).password_hash = legacy
        session.commit()

    sign_in(PHONE, password=password)

    with Session(engine) as session:
        assert session.get(UserAccount, user_id).password_hash.startswith("$argon2id$")
    assert sign_in(PHONE, password=password).principal.user_id == user_id


def test_100_byte_password_whole(engine: sa.Engine) -> None:
    password = "长密码" * 10 + "abcdefghij"
    assert len(password.encode("utf-8")) == 100
    register(PHONE, password=password)

    assert sign_in(PHONE, password=password).principal.role == "borrower"
    # The last byte counts: argon2 hashes the whole password, unlike bcrypt's first 72 bytes.
    with pytest.raises(InvalidCredentialsError):
        sign_in_borrower(PHONE, password[:-1] + "k")
