"""Masked forms of personal data for screens, logs and audit summaries.

A masked value keeps only what a person needs to recognise their own data.
That is the first 3 and last 4 characters of a resident ID number
(``110***********1030``), the last 4 digits of a bank card (``**** 8903``),
and the first 3 and last 4 digits of a mobile number (``138****8000``).
"""

from __future__ import annotations


def _digits_and_letters(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum())


def mask_id_number(id_number: str) -> str:
    """Mask a resident ID number, keeping the first 3 and last 4 characters.

    Values of 7 characters or fewer are masked completely, because keeping
    3 + 4 characters would show all of them.
    """
    value = _digits_and_letters(id_number).upper()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_card(card_number: str) -> str:
    """Mask a bank card number as ``**** 8903``."""
    digits = _digits_and_letters(card_number)
    if len(digits) <= 4:
        return "****"
    return "**** " + digits[-4:]


def mask_phone(phone: str) -> str:
    """Mask a mainland mobile number as ``138****8000``.

    Accepts the 11-digit national number or the E.164 form ``+8613800138000``;
    the country code is dropped from the masked form.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(full_name: str) -> str:
    """Mask a full name, keeping its first character: 张三 becomes 张*."""
    name = full_name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)
