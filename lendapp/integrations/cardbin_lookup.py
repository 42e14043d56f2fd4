"""Card issuers from the offline BIN table of the ``cardbin`` package (version 1.0.0).

The table maps 6- to 8-digit card prefixes to "bank|product name". The card
type is not a column of its own, so it is read from the product name:
贷记/信用 (credit), 准贷记 (semi-credit), 预付 (prepaid), or 借记/储蓄 and
the debit product names of the big banks (灵通卡, 通宝, 龙卡通) for debit.
Any other name gives UNKNOWN, which the payout check accepts.
"""

from __future__ import annotations

import functools
import logging

from lendapp.domain.kyc import CardBin, CardType

logger = logging.getLogger(__name__)

_PREFIX_LENGTHS = (8, 7, 6)
# Checked in order: 准贷记 contains 贷记, so it comes first.
_TYPE_WORDS = (
    ("准贷记", CardType.SEMI_CREDIT),
    ("贷记", CardType.CREDIT),
    ("信用", CardType.CREDIT),
    ("预付", CardType.PREPAID),
    ("借记", CardType.DEBIT),
    ("储蓄", CardType.DEBIT),
    ("灵通卡", CardType.DEBIT),
    ("通宝", CardType.DEBIT),
    ("卡通", CardType.DEBIT),
)


@functools.cache
def _table() -> dict[str, str]:
    from cardbin.bankbin import BANKBIN

    logger.info("Loaded %d card BINs from cardbin", len(BANKBIN))
    return BANKBIN


def card_type_of(product: str) -> CardType:
    """Return the card type that a BIN table product name states, or UNKNOWN."""
    for word, card_type in _TYPE_WORDS:
        if word in product:
            return card_type
    return CardType.UNKNOWN


def lookup_bin(digits: str) -> CardBin | None:
    """Return the issuer of a card number's longest listed prefix, or None when no prefix is listed."""
    table = _table()
    for length in _PREFIX_LENGTHS:
        entry = table.get(digits[:length])
        if entry:
            bank, _, product = entry.partition("|")
            product = "" if product.strip("-") == "" else product
            return CardBin(bank=bank, product=product, card_type=card_type_of(product))
    return None
