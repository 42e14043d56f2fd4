"""Mainland China mobile numbers typed into the application's contact step."""

from __future__ import annotations

import dataclasses

from lendapp.domain.kyc.text import MAX_INPUT_LENGTH, compact
from lendapp.domain.phone import InvalidPhoneError, national_number, parse_cn_mobile


@dataclasses.dataclass(frozen=True)
class MobileCheck:
    """The outcome of checking one mobile number.

    Attributes:
        ok: Whether the number is a valid mainland mobile number (phonenumbers type MOBILE).
        error_key: Catalog key of the failure message; empty when ``ok``.
        e164: The number as ``+8613800138000``; empty on failure.
    """

    ok: bool
    error_key: str = ""
    e164: str = ""

    @property
    def national(self) -> str:
        """The 11-digit national number."""
        return national_number(self.e164)


def check_mobile(text: str) -> MobileCheck:
    """Check a typed mobile number after NFKC normalization (full-width digits, spaces, hyphens, +86)."""
    compacted = compact(text)
    if not compacted:
        return MobileCheck(ok=False, error_key="apply.error.mobile.required")
    if len(compacted) > MAX_INPUT_LENGTH:
        return MobileCheck(ok=False, error_key="apply.error.mobile.invalid")
    try:
        e164 = parse_cn_mobile(compacted)
    except InvalidPhoneError:
        return MobileCheck(ok=False, error_key="apply.error.mobile.invalid")
    return MobileCheck(ok=True, e164=e164)
