"""Automatic decision of a submitted application: fraud rules, credit score and credit policy.

``score_application`` moves an application from submitted to scoring, then to
auto_approved, in_review or auto_declined, each step with a status event and
an audit entry. It is idempotent: only the caller that moves the application
out of submitted scores it, so a second call returns without work.

When no model is active (a fresh install before ``python -m lendapp model
train``), the application goes to in_review with reason ``model_unavailable``
instead of training a model inside a web request, which takes about 35 s
and would race with other workers. A person then decides it.

The application form does not ask for bank balances, savings, property,
credit history, other instalment plans or guarantors. Those model inputs take
the value of the model's baseline applicant, so they add nothing to the
score or to the reason codes, until bureau and bank data fill them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import threading
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanApplication, LoanProduct
from lendapp.db.types import utc_now
from lendapp.domain.credit_policy import ApplicantChecks, PolicySettings, decide
from lendapp.risk.features import MODEL_FEATURES, ApplicationFeatures, application_from_mapping, installment_rate_band
from lendapp.risk.fraud import DEFAULT_FRAUD_SETTINGS, ApplicationRecord, check_fraud
from lendapp.risk.registry import ModelRegistry, ModelRegistryError
from lendapp.risk.scoring import Scorer, load_active_scorer
from lendapp.services.applications import move_status
from lendapp.services.applications_lifecycle import ACTIVE_STATUSES, ApplicationStatus
from lendapp.services.audit import record_audit
from lendapp.services.decision_notices import notify_decision
from lendapp.services.consents import ConsentPurpose, latest_consents
from lendapp.services.policy_settings import effective_policy
from lendapp.services.quotes import QuoteError, load_product_terms, quote_product
from lendapp.services.risk_alerts import raise_fraud_alert

logger = logging.getLogger(__name__)

MODEL_UNAVAILABLE = "model_unavailable"
SCORING_FAILED = "scoring_failed"
FRAUD_REVIEW = "fraud_rule"
NO_AUTOMATED_DECISION = "no_automated_decision"

# German Credit job levels: A174 is "management / self-employed / highly qualified".
_JOB_OF_EMPLOYMENT = {
    "employed": "skilled",
    "self_employed": "management",
    "farmer": "unskilled",
    "student": "unemployed_nonresident",
    "retired": "unemployed_nonresident",
    "unemployed": "unemployed_nonresident",
}
_PURPOSE_OF = {
    "consumption": "other",
    "education": "education",
    "medical": "other",
    "home_improvement": "repairs",
    "business": "business",
    "agriculture": "agriculture",
    "vehicle": "car_used",
    "other": "other",
}
_UNCOLLECTED = ("checking_status", "credit_history", "savings", "property", "other_installment_plans", "guarantor")

_scorer_lock = threading.Lock()
_scorers: dict[tuple[str, str], Scorer] = {}


def _active_scorer(registry: ModelRegistry) -> Scorer:
    """Return the active model's scorer, loaded once per registry and version."""
    version = registry.active_version()
    if version is None:
        raise ModelRegistryError(f"no active model in {registry.root}; run `python -m lendapp model train`")
    key = (str(registry.root), version)
    with _scorer_lock:
        if key not in _scorers:
            _scorers[key] = load_active_scorer(registry)
        return _scorers[key]


def features_of(row: LoanApplication, baseline: dict[str, object], age: int, monthly_installment: Decimal) -> ApplicationFeatures:
    """Map an application row onto the scoring features; see the module docstring for uncollected inputs."""
    term_months = row.term if row.method != "bullet" else max(1, round(row.term / 30))
    values: dict[str, object] = {
        "age": age,
        "sex": row.sex,
        "monthly_income": row.monthly_income,
        "employment_months": row.employment_months or 0,
        "housing": row.housing,
        "dependants": row.dependants or 0,
        "loan_amount": row.amount,
        "term_months": term_months,
        "purpose": _PURPOSE_OF.get(row.purpose, "other"),
        "segment": row.segment or "consumer",
        "existing_credits": 1,
        "province": row.province or None,
        "job": _JOB_OF_EMPLOYMENT.get(row.employment_type, "unskilled"),
        "installment_rate_band": installment_rate_band(monthly_installment, row.monthly_income) if row.monthly_income else 4,
        "residence_years": min(4, max(1, row.residence_years or 1)),
    }
    for name in _UNCOLLECTED:
        values[name] = str(baseline[name])
    return application_from_mapping(values)


def _claim(application_id: int, now: dt.datetime) -> bool:
    with session_scope() as session:
        table = LoanApplication.__table__
        claimed = session.execute(
            sa.update(table)
            .where(table.c.id == application_id, table.c.status == ApplicationStatus.SUBMITTED.value)
            .values(status=ApplicationStatus.SCORING.value, scoring_at=now, updated_at=now)
        ).rowcount
        if claimed != 1:
            return False
        row = session.get(LoanApplication, application_id)
        # The UPDATE above already changed the status; the event records the move from submitted.
        row.status = ApplicationStatus.SUBMITTED.value
        move_status(session, row, ApplicationStatus.SCORING, None, "", now)
    return True


def _recent_records(session, row: LoanApplication, now: dt.datetime) -> tuple[ApplicationRecord, list[ApplicationRecord]]:
    window_start = now - DEFAULT_FRAUD_SETTINGS.shared_window
    others = session.exec(
        select(LoanApplication).where(LoanApplication.submitted_at >= window_start, LoanApplication.id != row.id)
    ).all()
    return _record_of(row), [_record_of(other) for other in others]


def _record_of(row: LoanApplication) -> ApplicationRecord:
    return ApplicationRecord(
        application_id=row.number,
        applicant_id=str(row.borrower_id),
        submitted_at=row.submitted_at or utc_now(),
        device_id=row.device_id or None,
        client_address=row.client_ip or None,
        phone_hash=row.contact_phone_hash,
        bank_card_hash=row.bank_card_hash,
        id_hash=row.id_number_hash,
    )


@dataclasses.dataclass(frozen=True)
class ScoringOutcome:
    """The automatic outcome of one application."""

    number: str
    status: str
    reason: str
    score: int | None


def _age_at(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - (0 if (today.month, today.day) >= (birth.month, birth.day) else 1)


def score_application(application_id: int, registry: ModelRegistry | None = None, now: dt.datetime | None = None) -> ScoringOutcome | None:
    """Score a submitted application and move it to its automatic outcome; None when another caller has it.

    Blocking (database and model); call it with ``asyncio.to_thread`` from the event loop.
    """
    now = now or utc_now()
    if not _claim(application_id, now):
        return None
    registry = registry or ModelRegistry()
    try:
        scorer = _active_scorer(registry)
    except ModelRegistryError as error:
        logger.warning("Application %s goes to review: %s", application_id, error)
        return _finish(application_id, ApplicationStatus.IN_REVIEW, MODEL_UNAVAILABLE, now)
    try:
        return _score_and_decide(application_id, scorer, now)
    except Exception:
        logger.exception("Scoring application %s failed; it goes to manual review", application_id)
        return _finish(application_id, ApplicationStatus.IN_REVIEW, SCORING_FAILED, now)


def policy_for_product(product: LoanProduct | None) -> PolicySettings:
    """Return the effective credit policy, with the product's minimum age when it is stricter."""
    policy = effective_policy()
    if product is None or product.min_age <= policy.min_age:
        return policy
    return dataclasses.replace(policy, min_age=product.min_age)


def _score_and_decide(application_id: int, scorer: Scorer, now: dt.datetime) -> ScoringOutcome:
    with session_scope() as session:
        row = session.get(LoanApplication, application_id)
        product = session.exec(select(LoanProduct).where(LoanProduct.code == row.product_code)).first()
        terms = load_product_terms(row.product_code)
        try:
            quote = quote_product(terms, row.amount, row.term, row.method, row.annual_rate)
            installment = quote.installment or quote.first_payment
        except (QuoteError, AttributeError):
            installment = row.amount / max(1, row.term or 1)
        age = _age_at(row.birth_date, now.date())
        features = features_of(row, scorer.compiled.baseline, age, installment)
        result = scorer.score(features)
        candidate, recent = _recent_records(session, row, now)
        fraud_hits = check_fraud(candidate, recent)
        others_open = session.exec(
            select(LoanApplication.id).where(
                LoanApplication.borrower_id == row.borrower_id,
                LoanApplication.id != row.id,
                LoanApplication.status.in_(list(ACTIVE_STATUSES)),
            )
        ).all()
        settings = policy_for_product(product)
        decision = decide(features, result, settings, ApplicantChecks(blacklisted=False, open_applications=len(others_open)))
        status = ApplicationStatus(decision.outcome.value)
        reason = decision.rules_hit[0].code if decision.rules_hit else "score_band"
        if fraud_hits and status is not ApplicationStatus.AUTO_DECLINED:
            status, reason = ApplicationStatus.IN_REVIEW, FRAUD_REVIEW
        automated = latest_consents(session, row.borrower_id).get(ConsentPurpose.AUTOMATED_DECISION.value)
        if automated is None or not automated.granted:
            # Without this consent the score only informs a person, who decides.
            status, reason = ApplicationStatus.IN_REVIEW, NO_AUTOMATED_DECISION
        row.score = result.score
        row.pd = result.pd
        row.model_version = result.model_version
        row.reason_codes = json.dumps([dataclasses.asdict(reason_code) for reason_code in result.reason_codes], ensure_ascii=False)
        row.rules_hit = json.dumps([hit.code for hit in decision.rules_hit] + [hit.code for hit in fraud_hits])
        row.offered_rate = decision.annual_rate
        row.suggested_limit = decision.suggested_limit
        raise_fraud_alert(session, row.number, [hit.code for hit in fraud_hits], _anomaly_score(scorer, features, row.number), now)
    return _finish(application_id, status, reason, now)


def _anomaly_score(scorer: Scorer, features: ApplicationFeatures, number: str) -> float | None:
    # The anomaly score only raises an alert, so a failure must not stop the decision.
    try:
        frame = pd.DataFrame([features.model_row()], columns=list(MODEL_FEATURES))
        return float(scorer.anomaly_scores(frame)[0])
    except Exception:
        logger.exception("Anomaly score of application %s failed; no anomaly alert for it", number)
        return None


def _finish(application_id: int, status: ApplicationStatus, reason: str, now: dt.datetime) -> ScoringOutcome:
    with session_scope() as session:
        row = session.get(LoanApplication, application_id)
        move_status(session, row, status, None, reason, now)
        notify_decision(session, row)
        row.decision_reason = reason
        row.decided_at = now
        row.updated_at = now
        record_audit(
            session,
            action="application.auto_decision",
            object_type="loan_application",
            object_id=row.number,
            before={"status": ApplicationStatus.SCORING.value},
            after={"status": status.value, "reason": reason, "score": row.score, "model_version": row.model_version},
        )
    logger.info("Application %s decided automatically: %s (%s)", application_id, status.value, reason)
    return ScoringOutcome(number=row.number, status=status.value, reason=reason, score=row.score)


def score_pending(registry: ModelRegistry | None = None) -> int:
    """Score every application still in submitted, for example after a restart; returns how many were scored."""
    with session_scope() as session:
        ids = session.exec(select(LoanApplication.id).where(LoanApplication.status == ApplicationStatus.SUBMITTED)).all()
    return sum(1 for application_id in ids if score_application(application_id, registry) is not None)


_background_tasks: set[asyncio.Task] = set()


def schedule_scoring(application_id: int) -> asyncio.Task:
    """Score an application in a worker thread after the current event handler returns.

    The task keeps running when the borrower closes the page; a strong
    reference keeps it from being garbage-collected before it finishes.
    """
    task = asyncio.get_running_loop().create_task(asyncio.to_thread(score_application, application_id))
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)
    return task
