"""Bank card rules: normalization, Luhn, UnionPay warning, payout card types and the BIN table."""

from __future__ import annotations

from lendapp.domain.kyc import CardBin, CardType, check_bank_card
from lendapp.integrations.cardbin_lookup import card_type_of, lookup_bin


def test_card_spaces_and_full_width_removed() -> None:
    result = check_bank_card("６２２８ ４８００ １２３４ ５６７８ ９０３")

    assert result.ok
    assert result.digits == "6228480012345678903"
    assert result.last4 == "8903"


def test_card_letters_rejected() -> None:
    assert check_bank_card("6228 48ab 1234 5678").error_key == "apply.error.bank_card.digits"


def test_card_luhn_failure_outside_unionpay_rejected() -> None:
    assert check_bank_card("4033911234567891").error_key == "apply.error.bank_card.luhn"


def test_card_payout_rejects_credit_card() -> None:
    def credit(_digits: str) -> CardBin:
        return CardBin(bank="招商银行", product="信用卡", card_type=CardType.CREDIT)

    result = check_bank_card("6228480012345678903", bin_lookup=credit, payout=True)

    assert result.error_key == "apply.error.bank_card.not_debit"


def test_card_type_from_product_name() -> None:
    assert card_type_of("准贷记卡(个普)") is CardType.SEMI_CREDIT
    assert card_type_of("牡丹VISA信用卡") is CardType.CREDIT
    assert card_type_of("借记IC卡") is CardType.DEBIT
    assert card_type_of("预付卡") is CardType.PREPAID
    assert card_type_of("E时代卡") is CardType.UNKNOWN


def test_bin_lookup_known_bank() -> None:
    issuer = lookup_bin("6217001234567890122")

    assert issuer.bank == "建设银行"
    assert issuer.card_type is CardType.DEBIT


def test_bin_lookup_unknown_prefix() -> None:
    assert lookup_bin("4033911234567890") is None
