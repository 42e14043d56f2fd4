"""SMS codes: hashing at rest, resend interval and the hourly limit per number."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import SmsCode, SmsOutboxMessage
from lendapp.db.types import utc_now
from lendapp.services.auth_errors import DeliveryError, RateLimitedError
from lendapp.services.sms_codes import CodePurpose, issue_code, read_outbox
from tests.services.accounts.helpers import latest_code

PHONE = "+8613800138000"


class FailingSender:
    """An SMS provider whose gateway is down."""

    def send(self, phone_e164: str, text: str) -> None:
        raise ConnectionError("gateway unreachable")


def test_code_stored_only_hashed(engine: sa.Engine) -> None:
    issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN")
    code = latest_code(PHONE)

    with Session(engine) as session:
        row = session.exec(select(SmsCode)).one()
    assert code not in row.code_hash
    assert len(row.code_hash) == 64


def test_code_message_localized(engine: sa.Engine) -> None:
    issue_code(PHONE, CodePurpose.REGISTER, locale="en")

    body = read_outbox(PHONE)[0].body
    assert body.startswith("[lendapp] Your registration code is")
    assert "5 minutes" in body


def test_outbox_phone_encrypted(engine: sa.Engine) -> None:
    issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN")

    with Session(engine) as session:
        row = session.exec(select(SmsOutboxMessage)).one()
    assert "13800138000" not in row.phone_enc
    assert "13800138000" not in row.body


def test_code_resend_too_soon(engine: sa.Engine) -> None:
    start = utc_now()
    issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start)

    with pytest.raises(RateLimitedError) as raised:
        issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(seconds=30))

    assert raised.value.key == "auth.error.sms_too_soon"
    assert raised.value.params["seconds"] == 30


def test_code_hourly_limit(engine: sa.Engine) -> None:
    start = utc_now()
    for minute in range(5):
        issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(minutes=minute * 2))

    with pytest.raises(RateLimitedError) as raised:
        issue_code(PHONE, CodePurpose.RESET_PASSWORD, locale="zh-CN", now=start + dt.timedelta(minutes=20))

    assert raised.value.key == "auth.error.sms_hourly_limit"
    assert raised.value.params["minutes"] == 40


def test_code_limit_lifts_after_hour(engine: sa.Engine) -> None:
    start = utc_now()
    for minute in range(5):
        issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(minutes=minute * 2))

    sent = issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(hours=1, seconds=1))

    assert sent.valid_minutes == 5


def test_code_limit_per_number(engine: sa.Engine) -> None:
    start = utc_now()
    for minute in range(5):
        issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(minutes=minute * 2))

    sent = issue_code("+8613900139000", CodePurpose.REGISTER, locale="zh-CN", now=start + dt.timedelta(minutes=11))

    assert sent.valid_minutes == 5


def test_code_delivery_failure_reported(engine: sa.Engine) -> None:
    with pytest.raises(DeliveryError) as raised:
        issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", sender=FailingSender())

    assert raised.value.key == "auth.error.sms_failed"


def test_code_limit_per_client_address(engine: sa.Engine) -> None:
    start = utc_now()
    for index in range(20):
        issue_code(f"+861370000{index:04d}", CodePurpose.REGISTER, locale="zh-CN", client_ip="198.51.100.7", now=start)

    with pytest.raises(RateLimitedError) as raised:
        issue_code("+8613700009999", CodePurpose.REGISTER, locale="zh-CN", client_ip="198.51.100.7", now=start)
    other_client = issue_code("+8613700009999", CodePurpose.REGISTER, locale="zh-CN", client_ip="203.0.113.9", now=start)

    assert raised.value.key == "auth.error.sms_client_limit"
    assert raised.value.params["minutes"] == 60
    assert other_client.valid_minutes == 5


def test_client_address_stored_hashed(engine: sa.Engine) -> None:
    issue_code(PHONE, CodePurpose.REGISTER, locale="zh-CN", client_ip="198.51.100.7")

    with Session(engine) as session:
        row = session.exec(select(SmsCode)).one()
    assert row.client_hash is not None
    assert "198.51.100.7" not in row.client_hash
