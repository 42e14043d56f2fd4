"""Shortcuts the account service tests share: registering borrowers and signing in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from lendapp.domain.phone import parse_cn_mobile
from lendapp.services.auth import register_borrower, request_registration_code, sign_in_borrower, sign_in_staff
from lendapp.services.sessions import IssuedSession, Principal, redeem_handoff, resolve_session
from lendapp.services.sms_codes import read_outbox

PASSWORD = "blue kettle 42 rain"
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.47"


@dataclasses.dataclass(frozen=True)
class SignedIn:
    """A signed-in account: its session token and principal."""

    token: str
    principal: Principal


def latest_code(phone: str) -> str:
    """Return the 6-digit code of the newest outbox message to ``phone``."""
    body = read_outbox(parse_cn_mobile(phone), limit=1)[0].body
    return re.search(r"\d{6}", body).group(0)


def register(phone: str, password: str = PASSWORD, now: dt.datetime | None = None) -> int:
    """Register a borrower through the SMS flow and return the account id."""
    request_registration_code(phone, locale="zh-CN")
    result = register_borrower(phone, latest_code(phone), password, password, client_ip="127.0.0.1", now=now)
    return result.user_id


def redeem(handoff_code: str, client_ip: str = "127.0.0.1", now: dt.datetime | None = None) -> SignedIn:
    """Exchange a handoff code for a session, as POST /api/auth/session does."""
    issued: IssuedSession = redeem_handoff(handoff_code, user_agent=USER_AGENT, client_ip=client_ip, now=now)
    principal = resolve_session(issued.token, now=now)
    assert principal is not None
    return SignedIn(issued.token, principal)


def sign_in(phone: str, password: str = PASSWORD, client_ip: str = "127.0.0.1", now: dt.datetime | None = None) -> SignedIn:
    """Sign a borrower in and return the new session."""
    return redeem(sign_in_borrower(phone, password, client_ip=client_ip, now=now).handoff_code, client_ip, now)


def sign_in_as_staff(login: str, password: str, totp_code: str = "", now: dt.datetime | None = None) -> SignedIn:
    """Sign a staff member in and return the new session."""
    return redeem(sign_in_staff(login, password, totp_code, client_ip="127.0.0.1", now=now).handoff_code, now=now)
