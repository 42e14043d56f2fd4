"""The password policy."""

from __future__ import annotations

import pytest

from lendapp.domain.password_policy import COMMON_PASSWORDS, PasswordIssue, check_password


def test_policy_accepts_passphrase() -> None:
    assert check_password("blue kettle 42 rain", phone="+8613800138000") is None


def test_policy_rejects_short() -> None:
    assert check_password("a1b2c3d") is PasswordIssue.TOO_SHORT


def test_policy_rejects_only_digits() -> None:
    assert check_password("1234567890") is PasswordIssue.ONLY_DIGITS


@pytest.mark.parametrize("password", ["+8613800138000", "86-13800138000", "+86 13800138000"])
def test_policy_rejects_phone_forms(password: str) -> None:
    assert check_password(password, phone="+8613800138000") is PasswordIssue.EQUALS_PHONE


def test_policy_phone_digits_only_rule_first() -> None:
    assert check_password("13800138000", phone="+8613800138000") is PasswordIssue.ONLY_DIGITS


def test_policy_rejects_login_name() -> None:
    assert check_password("Finance1x", login="finance1x") is PasswordIssue.EQUALS_LOGIN


def test_policy_rejects_common_case_insensitive() -> None:
    assert check_password("Woaini1314") is PasswordIssue.COMMON
    assert check_password("PASSWORD123") is PasswordIssue.COMMON


def test_common_list_entries_meet_length() -> None:
    # Entries shorter than 8 characters could never be reached, because the length rule fires first.
    assert all(len(entry) >= 8 for entry in COMMON_PASSWORDS)


def test_policy_accepts_100_byte_password() -> None:
    password = "长密码" * 10 + "abcdefghij"  # 90 + 10 = 100 bytes in UTF-8
    assert len(password.encode("utf-8")) == 100
    assert check_password(password) is None


def test_policy_rejects_over_1024_bytes() -> None:
    assert check_password("x1" * 513) is PasswordIssue.TOO_LONG
