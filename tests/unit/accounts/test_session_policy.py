"""Session lifetime rules, phone parsing and device descriptions."""

from __future__ import annotations

import datetime as dt

import pytest

from lendapp.domain.phone import InvalidPhoneError, parse_cn_mobile
from lendapp.domain.session_policy import BORROWER_SESSION, STAFF_SESSION, session_is_live, session_limits
from lendapp.domain.user_agent import describe_user_agent

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_session_live_when_fresh() -> None:
    assert session_is_live(created_at=START, last_seen_at=START, revoked=False, limits=BORROWER_SESSION, now=START)


def test_session_dead_after_idle() -> None:
    now = START + BORROWER_SESSION.idle
    assert not session_is_live(created_at=START, last_seen_at=START, revoked=False, limits=BORROWER_SESSION, now=now)


def test_session_dead_after_absolute() -> None:
    now = START + BORROWER_SESSION.absolute
    last_seen = now - dt.timedelta(minutes=1)
    assert not session_is_live(created_at=START, last_seen_at=last_seen, revoked=False, limits=BORROWER_SESSION, now=now)


def test_session_dead_when_revoked() -> None:
    assert not session_is_live(created_at=START, last_seen_at=START, revoked=True, limits=BORROWER_SESSION, now=START)


def test_staff_sessions_shorter() -> None:
    assert session_limits("admin") == STAFF_SESSION
    assert session_limits("borrower") == BORROWER_SESSION
    assert STAFF_SESSION.absolute < BORROWER_SESSION.absolute
    assert STAFF_SESSION.idle < BORROWER_SESSION.idle


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "8613800138000"])
def test_parse_mobile_accepts_forms(raw: str) -> None:
    assert parse_cn_mobile(raw) == "+8613800138000"


@pytest.mark.parametrize("raw", ["", "12345678901", "01012345678", "+1 650 253 0000", "1380013800", "x" * 40])
def test_parse_mobile_rejects_others(raw: str) -> None:
    with pytest.raises(InvalidPhoneError):
        parse_cn_mobile(raw)


def test_describe_wechat_on_iphone() -> None:
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"
    assert describe_user_agent(agent) == "iPhone · WeChat"


def test_describe_unknown_agent() -> None:
    assert describe_user_agent("") == "?"
