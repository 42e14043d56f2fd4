"""Resident ID rules beyond the reference vectors: check character, upgrade, age limits, regions."""

from __future__ import annotations

import datetime as dt

import pytest

from lendapp.domain.kyc import AgeLimits, Region, check_character, check_resident_id, upgrade_legacy_id
from lendapp.integrations.regions import lookup_region
from tests.unit.kyc.conftest import TODAY


def _every_region(code: str, year: int) -> Region:
    return Region(code=code, province="P", city="C", county="X")


def test_check_character_known_number() -> None:
    assert check_character("11010119900307103") == "0"


def test_check_character_rejects_wrong_length() -> None:
    with pytest.raises(ValueError):
        check_character("1234")


def test_upgrade_uses_check_character() -> None:
    upgraded = upgrade_legacy_id("110105491231002")

    assert upgraded == "11010519491231002X"
    assert upgraded[-1] == check_character(upgraded[:17])


def test_legacy_number_bad_date_rejected() -> None:
    result = check_resident_id("110105491331002", region_lookup=_every_region, today=TODAY)

    assert result.error_key == "apply.error.id_number.birth_date"


def test_age_below_limit_rejected_with_reason() -> None:
    body = "11010120100101001"
    result = check_resident_id(body + check_character(body), region_lookup=_every_region, today=TODAY, age_limits=AgeLimits(18, 60))

    assert not result.ok
    assert result.error_key == "apply.error.id_number.age_below"
    assert result.error_params == {"min_age": 18}
    assert result.age == 16


def test_age_above_limit_rejected_with_reason() -> None:
    result = check_resident_id("330106196001010014", region_lookup=_every_region, today=TODAY, age_limits=AgeLimits(18, 60))

    assert result.error_key == "apply.error.id_number.age_above"
    assert result.error_params == {"max_age": 60}


def test_age_counts_birthday_not_yet_reached() -> None:
    body = "11010119901205001"
    result = check_resident_id(body + check_character(body), region_lookup=_every_region, today=dt.date(2026, 12, 4))

    assert result.age == 35


def test_sex_from_seventeenth_digit() -> None:
    result = check_resident_id("510107199511203426", region_lookup=_every_region, today=TODAY)

    assert result.sex == "female"


def test_region_retired_code_known() -> None:
    # 110103 (崇文区) was merged into 东城区 in 2010; ID numbers issued before keep it.
    region = lookup_region("110103", 1985)

    assert region is not None
    assert region.county == "崇文区"


def test_region_name_follows_birth_year() -> None:
    assert lookup_region("320583", 1988).county == "昆山市"


def test_region_pre_1984_urban_code_known() -> None:
    # Before 1984 a prefecture-level city had one "市区" code ending in 20.
    region = lookup_region("330120", 1960)

    assert region is not None
    assert region.province == "浙江省"


def test_region_unknown_code() -> None:
    assert lookup_region("999999", 1990) is None
    assert lookup_region("12345", 1990) is None
