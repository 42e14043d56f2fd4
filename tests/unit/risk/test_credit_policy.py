"""Credit policy: hard rules, score bands, pricing under the rate cap and limit suggestion."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.domain.credit_policy import (
    DEFAULT_POLICY,
    ApplicantChecks,
    Outcome,
    PolicySettings,
    PricingTier,
    capped_rate,
    decide,
    pricing_tier,
    suggest_limit,
)
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.rate_cap import DEFAULT_RATE_CAP
from lendapp.i18n import translate
from tests.unit.risk.factories import make_application

CLEAN = ApplicantChecks(blacklisted=False, open_applications=0)


@dataclass(frozen=True)
class FakeScore:
    pd: float
    score: int
    unseen_categories: tuple[str, ...] = ()


def _codes(decision: object) -> list[str]:
    return [hit.code for hit in decision.rules_hit]  # type: ignore[attr-defined]


def test_policy_high_score_auto_approved() -> None:
    decision = decide(make_application(), FakeScore(0.02, 650), DEFAULT_POLICY, CLEAN)

    assert decision.outcome is Outcome.AUTO_APPROVED
    assert decision.rules_hit == ()
    assert decision.annual_rate == Decimal("0.0880")


def test_policy_middle_score_in_review() -> None:
    decision = decide(make_application(), FakeScore(0.15, 520), DEFAULT_POLICY, CLEAN)

    assert decision.outcome is Outcome.IN_REVIEW
    assert _codes(decision) == ["score_in_review_band"]


def test_policy_low_score_auto_declined() -> None:
    decision = decide(make_application(), FakeScore(0.6, 400), DEFAULT_POLICY, CLEAN)

    assert decision.outcome is Outcome.AUTO_DECLINED
    assert decision.annual_rate is None
    assert decision.suggested_limit == 0


@pytest.mark.parametrize(
    ("changes", "checks", "code"),
    [
        ({"age": 17}, CLEAN, "age_below_minimum"),
        ({"age": 60, "term_months": 72}, CLEAN, "age_above_maximum_at_maturity"),
        ({"monthly_income": None}, CLEAN, "income_missing"),
        ({"monthly_income": Decimal("3000"), "loan_amount": Decimal("12000.01")}, CLEAN, "amount_above_income_share"),
        ({"monthly_income": Decimal("1000000"), "loan_amount": Decimal("300000.01")}, CLEAN, "amount_above_person_cap"),
        ({}, ApplicantChecks(blacklisted=True, open_applications=0), "blacklisted"),
        ({}, ApplicantChecks(blacklisted=False, open_applications=1), "duplicate_application"),
    ],
)
def test_policy_hard_rule_declines(changes: dict, checks: ApplicantChecks, code: str) -> None:
    decision = decide(make_application(**changes), FakeScore(0.01, 700), DEFAULT_POLICY, checks)

    assert decision.outcome is Outcome.AUTO_DECLINED
    assert code in _codes(decision)


def test_policy_one_third_income_allowed() -> None:
    application = make_application(monthly_income=Decimal("3000"), loan_amount=Decimal("12000"))

    decision = decide(application, FakeScore(0.01, 700), DEFAULT_POLICY, CLEAN)

    assert decision.outcome is Outcome.AUTO_APPROVED


def test_policy_unseen_category_goes_review() -> None:
    decision = decide(make_application(), FakeScore(0.01, 700, ("purpose=agriculture",)), DEFAULT_POLICY, CLEAN)

    assert decision.outcome is Outcome.IN_REVIEW
    assert "unseen_category" in _codes(decision)


def test_policy_rule_keys_in_catalog() -> None:
    decision = decide(make_application(age=17, monthly_income=None), FakeScore(0.6, 400, ("job=x",)), DEFAULT_POLICY, ApplicantChecks(True, 2))

    for hit in decision.rules_hit:
        assert translate(hit.message_key, "zh-CN")
        assert translate(hit.message_key, "en")


@settings(max_examples=200, deadline=None)
@given(score=st.integers(300, 900))
def test_pricing_never_above_cap(score: int) -> None:
    tier = pricing_tier(score, DEFAULT_POLICY)

    if tier is not None:
        assert capped_rate(tier, DEFAULT_POLICY) <= DEFAULT_RATE_CAP.max_apr


def test_settings_reject_tier_above_cap() -> None:
    with pytest.raises(InvalidValueError, match="rate cap"):
        PolicySettings(pricing_tiers=(PricingTier(600, Decimal("0.25"), Decimal("1")),))


def test_settings_reject_unsorted_tiers() -> None:
    tiers = (PricingTier(500, Decimal("0.2"), Decimal("1")), PricingTier(600, Decimal("0.1"), Decimal("1")))

    with pytest.raises(InvalidValueError, match="pricing_tiers"):
        PolicySettings(pricing_tiers=tiers)


def test_settings_reject_crossed_bands() -> None:
    with pytest.raises(InvalidValueError, match="auto_decline_below_score"):
        PolicySettings(auto_approve_min_score=500, auto_decline_below_score=550)


@settings(max_examples=100, deadline=None)
@given(income=st.decimals(0, 10_000_000, places=2), score=st.integers(300, 900))
def test_suggested_limit_within_caps(income: Decimal, score: int) -> None:
    application = make_application(monthly_income=income)

    limit = suggest_limit(application, pricing_tier(score, DEFAULT_POLICY), DEFAULT_POLICY)

    assert limit >= 0
    assert limit <= DEFAULT_POLICY.per_person_cap
    assert limit * 3 <= income * 12
    assert limit % DEFAULT_POLICY.limit_step == 0
