"""Sessions: handoff codes, expiry, idle timeout, rotation and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import AuthSession
from lendapp.db.types import utc_now
from lendapp.domain.session_policy import BORROWER_SESSION, HANDOFF_LIFETIME
from lendapp.services.auth import change_password, reset_password, request_reset_code, sign_in_borrower
from lendapp.services.auth_errors import CodeRejectedError, InvalidInputError
from lendapp.services.sessions import (
    list_own_sessions,
    redeem_handoff,
    resolve_session,
    revoke_other_sessions,
    revoke_token,
)
from lendapp.services.sms_codes import read_outbox
from tests.services.accounts.helpers import PASSWORD, USER_AGENT, latest_code, redeem, register, sign_in

PHONE = "13800138000"
NEW_PASSWORD = "green teapot 17 snow"


def test_session_stores_only_token_hash(engine: sa.Engine) -> None:
    register(PHONE)
    signed_in = sign_in(PHONE)

    with Session(engine) as session:
        row = session.exec(select(AuthSession)).one()
    assert row.token_hash != signed_in.token
    assert signed_in.token not in row.token_hash
    assert len(row.token_hash) == 64


def test_session_records_device(engine: sa.Engine) -> None:
    register(PHONE)
    signed_in = sign_in(PHONE, client_ip="198.51.100.4")

    views = list_own_sessions(signed_in.principal)

    assert [view.device for view in views] == ["iPhone · WeChat"]
    assert views[0].client_ip == "198.51.100.4"
    assert views[0].is_current


def test_handoff_code_single_use(engine: sa.Engine) -> None:
    register(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code
    redeem(code)

    with pytest.raises(CodeRejectedError):
        redeem_handoff(code, user_agent=USER_AGENT, client_ip="127.0.0.1")


def test_handoff_code_expires(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    code = sign_in_borrower(PHONE, PASSWORD, now=start).handoff_code

    with pytest.raises(CodeRejectedError):
        redeem_handoff(code, user_agent=USER_AGENT, client_ip="127.0.0.1", now=start + HANDOFF_LIFETIME)


def test_handoff_rejects_unknown_code(engine: sa.Engine) -> None:
    with pytest.raises(CodeRejectedError):
        redeem_handoff("made-up-code", user_agent=USER_AGENT, client_ip="127.0.0.1")


def test_session_idle_timeout(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    signed_in = sign_in(PHONE, now=start)

    assert resolve_session(signed_in.token, now=start + BORROWER_SESSION.idle - dt.timedelta(seconds=1)) is not None
    assert resolve_session(signed_in.token, now=start + 2 * BORROWER_SESSION.idle) is None


def test_activity_extends_idle_timeout(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    signed_in = sign_in(PHONE, now=start)
    halfway = start + BORROWER_SESSION.idle / 2

    assert resolve_session(signed_in.token, now=halfway) is not None
    assert resolve_session(signed_in.token, now=halfway + BORROWER_SESSION.idle - dt.timedelta(seconds=1)) is not None


def test_session_absolute_expiry(engine: sa.Engine) -> None:
    register(PHONE)
    start = utc_now()
    signed_in = sign_in(PHONE, now=start)
    moment = start
    # Stay active every hour: the idle timeout never fires, the absolute expiry still does.
    while moment < start + BORROWER_SESSION.absolute - dt.timedelta(hours=1):
        moment += dt.timedelta(hours=1)
        assert resolve_session(signed_in.token, now=moment) is not None

    assert resolve_session(signed_in.token, now=start + BORROWER_SESSION.absolute) is None


def test_sign_in_rotates_token(engine: sa.Engine) -> None:
    register(PHONE)
    first = sign_in(PHONE)
    second = sign_in(PHONE)

    assert first.token != second.token
    assert first.principal.session_id != second.principal.session_id


def test_sign_in_revokes_replaced_cookie(engine: sa.Engine) -> None:
    register(PHONE)
    first = sign_in(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code

    redeem_handoff(code, user_agent=USER_AGENT, client_ip="127.0.0.1", replaced_token=first.token)

    assert resolve_session(first.token) is None


def test_sign_out_revokes_session(engine: sa.Engine) -> None:
    register(PHONE)
    signed_in = sign_in(PHONE)

    assert revoke_token(signed_in.token)

    assert resolve_session(signed_in.token) is None
    assert not revoke_token(signed_in.token)


def test_sign_out_others_keeps_current(engine: sa.Engine) -> None:
    register(PHONE)
    phone_session = sign_in(PHONE)
    laptop_session = sign_in(PHONE)
    tablet_session = sign_in(PHONE)

    count = revoke_other_sessions(laptop_session.principal)

    assert count == 2
    assert resolve_session(laptop_session.token) is not None
    assert resolve_session(phone_session.token) is None
    assert resolve_session(tablet_session.token) is None
    assert [view.session_id for view in list_own_sessions(laptop_session.principal)] == [laptop_session.principal.session_id]


def test_password_change_revokes_others(engine: sa.Engine) -> None:
    register(PHONE)
    other = sign_in(PHONE)
    current = sign_in(PHONE)

    change_password(current.principal, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)

    assert resolve_session(current.token) is not None
    assert resolve_session(other.token) is None
    assert sign_in(PHONE, password=NEW_PASSWORD).principal.role == "borrower"


def test_password_change_checks_current(engine: sa.Engine) -> None:
    register(PHONE)
    current = sign_in(PHONE)

    with pytest.raises(InvalidInputError) as raised:
        change_password(current.principal, "not my password", NEW_PASSWORD, NEW_PASSWORD)

    assert raised.value.field == "current_password"
    assert sign_in(PHONE).principal.role == "borrower"


def test_password_reset_revokes_all(engine: sa.Engine) -> None:
    register(PHONE)
    first = sign_in(PHONE)
    second = sign_in(PHONE)
    request_reset_code(PHONE, locale="zh-CN")

    reset_password(PHONE, latest_code(PHONE), NEW_PASSWORD, NEW_PASSWORD)

    assert resolve_session(first.token) is None
    assert resolve_session(second.token) is None
    assert sign_in(PHONE, password=NEW_PASSWORD).principal.role == "borrower"


def test_reset_code_unregistered_sends_nothing(engine: sa.Engine) -> None:
    assert request_reset_code("13900139000", locale="zh-CN") is None
    assert read_outbox("+8613900139000") == []
