"""Parsing recognized ID card lines into proposed fields, without the OCR model."""

from __future__ import annotations

import pytest

from lendapp.domain.kyc import check_character, check_resident_id
from lendapp.integrations.ocr import TextLine
from lendapp.integrations.regions import lookup_region
from lendapp.services.id_card_ocr import IdCardProposal, join_rows, parse_id_card_lines
from tests.unit.kyc.conftest import TODAY

VALID_ID = "110101199003071030"
WRONG_CHECK_ID = "11010119900307103X"


def _check(number: str):
    return check_resident_id(number, region_lookup=lookup_region, today=TODAY)


def _line(text: str, left: float, top: float, confidence: float = 0.99, width: float = 200, height: float = 30, tilt: float = 0.0) -> TextLine:
    """Build a line box; ``tilt`` raises the right end by that many pixels, as on a rotated photo."""
    right = left + width
    return TextLine(text, confidence, ((left, top), (right, top - tilt), (right, top - tilt + height), (left, top + height)))


def _card(number: str = VALID_ID) -> list[TextLine]:
    return [
        _line("姓名张伟明", 38, 49),
        _line("性别男", 39, 101, width=60),
        _line("民族汉", 184, 100, width=60),
        _line("出生1990年3月7日", 40, 152),
        _line("住址北京市东城区和平里东街", 40, 202, confidence=0.95),
        _line("18号院3号楼2单元5", 111, 235),
        _line("01室", 107, 266, width=50),
        _line(f"公民身份号码{number}", 39, 334, confidence=0.98, width=400),
    ]


def _parse(lines: list[TextLine]) -> IdCardProposal:
    return parse_id_card_lines(lines, check=_check)


def test_parse_clean_card_fields() -> None:
    proposal = _parse(_card())

    assert proposal.name is not None and proposal.name.value == "张伟明"
    assert proposal.sex is not None and proposal.sex.value == "男"
    assert proposal.ethnicity is not None and proposal.ethnicity.value == "汉"
    assert proposal.birth_date is not None and proposal.birth_date.value == "1990-03-07"
    assert proposal.address is not None and proposal.address.value == "北京市东城区和平里东街18号院3号楼2单元501室"
    assert proposal.id_number is not None and proposal.id_number.value == VALID_ID
    assert proposal.id_number.valid
    assert proposal.id_number.error_key == ""


def test_parse_address_confidence_is_lowest_line() -> None:
    proposal = _parse(_card())

    assert proposal.address is not None
    assert proposal.address.confidence == pytest.approx(0.95)
    assert proposal.id_number is not None
    assert proposal.id_number.confidence == pytest.approx(0.98)


def test_parse_wrong_check_character_flagged() -> None:
    assert check_character(WRONG_CHECK_ID[:17]) != WRONG_CHECK_ID[17]

    proposal = _parse(_card(WRONG_CHECK_ID))

    assert proposal.id_number is not None
    assert proposal.id_number.value == WRONG_CHECK_ID
    assert not proposal.id_number.valid
    assert proposal.id_number.error_key == "apply.error.id_number.check_character"


def test_parse_unknown_region_flagged() -> None:
    body = "99999919900307103"
    proposal = _parse(_card(body + check_character(body)))

    assert proposal.id_number is not None
    assert not proposal.id_number.valid
    assert proposal.id_number.error_key == "apply.error.id_number.region"


def test_parse_lower_case_x_normalized() -> None:
    body = "11010119900307109"
    assert check_character(body) == "X"

    proposal = _parse(_card(body + "x"))

    assert proposal.id_number is not None
    assert proposal.id_number.value == body + "X"
    assert proposal.id_number.valid


def test_parse_full_width_digits_and_spaces() -> None:
    lines = [_line("公民身份号码：１１０１０１ １９９００３０７ １０３０", 39, 334)]

    proposal = _parse(lines)

    assert proposal.id_number is not None
    assert proposal.id_number.value == VALID_ID
    assert proposal.id_number.valid


def test_parse_missing_fields_are_none() -> None:
    proposal = _parse([_line("姓名刘芳", 38, 49), _line("住址", 40, 202, width=50)])

    assert proposal.name is not None and proposal.name.value == "刘芳"
    assert proposal.id_number is None
    assert proposal.birth_date is None
    assert proposal.sex is None
    assert proposal.ethnicity is None
    assert proposal.address is None
    assert not proposal.empty


def test_parse_no_lines_is_empty() -> None:
    proposal = _parse([])

    assert proposal.empty


def test_parse_unrelated_text_is_empty() -> None:
    proposal = _parse([_line("中华人民共和国", 100, 40), _line("居民身份证", 100, 120), _line("有效期限2016.01.01-2026.01.01", 100, 300)])

    assert proposal.empty


def test_parse_label_split_from_value() -> None:
    lines = [
        _line("民族", 186, 101, width=50),
        _line("回", 259, 104, width=24, confidence=0.93),
        _line("性别女", 38, 99, width=60),
        _line("出生1", 38, 150, width=60),
        _line("1960年1月1日", 104, 149),
        _line("姓名", 38, 49, width=50),
        _line("刘芳", 104, 47, width=60),
    ]

    proposal = _parse(lines)

    assert proposal.name is not None and proposal.name.value == "刘芳"
    assert proposal.ethnicity is not None and proposal.ethnicity.value == "回"
    assert proposal.ethnicity.confidence == pytest.approx(0.93)
    assert proposal.sex is not None and proposal.sex.value == "女"
    assert proposal.birth_date is not None and proposal.birth_date.value == "1960-01-01"


def test_parse_label_on_own_row_takes_next_row() -> None:
    lines = [_line("姓名", 38, 49, width=50), _line("王建国", 38, 90, width=80), _line("性别男", 38, 140, width=60)]

    proposal = _parse(lines)

    assert proposal.name is not None and proposal.name.value == "王建国"
    assert proposal.sex is not None and proposal.sex.value == "男"


def test_join_rows_tilted_photo() -> None:
    # On a photo rotated by a few degrees the long value box starts level with its label
    # but its top-right corner is 15 px higher than the label's top.
    lines = [
        _line("西路210号", 112, 239, width=100),
        _line("江苏省昆山市玉山镇前进", 109, 212, width=260, tilt=15),
        _line("住址", 39, 216, width=50),
    ]

    rows = join_rows(lines)

    assert [text for text, _ in rows] == ["住址江苏省昆山市玉山镇前进", "西路210号"]


def test_parse_noise_between_label_and_value() -> None:
    lines = [_line("姓名：孙立新", 38, 49), _line("住址一北京市东城区东四北大街107号", 40, 202)]

    proposal = _parse(lines)

    assert proposal.name is not None and proposal.name.value == "孙立新"
    assert proposal.address is not None and proposal.address.value == "北京市东城区东四北大街107号"


def test_parse_name_merged_with_next_label() -> None:
    proposal = _parse([_line("姓名马玉兰性别女民族回", 38, 49, width=400)])

    assert proposal.name is not None and proposal.name.value == "马玉兰"
    assert proposal.sex is not None and proposal.sex.value == "女"
    assert proposal.ethnicity is not None and proposal.ethnicity.value == "回"
