"""Mainland China mobile numbers: parsing and the canonical stored form."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneError(ValueError):
    """The input is not a valid mainland China mobile number."""


def parse_cn_mobile(raw: str) -> str:
    """Parse a mainland mobile number and return its E.164 form, such as ``+8613800138000``.

    Accepts spaces, dashes and an optional ``+86`` or ``86`` prefix. Fixed
    lines, numbers of other regions and numbers outside the allocated mobile
    ranges are rejected.

    Raises:
        InvalidPhoneError: When ``raw`` is not a valid mainland mobile number.
    """
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise InvalidPhoneError(raw)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(raw) from exc
    if phonenumbers.region_code_for_number(number) != "CN" or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(raw)
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise InvalidPhoneError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_number(e164: str) -> str:
    """Return the 11-digit national form of an E.164 mainland mobile number."""
    return e164.removeprefix("+86")
