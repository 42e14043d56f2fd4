"""SMS verification codes for registration and password reset.

A code is 6 random digits, stored only as a keyed hash, valid for 5 minutes,
usable once, and allows 5 wrong entries before a new code is needed.
Requesting a new code voids the previous one. One number receives at most 5
codes an hour, and at most one a minute for the same purpose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hmac
import logging
import math
import secrets

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import SmsCode, SmsOutboxMessage
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_phone
from lendapp.domain.session_policy import (
    SMS_CODE_LIFETIME,
    SMS_CODE_MAX_ATTEMPTS,
    SMS_CODES_PER_CLIENT_PER_HOUR,
    SMS_CODES_PER_HOUR,
    SMS_RESEND_INTERVAL,
)
from lendapp.i18n import translate
from lendapp.integrations.crypto import keyed_hash, phone_hash
from lendapp.integrations.sms import SmsSender, get_sms_sender
from lendapp.services.auth_errors import CodeRejectedError, DeliveryError, RateLimitedError

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class CodePurpose(enum.StrEnum):
    """The action a code proves ownership of the number for."""

    REGISTER = "register"
    RESET_PASSWORD = "reset_password"
    SIGN_CONTRACT = "sign_contract"
    CHANGE_PHONE = "change_phone"


class CodeCheck(enum.Enum):
    """The outcome of checking an entered code."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    MISSING = "missing"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


# The message shown for each rejected outcome.
REJECTION_KEYS = {
    CodeCheck.WRONG: "auth.error.code_wrong",
    CodeCheck.EXPIRED: "auth.error.code_expired",
    CodeCheck.MISSING: "auth.error.code_missing",
    CodeCheck.TOO_MANY_ATTEMPTS: "auth.error.code_attempts",
}


@dataclasses.dataclass(frozen=True)
class CodeSent:
    """The validity of a sent code, which the page shows to the user."""

    valid_minutes: int
    resend_after_seconds: int


@dataclasses.dataclass(frozen=True)
class OutboxMessage:
    """A message the outbox provider stored."""

    body: str
    created_at: dt.datetime


def _code_hash(number_hash: str, purpose: str, code: str) -> str:
    return keyed_hash(f"{number_hash}:{purpose}:{code}", "sms code")


def issue_code(
    phone_e164: str,
    purpose: CodePurpose,
    *,
    locale: str,
    sender: SmsSender | None = None,
    client_ip: str = "",
    now: dt.datetime | None = None,
) -> CodeSent:
    """Create a code for ``phone_e164`` and send it.

    Raises:
        RateLimitedError: When the number had a code in the last minute, or 5 in
            the last hour, or the client address requested 20 codes in the last hour.
        DeliveryError: When the SMS provider fails.
    """
    now = now or utc_now()
    number_hash = phone_hash(phone_e164)
    client_hash = keyed_hash(client_ip, "sms client address") if client_ip else None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with session_scope() as session:
        _check_rate(session, number_hash, purpose, now)
        if client_hash is not None:
            _check_client_rate(session, client_hash, now)
        table = SmsCode.__table__
        session.execute(
            sa.update(table)
            .where(table.c.phone_hash == number_hash, table.c.purpose == str(purpose), table.c.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        session.add(
            SmsCode(
                phone_hash=number_hash,
                client_hash=client_hash,
                purpose=str(purpose),
                code_hash=_code_hash(number_hash, str(purpose), code),
                created_at=now,
                expires_at=now + SMS_CODE_LIFETIME,
            )
        )
    minutes = int(SMS_CODE_LIFETIME.total_seconds() // 60)
    text = translate(f"auth.sms.{purpose}", locale, code=code, minutes=minutes)
    try:
        (sender or get_sms_sender()).send(phone_e164, text)
    except Exception as exc:
        logger.error("Sending the %s code to %s failed: %s", purpose, mask_phone(phone_e164), exc.__class__.__name__)
        raise DeliveryError("auth.error.sms_failed") from exc
    logger.info("Sent a %s code to %s", purpose, mask_phone(phone_e164))
    return CodeSent(valid_minutes=minutes, resend_after_seconds=int(SMS_RESEND_INTERVAL.total_seconds()))


def _check_rate(session: Session, number_hash: str, purpose: CodePurpose, now: dt.datetime) -> None:
    # The resend interval applies per purpose; the hourly limit counts every code the number received.
    recent = session.exec(
        select(SmsCode.created_at, SmsCode.purpose)
        .where(SmsCode.phone_hash == number_hash, SmsCode.created_at > now - dt.timedelta(hours=1))
        .order_by(SmsCode.created_at.desc())
    ).all()
    same_purpose = [created_at for created_at, code_purpose in recent if code_purpose == str(purpose)]
    if same_purpose and now - same_purpose[0] < SMS_RESEND_INTERVAL:
        seconds = math.ceil((same_purpose[0] + SMS_RESEND_INTERVAL - now).total_seconds())
        raise RateLimitedError("auth.error.sms_too_soon", field="phone", seconds=max(1, seconds))
    if len(recent) >= SMS_CODES_PER_HOUR:
        oldest = recent[SMS_CODES_PER_HOUR - 1][0]
        minutes = math.ceil((oldest + dt.timedelta(hours=1) - now).total_seconds() / 60)
        logger.warning("SMS hourly limit reached for one number (%d codes)", len(recent))
        raise RateLimitedError("auth.error.sms_hourly_limit", field="phone", minutes=max(1, minutes))


def _check_client_rate(session: Session, client_hash: str, now: dt.datetime) -> None:
    recent = session.exec(
        select(SmsCode.created_at)
        .where(SmsCode.client_hash == client_hash, SmsCode.created_at > now - dt.timedelta(hours=1))
        .order_by(SmsCode.created_at.desc())
    ).all()
    if len(recent) >= SMS_CODES_PER_CLIENT_PER_HOUR:
        oldest = recent[SMS_CODES_PER_CLIENT_PER_HOUR - 1]
        minutes = math.ceil((oldest + dt.timedelta(hours=1) - now).total_seconds() / 60)
        logger.warning("SMS hourly limit reached for one client address (%d codes)", len(recent))
        raise RateLimitedError("auth.error.sms_client_limit", field="phone", minutes=max(1, minutes))


def check_code(session: Session, phone_e164: str, purpose: CodePurpose, code: str, now: dt.datetime) -> CodeCheck:
    """Check ``code`` against the number's latest open code, in the caller's transaction.

    An accepted code is marked used. Every check counts as an attempt, so the
    caller must commit even when the code is rejected.
    """
    number_hash = phone_hash(phone_e164)
    row = session.exec(
        select(SmsCode)
        .where(SmsCode.phone_hash == number_hash, SmsCode.purpose == str(purpose), SmsCode.consumed_at.is_(None))
        .order_by(SmsCode.created_at.desc())
    ).first()
    if row is None:
        return CodeCheck.MISSING
    if now >= row.expires_at:
        return CodeCheck.EXPIRED
    if row.attempts >= SMS_CODE_MAX_ATTEMPTS:
        return CodeCheck.TOO_MANY_ATTEMPTS
    row.attempts += 1
    expected = row.code_hash
    if not hmac.compare_digest(expected, _code_hash(number_hash, str(purpose), code.strip())):
        return CodeCheck.WRONG
    row.consumed_at = now
    return CodeCheck.ACCEPTED


def rejection(outcome: CodeCheck) -> CodeRejectedError:
    """Return the error shown next to the code field for a rejected ``outcome``."""
    return CodeRejectedError(REJECTION_KEYS[outcome], field="code")


def read_outbox(phone_e164: str, limit: int = 10) -> list[OutboxMessage]:
    """Return the newest messages the outbox provider stored for a number (demos and tests)."""
    with session_scope() as session:
        rows = session.exec(
            select(SmsOutboxMessage)
            .where(SmsOutboxMessage.phone_hash == phone_hash(phone_e164))
            .order_by(SmsOutboxMessage.id.desc())
            .limit(limit)
        ).all()
        return [OutboxMessage(body=row.body, created_at=row.created_at) for row in rows]

