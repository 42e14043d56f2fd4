"""Masked forms of personal data."""

from __future__ import annotations

from lendapp.domain.masking import mask_bank_card, mask_id_number, mask_name, mask_phone


def test_mask_id_number_keeps_3_and_4() -> None:
    assert mask_id_number("110101199003071030") == "110***********1030"


def test_mask_id_number_uppercases_check_letter() -> None:
    assert mask_id_number("11010519491231002x") == "110***********002X"


def test_mask_id_number_short_value_hidden() -> None:
    assert mask_id_number("1234567") == "*******"


def test_mask_bank_card_last_four() -> None:
    assert mask_bank_card("6222 0212 3456 8903") == "**** 8903"


def test_mask_bank_card_short_value_hidden() -> None:
    assert mask_bank_card("123") == "****"


def test_mask_phone_national() -> None:
    assert mask_phone("13800138000") == "138****8000"


def test_mask_phone_e164() -> None:
    assert mask_phone("+8613800138000") == "138****8000"


def test_mask_name_keeps_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
