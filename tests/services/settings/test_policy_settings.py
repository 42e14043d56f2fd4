"""Credit-policy settings: definitions, validation, the effective policy, scoring, audit and permissions."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, LoanApplication, LoanProduct, PolicySetting
from lendapp.domain.credit_policy import DEFAULT_POLICY
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services import applications, policy_settings
from lendapp.services.applications import BorrowerDetails, LoanChoice
from lendapp.services.auth_errors import PermissionDeniedError
from lendapp.services.consents import ConsentPurpose, record_consents
from lendapp.services.policy_settings import PolicyValidationError
from lendapp.services.scoring_service import policy_for_product, score_application
from lendapp.services.sessions import Principal
from tests.services.accounts.helpers import register


def _form(**changes: str) -> dict[str, str]:
    """Return the settings form as the page submits it, at the default values, with ``changes``."""
    form = {
        definition.key: policy_settings.to_form_text(definition, definition.default)
        for definition in policy_settings.DEFINITIONS
        if definition.kind != "bool"
    }
    form["review_unseen_categories"] = "on"
    form.update(changes)
    return form


def _errors(risk_manager: Principal, **changes: str) -> dict[str, str]:
    with pytest.raises(PolicyValidationError) as caught:
        policy_settings.update_policy(risk_manager, _form(**changes))
    return {key: message for key, (message, _params) in caught.value.errors.items()}


def _audit() -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.execute(sa.select(AuditEntry).where(AuditEntry.action == "policy.update")).scalars())


def test_definitions_cover_every_policy_threshold() -> None:
    keys = {definition.key for definition in policy_settings.DEFINITIONS}

    assert len(keys) == len(policy_settings.DEFINITIONS)
    assert {"min_age", "max_age_at_maturity", "income_divisor", "per_person_cap", "auto_approve_min_score",
            "auto_decline_below_score", "review_unseen_categories", "limit_step"} <= keys
    assert {f"tier{number}_{part}" for number in range(1, 5) for part in ("min_score", "annual_rate", "limit_share")} <= keys


def test_defaults_build_default_policy() -> None:
    assert policy_settings.build_policy({}) == DEFAULT_POLICY


def test_effective_policy_without_rows_is_default(engine: sa.Engine) -> None:
    assert policy_settings.effective_policy() == DEFAULT_POLICY


def test_update_changes_effective_policy(risk_manager: Principal) -> None:
    assert policy_settings.effective_policy().auto_approve_min_score == 580

    changed = policy_settings.update_policy(
        risk_manager, _form(auto_approve_min_score="600", tier2_annual_rate="13.5", per_person_cap="200000"), client_ip="127.0.0.1"
    )

    assert sorted(changed) == ["auto_approve_min_score", "per_person_cap", "tier2_annual_rate"]
    policy = policy_settings.effective_policy()
    assert policy.auto_approve_min_score == 600
    assert policy.per_person_cap == Decimal("200000")
    assert policy.pricing_tiers[1].annual_rate == Decimal("0.135")
    assert policy.pricing_tiers[0] == DEFAULT_POLICY.pricing_tiers[0]


def test_update_writes_rows_and_audit(risk_manager: Principal) -> None:
    policy_settings.update_policy(risk_manager, _form(income_divisor="4"), client_ip="127.0.0.1")

    with session_scope() as session:
        row = session.get(PolicySetting, "income_divisor")
        assert (row.value, row.updated_by) == ("4", risk_manager.user_id)
    entries = _audit()
    assert len(entries) == 1
    assert json.loads(entries[0].before) == {"income_divisor": "3"}
    assert json.loads(entries[0].after) == {"income_divisor": "4"}
    assert (entries[0].actor_id, entries[0].actor_role, entries[0].client_ip) == (risk_manager.user_id, "risk_manager", "127.0.0.1")


def test_update_unchanged_writes_nothing(risk_manager: Principal) -> None:
    assert policy_settings.update_policy(risk_manager, _form()) == []

    assert _audit() == []
    with session_scope() as session:
        assert session.execute(sa.select(PolicySetting)).first() is None


def test_unchecked_box_turns_setting_off(risk_manager: Principal) -> None:
    form = _form()
    del form["review_unseen_categories"]

    policy_settings.update_policy(risk_manager, form)

    assert policy_settings.effective_policy().review_unseen_categories is False


def test_list_settings_shows_value_default_and_change(risk_manager: Principal) -> None:
    policy_settings.update_policy(risk_manager, _form(tier1_annual_rate="9"))

    views = {view.key: view for view in policy_settings.list_settings(risk_manager)}

    tier = views["tier1_annual_rate"]
    assert (tier.value, tier.default, tier.minimum, tier.maximum) == ("9", "8.8", "0.01", "24")
    assert not tier.is_default
    assert tier.updated_by == risk_manager.display_name
    assert tier.updated_at is not None
    assert views["min_age"].is_default
    assert views["min_age"].updated_at is None


@pytest.mark.parametrize(
    "changes,key,message",
    [
        ({"auto_approve_min_score": "450"}, "auto_approve_min_score", "settings.policy.error.bands"),
        ({"auto_approve_min_score": "500", "auto_decline_below_score": "520"}, "auto_approve_min_score", "settings.policy.error.bands"),
        ({"tier2_min_score": "620"}, "tier2_min_score", "settings.policy.error.tier_order"),
        ({"tier4_min_score": "600"}, "tier4_min_score", "settings.policy.error.tier_order"),
        ({"tier1_annual_rate": "24.5"}, "tier1_annual_rate", "settings.error.range"),
        ({"tier3_annual_rate": "12.345"}, "tier3_annual_rate", "settings.error.decimals"),
        ({"tier1_limit_share": "120"}, "tier1_limit_share", "settings.error.range"),
        ({"min_age": "17"}, "min_age", "settings.error.range"),
        ({"income_divisor": "2.5"}, "income_divisor", "settings.error.integer"),
        ({"per_person_cap": "lots"}, "per_person_cap", "settings.error.number"),
        ({"per_person_cap": ""}, "per_person_cap", "settings.error.number"),
        ({"limit_step": "0"}, "limit_step", "settings.error.range"),
    ],
)
def test_update_rejects_invalid_values(risk_manager: Principal, changes: dict[str, str], key: str, message: str) -> None:
    assert _errors(risk_manager, **changes)[key] == message
    assert _audit() == []


def test_tier_rates_never_exceed_rate_cap() -> None:
    cap = DEFAULT_POLICY.rate_cap.max_apr
    rate_definitions = [definition for definition in policy_settings.DEFINITIONS if definition.key.endswith("_annual_rate")]

    assert rate_definitions
    assert all(definition.maximum <= cap for definition in rate_definitions)


def test_admin_and_reviewer_refused(admin: Principal, reviewer: Principal) -> None:
    for actor in (admin, reviewer):
        with pytest.raises(PermissionDeniedError):
            policy_settings.list_settings(actor)
        with pytest.raises(PermissionDeniedError):
            policy_settings.update_policy(actor, _form(income_divisor="4"))
    assert policy_settings.effective_policy().income_divisor == 3


def test_stored_garbage_falls_back_to_default(engine: sa.Engine) -> None:
    with session_scope() as session:
        session.add(PolicySetting(key="income_divisor", value="three"))
        session.add(PolicySetting(key="retired_threshold", value="1"))

    assert policy_settings.effective_policy().income_divisor == 3


def test_cache_serves_until_update(risk_manager: Principal) -> None:
    first = policy_settings.effective_policy()
    with session_scope() as session:
        session.add(PolicySetting(key="income_divisor", value="5"))

    assert policy_settings.effective_policy() is first

    policy_settings.invalidate_cache()
    assert policy_settings.effective_policy().income_divisor == 5


def test_policy_for_product_keeps_stricter_age(risk_manager: Principal, product: str) -> None:
    policy_settings.update_policy(risk_manager, _form(min_age="20", auto_decline_below_score="470"))
    with session_scope() as session:
        row = session.execute(sa.select(LoanProduct).where(LoanProduct.code == product)).scalar_one()
        row.min_age = 22
        stricter = policy_for_product(row)
        row.min_age = 19
        looser = policy_for_product(row)

    assert (stricter.min_age, stricter.auto_decline_below_score) == (22, 470)
    assert (looser.min_age, looser.auto_decline_below_score) == (20, 470)
    assert policy_for_product(None).min_age == 20


# Scoring end to end with a real model, as tests/services/test_applications.py does.

ID_NUMBER = "110101199003071030"
CARD = "6228480012345678903"
PHONE = "13800138000"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    """A registry with one logistic scorecard, trained once per module on German Credit (about 5 s)."""
    frame, target, _ = load_german_credit(DATA_PATH)
    result = train(frame, target, kinds=(LOGISTIC,), n_jobs=1)
    model_registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    model_registry.register(result, file_sha256(DATA_PATH), activate=True)
    return model_registry


def _submitted_application(product: str) -> int:
    borrower = register(PHONE)
    number = applications.open_draft(borrower).number
    applications.save_loan(borrower, number, LoanChoice(product_code=product, amount=Decimal("20000"), term=12,
                                                        method="equal_installment", purpose="consumption"))
    applications.save_identity(borrower, number, "张三", ID_NUMBER)
    applications.save_details(borrower, number, BorrowerDetails(
        contact_phone=PHONE, address="北京市东城区东华门街道 1 号", employment_type="employed", employer="某某科技有限公司",
        monthly_income=Decimal("12000"), employment_months=36, housing="rent", residence_years=3, dependants=1,
    ))
    applications.save_bank_card(borrower, number, CARD)
    record_consents(borrower, {purpose.value: True for purpose in ConsentPurpose})
    applications.submit(borrower, number)
    return applications.application_id_of(number)


@pytest.mark.parametrize(
    "bands,status,rule",
    [
        ({"auto_approve_min_score": "900", "auto_decline_below_score": "899"}, "auto_declined", "score_below_decline_threshold"),
        ({"auto_approve_min_score": "301", "auto_decline_below_score": "300"}, "auto_approved", None),
    ],
)
def test_scoring_uses_effective_policy(
    risk_manager: Principal, product: str, registry: ModelRegistry, bands: dict[str, str], status: str, rule: str | None
) -> None:
    application_id = _submitted_application(product)
    policy_settings.update_policy(risk_manager, _form(review_unseen_categories="on", **bands))

    outcome = score_application(application_id, registry)

    assert outcome.status == status
    with session_scope() as session:
        row = session.get(LoanApplication, application_id)
        rules = json.loads(row.rules_hit)
    if rule is None:
        assert rules == []
        assert row.offered_rate is not None
    else:
        assert rule in rules


def test_scoring_prices_with_changed_tier(risk_manager: Principal, product: str, registry: ModelRegistry) -> None:
    application_id = _submitted_application(product)
    policy_settings.update_policy(risk_manager, _form(
        auto_approve_min_score="301", auto_decline_below_score="300",
        tier1_min_score="890", tier2_min_score="880", tier3_min_score="870", tier4_min_score="300", tier4_annual_rate="19.9",
    ))

    score_application(application_id, registry)

    with session_scope() as session:
        row = session.get(LoanApplication, application_id)
        assert row.offered_rate == Decimal("0.199")
        assert row.suggested_limit > 0


@pytest.mark.parametrize("submitted,expected", [("on", True), ("True", True), ("true", True), ("false", False), ("False", False)])
def test_checkbox_values_parsed(risk_manager: Principal, submitted: str, expected: bool) -> None:
    policy_settings.update_policy(risk_manager, _form(review_unseen_categories=submitted))

    assert policy_settings.effective_policy().review_unseen_categories is expected
