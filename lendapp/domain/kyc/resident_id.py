"""Resident ID numbers (居民身份证号码) under GB 11643-1999.

An 18-character number is a 6-digit region code, an 8-digit birth date, a
3-digit sequence code whose last digit is odd for men and even for women, and
an ISO 7064 MOD 11-2 check character. The 15-digit numbers issued before 1999
have a 2-digit birth year and no check character. They are upgraded by
inserting "19" before the year and appending the check character.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from lendapp.domain.kyc.text import MAX_INPUT_LENGTH, compact

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900


@dataclasses.dataclass(frozen=True)
class Region:
    """Names of the province, city and county that a region code stands for (city may be empty)."""

    code: str
    province: str
    city: str
    county: str


# Maps a 6-digit region code and the birth year to its names, or None for an unknown code.
RegionLookup = Callable[[str, int], Region | None]


@dataclasses.dataclass(frozen=True)
class AgeLimits:
    """Inclusive ages, in whole years at the check date, that a product accepts."""

    min_age: int
    max_age: int


@dataclasses.dataclass(frozen=True)
class IdentityCheck:
    """The outcome of checking one resident ID number.

    Attributes:
        ok: Whether the number passed every check.
        error_key: Catalog key of the failure message; empty when ``ok``.
        error_params: Values for the placeholders of that message.
        number: The normalized 18-character number (upgraded from 15 digits
            when needed); empty when the input could not be read as a number.
        upgraded: The input was a 15-digit legacy number.
        birth_date, age, sex, region: Derived for confirmation; None or empty
            when a check failed before they could be derived.
    """

    ok: bool
    error_key: str = ""
    error_params: dict[str, object] = dataclasses.field(default_factory=dict)
    number: str = ""
    upgraded: bool = False
    birth_date: dt.date | None = None
    age: int | None = None
    sex: str = ""
    region: Region | None = None


def check_character(body: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number.

    Raises:
        ValueError: When ``body`` is not exactly 17 ASCII digits.
    """
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError(f"expected 17 digits, got {len(body)} characters")
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def upgrade_legacy_id(number: str) -> str:
    """Upgrade a 15-digit legacy number to 18 characters: insert "19" before the year, append the check character.

    Raises:
        ValueError: When ``number`` is not exactly 15 ASCII digits.
    """
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        raise ValueError(f"expected 15 digits, got {len(number)} characters")
    body = number[:6] + "19" + number[6:]
    return body + check_character(body)


def normalize_id_number(text: str) -> str:
    """Normalize a typed ID number: NFKC, no spaces or hyphens, a lower-case x upper-cased."""
    return compact(text)


def _failure(key: str, number: str = "", **params: object) -> IdentityCheck:
    return IdentityCheck(ok=False, error_key=key, error_params=dict(params), number=number)


def _parse_birth_date(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def age_on(birth_date: dt.date, today: dt.date) -> int:
    """Return the age in whole years on ``today``; a 29 February birthday counts from 1 March."""
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def _shape(normalized: str) -> tuple[str, bool] | IdentityCheck:
    """Return the 18-character form and whether it was upgraded, or a failure for a malformed input."""
    if not normalized:
        return _failure("apply.error.id_number.required")
    if len(normalized) > MAX_INPUT_LENGTH or not normalized.isascii():
        return _failure("apply.error.id_number.format")
    if len(normalized) == 15 and normalized.isdigit():
        return upgrade_legacy_id(normalized), True
    if len(normalized) != 18 or not normalized[:17].isdigit() or normalized[17] not in "0123456789X":
        return _failure("apply.error.id_number.format")
    return normalized, False


def check_resident_id(
    text: str,
    *,
    region_lookup: RegionLookup,
    today: dt.date,
    age_limits: AgeLimits | None = None,
) -> IdentityCheck:
    """Check a typed resident ID number and derive the birth date, age, sex and region.

    Checks run in this order: shape (18 characters, or 15 digits upgraded),
    check character, a real birth date from 1900 up to ``today``, a known
    region code, then the age limits. A legacy number has no check character
    of its own, so its first meaningful check is the birth date.

    Args:
        text: The number as typed; full-width digits, spaces and a lower-case x are accepted.
        region_lookup: Names a region code for a birth year, or returns None for an unknown code.
        today: The check date (Asia/Shanghai), for the future-date and age checks.
        age_limits: The product's age range; None skips the age check.
    """
    shaped = _shape(normalize_id_number(text))
    if isinstance(shaped, IdentityCheck):
        return shaped
    number, upgraded = shaped
    if not upgraded and check_character(number[:17]) != number[17]:
        return _failure("apply.error.id_number.check_character", number)

    birth_date = _parse_birth_date(number[6:14])
    if birth_date is None or birth_date.year < EARLIEST_BIRTH_YEAR:
        return _failure("apply.error.id_number.birth_date", number)
    if birth_date > today:
        return _failure("apply.error.id_number.birth_date_future", number)
    region = region_lookup(number[:6], birth_date.year)
    if region is None:
        return _failure("apply.error.id_number.region", number)

    age = age_on(birth_date, today)
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    derived = {"number": number, "upgraded": upgraded, "birth_date": birth_date, "age": age, "sex": sex, "region": region}
    if age_limits is not None and age < age_limits.min_age:
        return IdentityCheck(ok=False, error_key="apply.error.id_number.age_below", error_params={"min_age": age_limits.min_age}, **derived)
    if age_limits is not None and age > age_limits.max_age:
        return IdentityCheck(ok=False, error_key="apply.error.id_number.age_above", error_params={"max_age": age_limits.max_age}, **derived)
    return IdentityCheck(ok=True, **derived)
