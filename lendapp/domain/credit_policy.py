"""Credit policy: hard rules, score bands, risk-based pricing and a credit-limit suggestion.

Pure rules over an application's facts and its score. The model lives in
``lendapp.risk``; this module only reads the few attributes named by the
``ApplicantFacts`` and ``ScoreFacts`` protocols, which
``lendapp.risk.features.ApplicationFeatures`` and
``lendapp.risk.scoring.ScoreResult`` provide.

Every threshold is a field of ``PolicySettings`` so that risk managers can
change it. The defaults are starting values for the cold-start model, not
values fitted to lendapp's own loans.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import Enum
from typing import Protocol

from lendapp.domain.errors import InvalidValueError
from lendapp.domain.rate_cap import DEFAULT_RATE_CAP, RateCapPolicy

MONTHS_PER_YEAR = 12


class ApplicantFacts(Protocol):
    """The application facts the policy reads."""

    age: int
    monthly_income: Decimal | None
    loan_amount: Decimal
    term_months: int


class ScoreFacts(Protocol):
    """The score facts the policy reads."""

    pd: float
    score: int
    unseen_categories: tuple[str, ...]


@dataclass(frozen=True)
class PricingTier:
    """One risk-based price.

    Attributes:
        min_score: Lowest score that gets this tier.
        annual_rate: Nominal annual rate as a fraction (0.12 is 12%).
        limit_share: Share of the income-based maximum offered as the credit limit, above 0 and at most 1.
    """

    min_score: int
    annual_rate: Decimal
    limit_share: Decimal


DEFAULT_PRICING_TIERS: tuple[PricingTier, ...] = (
    PricingTier(min_score=620, annual_rate=Decimal("0.0880"), limit_share=Decimal("1")),
    PricingTier(min_score=580, annual_rate=Decimal("0.1280"), limit_share=Decimal("0.8")),
    PricingTier(min_score=540, annual_rate=Decimal("0.1680"), limit_share=Decimal("0.6")),
    PricingTier(min_score=450, annual_rate=Decimal("0.2160"), limit_share=Decimal("0.4")),
)


@dataclass(frozen=True)
class PolicySettings:
    """Every threshold of the credit policy.

    Attributes:
        min_age: Minimum age at application, in years.
        max_age_at_maturity: Maximum age at the end of the term, in years.
        income_divisor: The amount may be at most annual income divided by this (3 is one third).
        per_person_cap: Maximum principal per person, in yuan.
        auto_approve_min_score: Scores at or above this are approved automatically.
        auto_decline_below_score: Scores below this are declined automatically;
            scores in between go to manual review.
        pricing_tiers: Tiers from the highest ``min_score`` down.
        rate_cap: The cap that no tier's rate may exceed.
        review_unseen_categories: Send applications with a category the model
            never saw in training to manual review.
        limit_step: Credit limits are rounded down to a multiple of this, in yuan.
    """

    min_age: int = 18
    max_age_at_maturity: int = 65
    income_divisor: int = 3
    per_person_cap: Decimal = Decimal("300000")
    auto_approve_min_score: int = 580
    auto_decline_below_score: int = 450
    pricing_tiers: tuple[PricingTier, ...] = DEFAULT_PRICING_TIERS
    rate_cap: RateCapPolicy = DEFAULT_RATE_CAP
    review_unseen_categories: bool = True
    limit_step: Decimal = Decimal("100")

    def __post_init__(self) -> None:
        if not 0 < self.min_age < self.max_age_at_maturity:
            raise InvalidValueError("min_age", self.min_age, f"above 0 and below max_age_at_maturity {self.max_age_at_maturity}")
        if self.income_divisor < 1:
            raise InvalidValueError("income_divisor", self.income_divisor, "1 or more")
        if not self.per_person_cap > 0:
            raise InvalidValueError("per_person_cap", self.per_person_cap, "above 0")
        if self.auto_decline_below_score > self.auto_approve_min_score:
            raise InvalidValueError(
                "auto_decline_below_score", self.auto_decline_below_score, f"at most auto_approve_min_score {self.auto_approve_min_score}"
            )
        if not self.limit_step > 0:
            raise InvalidValueError("limit_step", self.limit_step, "above 0")
        scores = [tier.min_score for tier in self.pricing_tiers]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
            raise InvalidValueError("pricing_tiers", scores, "distinct min_score values from highest to lowest")
        for tier in self.pricing_tiers:
            if not Decimal(0) < tier.annual_rate <= self.rate_cap.max_apr:
                raise InvalidValueError("pricing_tiers.annual_rate", tier.annual_rate, f"above 0 and at most the rate cap {self.rate_cap.max_apr}")
            if not Decimal(0) < tier.limit_share <= Decimal(1):
                raise InvalidValueError("pricing_tiers.limit_share", tier.limit_share, "above 0 and at most 1")


DEFAULT_POLICY = PolicySettings()


@dataclass(frozen=True)
class ApplicantChecks:
    """Facts the services look up before a decision.

    Attributes:
        blacklisted: The applicant's ID, phone or bank card is on the blacklist.
        open_applications: The applicant's other applications that are not yet
            decided, withdrawn or expired.
    """

    blacklisted: bool
    open_applications: int


class Outcome(str, Enum):
    """Automatic outcome; the values are application lifecycle states."""

    AUTO_APPROVED = "auto_approved"
    IN_REVIEW = "in_review"
    AUTO_DECLINED = "auto_declined"


@dataclass(frozen=True)
class RuleHit:
    """A rule that applied to an application.

    Attributes:
        code: Rule code, such as ``amount_above_income_share``.
        outcome: The outcome the rule forces.
        message_key: Catalog key of the staff text, ``risk.rule.<code>``.
    """

    code: str
    outcome: Outcome
    message_key: str


def _hit(code: str, outcome: Outcome) -> RuleHit:
    return RuleHit(code=code, outcome=outcome, message_key=f"risk.rule.{code}")


@dataclass(frozen=True)
class Decision:
    """The policy's decision on one application.

    Attributes:
        outcome: Automatic outcome.
        rules_hit: Every rule that applied, hard rules first.
        score: The score the decision used.
        pd: The probability of default the decision used.
        tier: The pricing tier of the score; None below the lowest tier.
        annual_rate: The tier's rate, never above the rate cap; None without a tier.
        suggested_limit: Suggested credit limit in yuan; 0 without income or tier.
    """

    outcome: Outcome
    rules_hit: tuple[RuleHit, ...]
    score: int
    pd: float
    tier: PricingTier | None
    annual_rate: Decimal | None
    suggested_limit: Decimal


def check_hard_rules(features: ApplicantFacts, settings: PolicySettings, checks: ApplicantChecks) -> list[RuleHit]:
    """Return the hard rules that ``features`` break; each forces an automatic decline."""
    hits = []
    if features.age < settings.min_age:
        hits.append(_hit("age_below_minimum", Outcome.AUTO_DECLINED))
    if features.age + math.ceil(features.term_months / MONTHS_PER_YEAR) > settings.max_age_at_maturity:
        hits.append(_hit("age_above_maximum_at_maturity", Outcome.AUTO_DECLINED))
    income = features.monthly_income
    if income is None or income <= 0:
        hits.append(_hit("income_missing", Outcome.AUTO_DECLINED))
    elif features.loan_amount * settings.income_divisor > income * MONTHS_PER_YEAR:
        hits.append(_hit("amount_above_income_share", Outcome.AUTO_DECLINED))
    if features.loan_amount > settings.per_person_cap:
        hits.append(_hit("amount_above_person_cap", Outcome.AUTO_DECLINED))
    if checks.blacklisted:
        hits.append(_hit("blacklisted", Outcome.AUTO_DECLINED))
    if checks.open_applications > 0:
        hits.append(_hit("duplicate_application", Outcome.AUTO_DECLINED))
    return hits


def score_band(score: int, settings: PolicySettings) -> Outcome:
    """Return the outcome of a score by the policy's bands."""
    if score >= settings.auto_approve_min_score:
        return Outcome.AUTO_APPROVED
    if score < settings.auto_decline_below_score:
        return Outcome.AUTO_DECLINED
    return Outcome.IN_REVIEW


def pricing_tier(score: int, settings: PolicySettings) -> PricingTier | None:
    """Return the first tier whose ``min_score`` the score reaches, or None."""
    for tier in settings.pricing_tiers:
        if score >= tier.min_score:
            return tier
    return None


def capped_rate(tier: PricingTier, settings: PolicySettings) -> Decimal:
    """Return the tier's annual rate, lowered to the rate cap if it were above it.

    NOTE: This caps the nominal rate. Fees raise the APR, so the offer built
    from it must still pass ``lendapp.domain.rate_cap.check_offer``.
    """
    return min(tier.annual_rate, settings.rate_cap.max_apr)


def suggest_limit(features: ApplicantFacts, tier: PricingTier | None, settings: PolicySettings) -> Decimal:
    """Suggest a credit limit: the tier's share of annual income / ``income_divisor``, at most the per-person cap.

    Returns 0 without a tier or a positive income. The result is rounded down
    to a multiple of ``settings.limit_step``.
    """
    income = features.monthly_income
    if tier is None or income is None or income <= 0:
        return Decimal(0)
    income_limit = income * MONTHS_PER_YEAR / settings.income_divisor * tier.limit_share
    limit = min(income_limit, settings.per_person_cap)
    steps = (limit / settings.limit_step).to_integral_value(rounding=ROUND_DOWN)
    return steps * settings.limit_step


def decide(features: ApplicantFacts, score_result: ScoreFacts, settings: PolicySettings, checks: ApplicantChecks) -> Decision:
    """Decide an application from its facts, its score and the services' checks.

    Any hard rule declines. Otherwise the score band decides, except that an
    application with a category unseen in training goes to manual review
    when ``settings.review_unseen_categories`` is set. The rate and limit are
    filled for approved and reviewed applications, so a reviewer sees the offer
    the score would get.
    """
    hard_hits = check_hard_rules(features, settings, checks)
    hits = list(hard_hits)
    band = score_band(score_result.score, settings)
    if band is Outcome.IN_REVIEW:
        hits.append(_hit("score_in_review_band", Outcome.IN_REVIEW))
    elif band is Outcome.AUTO_DECLINED:
        hits.append(_hit("score_below_decline_threshold", Outcome.AUTO_DECLINED))
    unseen = settings.review_unseen_categories and bool(score_result.unseen_categories)
    if unseen:
        hits.append(_hit("unseen_category", Outcome.IN_REVIEW))

    # A score that rests on a value the model never saw in training does not
    # approve or decline on its own. A hard rule still declines.
    if hard_hits:
        outcome = Outcome.AUTO_DECLINED
    elif unseen:
        outcome = Outcome.IN_REVIEW
    else:
        outcome = band

    tier = pricing_tier(score_result.score, settings) if outcome is not Outcome.AUTO_DECLINED else None
    return Decision(
        outcome=outcome,
        rules_hit=tuple(hits),
        score=score_result.score,
        pd=score_result.pd,
        tier=tier,
        annual_rate=capped_rate(tier, settings) if tier else None,
        suggested_limit=suggest_limit(features, tier, settings),
    )
