"""Every case of tests/data/kyc_vectors.json, through the checks with their real data tables."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lendapp.domain.kyc import check_bank_card, check_business_licence, check_mobile, check_resident_id
from lendapp.integrations.cardbin_lookup import lookup_bin
from lendapp.integrations.regions import lookup_region
from tests.unit.kyc.conftest import TODAY, VECTORS_PATH

VECTORS = json.loads(Path(VECTORS_PATH).read_text(encoding="utf-8"))
ID_CASES = VECTORS["resident_id"]


def _check_id(text: str):
    return check_resident_id(text, region_lookup=lookup_region, today=TODAY)


@pytest.mark.parametrize("case", ID_CASES["valid"], ids=lambda case: case["input"])
def test_resident_id_valid(case: dict) -> None:
    result = _check_id(case["input"])

    assert result.ok, result.error_key
    assert result.number == case["input"]
    assert result.birth_date == dt.date.fromisoformat(case["birth_date"])
    assert result.sex == case["sex"]
    assert result.region.province == case["province"]


@pytest.mark.parametrize("case", ID_CASES["normalize_then_valid"], ids=lambda case: case["normalized"])
def test_resident_id_normalized(case: dict) -> None:
    result = _check_id(case["input"])

    assert result.ok, result.error_key
    assert result.number == case["normalized"]


@pytest.mark.parametrize("case", ID_CASES["legacy_15_digit"], ids=lambda case: case["input"])
def test_resident_id_legacy_upgraded(case: dict) -> None:
    result = _check_id(case["input"])

    assert result.ok, result.error_key
    assert result.upgraded
    assert result.number == case["upgraded"]


@pytest.mark.parametrize("case", ID_CASES["invalid"], ids=lambda case: case["input"])
def test_resident_id_invalid(case: dict) -> None:
    result = _check_id(case["input"])

    assert not result.ok, case["why"]
    assert result.error_key.startswith("apply.error.id_number.")
    assert result.birth_date is None


def test_resident_id_invalid_reasons() -> None:
    keys = {case["input"]: _check_id(case["input"]).error_key for case in ID_CASES["invalid"]}

    assert keys["11010119900307103X"] == "apply.error.id_number.check_character"
    assert keys["110101199002301033"] == "apply.error.id_number.birth_date"
    assert keys["110101203001010014"] == "apply.error.id_number.birth_date_future"
    assert keys["999999199003071031"] == "apply.error.id_number.region"
    assert keys["11010119900307"] == "apply.error.id_number.format"


@pytest.mark.parametrize("case", VECTORS["bank_card"]["cases"], ids=lambda case: case["input"])
def test_bank_card_case(case: dict) -> None:
    result = check_bank_card(case["input"], bin_lookup=lookup_bin)
    expect = case.get("expect", "")

    if expect.startswith("rejected"):
        assert not result.ok
        assert result.error_key == "apply.error.bank_card.length"
        return
    assert result.ok, result.error_key
    assert result.luhn_valid == case["luhn"]
    if not case["luhn"]:
        assert result.warning_key == "apply.warning.bank_card.unionpay_luhn"
    if "bank" in case:
        assert result.issuer is not None
        assert result.issuer.bank in case["bank"]


@pytest.mark.parametrize("case", VECTORS["mobile_phone"]["cases"], ids=lambda case: case["input"])
def test_mobile_case(case: dict) -> None:
    result = check_mobile(case["input"])

    assert result.ok == case["valid"]
    if "normalized" in case:
        assert result.national == case["normalized"]
    if not case["valid"]:
        assert result.error_key == "apply.error.mobile.invalid"


@pytest.mark.parametrize("case", VECTORS["unified_social_credit_code"]["cases"], ids=lambda case: case["input"])
def test_business_licence_case(case: dict) -> None:
    result = check_business_licence(case["input"])

    assert result.ok == case["valid"]
    if not case["valid"]:
        assert result.error_key == "apply.error.business_licence.invalid"
