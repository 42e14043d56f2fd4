"""Bank card numbers for disbursement and repayment: length, Luhn check and issuer.

Mainland debit cards have 16 to 19 digits. UnionPay issued some card ranges
(BINs starting with 62) whose numbers do not satisfy the Luhn check, so such
a card is accepted with a warning that asks the borrower to compare the
number with the card. Any other card that fails the Luhn check is rejected.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable

from stdnum import luhn

from lendapp.domain.kyc.text import MAX_INPUT_LENGTH, compact

MIN_DIGITS = 16
MAX_DIGITS = 19
UNIONPAY_PREFIX = "62"


class CardType(enum.StrEnum):
    """Kind of card, from the issuer's product name."""

    DEBIT = "debit"
    CREDIT = "credit"
    SEMI_CREDIT = "semi_credit"
    PREPAID = "prepaid"
    UNKNOWN = "unknown"


# Disbursement needs an account that can receive money: credit and prepaid cards cannot.
PAYOUT_REJECTED_TYPES = frozenset({CardType.CREDIT, CardType.SEMI_CREDIT, CardType.PREPAID})


@dataclasses.dataclass(frozen=True)
class CardBin:
    """What a BIN table records for a card's leading digits."""

    bank: str
    product: str
    card_type: CardType


# Returns the issuer of a card number's leading digits, or None for a BIN the table does not list.
BinLookup = Callable[[str], CardBin | None]


@dataclasses.dataclass(frozen=True)
class BankCardCheck:
    """The outcome of checking one bank card number.

    Attributes:
        ok: Whether the card may be saved.
        error_key: Catalog key of the failure message; empty when ``ok``.
        warning_key: Catalog key of a warning for an accepted card (UnionPay Luhn failure).
        digits: The normalized digits; empty when the input is not a card number.
        luhn_valid: Whether the digits satisfy the Luhn check.
        issuer: The BIN table's entry, or None when the BIN is unknown.
    """

    ok: bool
    error_key: str = ""
    warning_key: str = ""
    digits: str = ""
    luhn_valid: bool = False
    issuer: CardBin | None = None

    @property
    def last4(self) -> str:
        """The last four digits, the only part shown once the card is saved."""
        return self.digits[-4:]


def normalize_card_number(text: str) -> str:
    """Normalize a typed card number: NFKC, no spaces or hyphens."""
    return compact(text)


def check_bank_card(text: str, *, bin_lookup: BinLookup | None = None, payout: bool = False) -> BankCardCheck:
    """Check a typed bank card number and look up its issuer.

    Args:
        text: The number as typed.
        bin_lookup: Finds the issuer of the leading digits; None skips the lookup.
        payout: Reject cards that cannot receive a disbursement (credit, semi-credit and prepaid).
    """
    digits = normalize_card_number(text)
    if not digits:
        return BankCardCheck(ok=False, error_key="apply.error.bank_card.required")
    if len(digits) > MAX_INPUT_LENGTH or not digits.isascii() or not digits.isdigit():
        return BankCardCheck(ok=False, error_key="apply.error.bank_card.digits")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return BankCardCheck(ok=False, error_key="apply.error.bank_card.length", digits=digits)

    luhn_valid = luhn.is_valid(digits)
    if not luhn_valid and not digits.startswith(UNIONPAY_PREFIX):
        return BankCardCheck(ok=False, error_key="apply.error.bank_card.luhn", digits=digits)
    issuer = bin_lookup(digits) if bin_lookup is not None else None
    if payout and issuer is not None and issuer.card_type in PAYOUT_REJECTED_TYPES:
        return BankCardCheck(ok=False, error_key="apply.error.bank_card.not_debit", digits=digits, luhn_valid=luhn_valid, issuer=issuer)
    warning = "" if luhn_valid else "apply.warning.bank_card.unionpay_luhn"
    return BankCardCheck(ok=True, warning_key=warning, digits=digits, luhn_valid=luhn_valid, issuer=issuer)
