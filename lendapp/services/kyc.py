"""KYC checks with their data tables attached: resident ID regions and card BINs."""

from __future__ import annotations

import datetime as dt
import logging

from lendapp.domain.kyc import AgeLimits, BankCardCheck, IdentityCheck, check_bank_card, check_resident_id
from lendapp.integrations.cardbin_lookup import lookup_bin
from lendapp.integrations.regions import lookup_region
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)


def local_today() -> dt.date:
    """Return today's date in the configured display time zone (Asia/Shanghai by default)."""
    return dt.datetime.now(get_settings().timezone_info).date()


def check_identity(id_number: str, age_limits: AgeLimits | None = None, today: dt.date | None = None) -> IdentityCheck:
    """Check a typed resident ID number against the region table and, when given, a product's age limits."""
    return check_resident_id(id_number, region_lookup=lookup_region, today=today or local_today(), age_limits=age_limits)


def check_payout_card(card_number: str) -> BankCardCheck:
    """Check a typed bank card for disbursement and repayment, issuer from the offline BIN table."""
    return check_bank_card(card_number, bin_lookup=lookup_bin, payout=True)
