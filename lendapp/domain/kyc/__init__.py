"""Identity and payout checks of a loan application (KYC), as pure functions.

Each check takes the text a borrower typed, normalizes it and returns a
frozen result. A failed check carries the catalog key of the message to show
next to the field, so states and services never build error text themselves.
Lookups that need data tables (regions, card BINs) are passed in as functions,
which keeps this package free of I/O.
"""

from lendapp.domain.kyc.bank_card import BankCardCheck, BinLookup, CardBin, CardType, check_bank_card, normalize_card_number
from lendapp.domain.kyc.business import BusinessLicenceCheck, check_business_licence
from lendapp.domain.kyc.mobile import MobileCheck, check_mobile
from lendapp.domain.kyc.resident_id import (
    AgeLimits,
    IdentityCheck,
    Region,
    RegionLookup,
    check_character,
    check_resident_id,
    normalize_id_number,
    upgrade_legacy_id,
)

__all__ = [
    "AgeLimits",
    "BankCardCheck",
    "BinLookup",
    "BusinessLicenceCheck",
    "CardBin",
    "CardType",
    "IdentityCheck",
    "MobileCheck",
    "Region",
    "RegionLookup",
    "check_bank_card",
    "check_business_licence",
    "check_character",
    "check_mobile",
    "check_resident_id",
    "normalize_card_number",
    "normalize_id_number",
    "upgrade_legacy_id",
]
