"""Business licences: the Unified Social Credit Code (统一社会信用代码) of GB 32100-2015."""

from __future__ import annotations

import dataclasses

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from lendapp.domain.kyc.text import MAX_INPUT_LENGTH, compact


@dataclasses.dataclass(frozen=True)
class BusinessLicenceCheck:
    """The outcome of checking one Unified Social Credit Code.

    Attributes:
        ok: Whether the code has 18 valid characters and a correct check character.
        error_key: Catalog key of the failure message; empty when ``ok``.
        code: The normalized code; empty on failure.
    """

    ok: bool
    error_key: str = ""
    code: str = ""


def check_business_licence(text: str) -> BusinessLicenceCheck:
    """Check a typed Unified Social Credit Code with python-stdnum's ``stdnum.cn.uscc``."""
    compacted = compact(text)
    if not compacted:
        return BusinessLicenceCheck(ok=False, error_key="apply.error.business_licence.required")
    if len(compacted) > MAX_INPUT_LENGTH:
        return BusinessLicenceCheck(ok=False, error_key="apply.error.business_licence.invalid")
    try:
        code = uscc.validate(compacted)
    except ValidationError:
        return BusinessLicenceCheck(ok=False, error_key="apply.error.business_licence.invalid")
    return BusinessLicenceCheck(ok=True, code=code)
