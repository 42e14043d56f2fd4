"""Rules a new password must meet, for borrowers and staff alike.

A password is rejected when it is shorter than 8 characters, longer than
1024 bytes, made only of digits, equal to the account's mobile number or
user name, or in the list of common passwords below. Passwords longer than
72 bytes are allowed: argon2id hashes the whole value (bcrypt would read only
the first 72 bytes).
"""

from __future__ import annotations

import enum

MIN_LENGTH = 8
# Bounds the hashing work one request can cause; no real passphrase is this long.
MAX_BYTES = 1024


class PasswordIssue(enum.StrEnum):
    """The reason a password was rejected; each value names a catalog message."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    ONLY_DIGITS = "only_digits"
    EQUALS_PHONE = "equals_phone"
    EQUALS_LOGIN = "equals_login"
    COMMON = "common"


# Passwords that appear near the top of published leak frequency lists,
# including those most often seen in Chinese leaks (pinyin, 5201314 "I love
# you for life", keyboard walks). Compared case-insensitively.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
    "iloveyou", "iloveyou1", "woaini1314", "woaini520", "woaini123", "woaiwojia", "wo123456",
    "qwertyuiop", "qwerty123", "qwer1234", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx",
    "q1w2e3r4", "q1w2e3r4t5", "asdfghjkl", "asdf1234", "zxcvbnm1", "zxcvbnm123", "qazwsxedc",
    "abc12345", "abcd1234", "abc123456", "abcdefgh", "a1234567", "a12345678", "a123456789",
    "aa123456", "aa12345678", "aaaaaaaa", "admin123", "admin888", "administrator", "root1234",
    "letmein1", "welcome1", "welcome123", "sunshine", "princess", "football", "baseball",
    "monkey123", "dragon123", "superman", "trustno1", "starwars", "whatever", "computer",
    "shadow123", "master123", "michael1", "jennifer", "11111111a", "aaa111111",
    "woshishui", "nihao123", "nihaoma1", "zhang123", "wang1234", "li123456", "changeme",
    "test1234", "testtest", "lendapp1", "lendapp123", "12345678a", "123456789a", "123456abc",
    "123qweasd", "1234qwer", "qweasdzxc", "qwe123456", "asd123456", "zxc123456", "abc123abc",
})


def check_password(password: str, *, phone: str | None = None, login: str | None = None) -> PasswordIssue | None:
    """Return the first rule ``password`` breaks, or None when it is acceptable.

    Args:
        password: The proposed password, exactly as typed.
        phone: The account's mobile number (11 digits or E.164), if any.
        login: The account's user name, if any.
    """
    if len(password) < MIN_LENGTH:
        return PasswordIssue.TOO_SHORT
    if len(password.encode("utf-8")) > MAX_BYTES:
        return PasswordIssue.TOO_LONG
    if password.isdigit():
        return PasswordIssue.ONLY_DIGITS
    if phone and _equals_phone(password, phone):
        return PasswordIssue.EQUALS_PHONE
    if login and password.strip().lower() == login.strip().lower():
        return PasswordIssue.EQUALS_LOGIN
    if password.strip().lower() in COMMON_PASSWORDS:
        return PasswordIssue.COMMON
    return None


def _equals_phone(password: str, phone: str) -> bool:
    digits = "".join(ch for ch in phone if ch.isdigit())
    national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    candidate = password.strip().replace(" ", "").replace("-", "")
    return candidate in {national, digits, "+" + digits, "+86" + national, "86" + national}
