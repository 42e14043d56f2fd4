"""Arbitrary text never makes a check raise: every outcome is a result with a message key."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.domain.kyc import check_bank_card, check_business_licence, check_mobile, check_resident_id
from lendapp.integrations.cardbin_lookup import lookup_bin
from lendapp.integrations.regions import lookup_region
from tests.unit.kyc.conftest import TODAY

# Digits, ID-like letters and separators make near-miss numbers more likely than plain random text.
TEXT = st.one_of(st.text(max_size=80), st.text(alphabet="0123456789xX -１２３", max_size=25))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_resident_id_any_text(text: str) -> None:
    result = check_resident_id(text, region_lookup=lookup_region, today=TODAY)

    assert result.ok or result.error_key.startswith("apply.error.id_number.")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_bank_card_any_text(text: str) -> None:
    result = check_bank_card(text, bin_lookup=lookup_bin, payout=True)

    assert result.ok or result.error_key.startswith("apply.error.bank_card.")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_mobile_any_text(text: str) -> None:
    result = check_mobile(text)

    assert result.ok or result.error_key.startswith("apply.error.mobile.")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_business_licence_any_text(text: str) -> None:
    result = check_business_licence(text)

    assert result.ok or result.error_key.startswith("apply.error.business_licence.")
