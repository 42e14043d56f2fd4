"""Purpose-specific consents (授权同意) under PIPL: separate, unticked by default, withdrawable.

Each purpose is granted or declined on its own, and each choice is one
append-only ``ConsentRecord`` with the version of the policy text, the time
and the client address, plus an audit entry. Declining an optional purpose
never blocks an application; a missing required purpose blocks submission.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Mapping

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import ConsentRecord
from lendapp.services.audit import record_audit

logger = logging.getLogger(__name__)


class ConsentPurpose(enum.StrEnum):
    """Purpose that one consent permits."""

    SENSITIVE_PERSONAL_INFORMATION = "sensitive_personal_information"
    CREDIT_BUREAU = "credit_bureau"
    THIRD_PARTY_DATA = "third_party_data"
    AUTOMATED_DECISION = "automated_decision"


@dataclasses.dataclass(frozen=True)
class ConsentPolicy:
    """The current text version of one purpose and whether an application needs it."""

    purpose: ConsentPurpose
    version: str
    required: bool


# Automated decision-making is optional: without it, a person reviews the application.
CONSENT_POLICIES: tuple[ConsentPolicy, ...] = (
    ConsentPolicy(ConsentPurpose.SENSITIVE_PERSONAL_INFORMATION, "2026-12-01", required=True),
    ConsentPolicy(ConsentPurpose.CREDIT_BUREAU, "2026-12-01", required=True),
    ConsentPolicy(ConsentPurpose.THIRD_PARTY_DATA, "2026-12-01", required=False),
    ConsentPolicy(ConsentPurpose.AUTOMATED_DECISION, "2026-12-01", required=False),
)
REQUIRED_PURPOSES = frozenset(policy.purpose for policy in CONSENT_POLICIES if policy.required)


@dataclasses.dataclass(frozen=True)
class ConsentState:
    """A purpose's newest choice by one borrower."""

    purpose: str
    granted: bool
    policy_version: str
    required: bool


def latest_consents(session: Session, user_id: int) -> dict[str, ConsentRecord]:
    """Return the newest record of each purpose for ``user_id``, inside the caller's session."""
    rows = session.exec(
        select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.created_at, ConsentRecord.id)
    ).all()
    return {row.purpose: row for row in rows}


def record_consents(
    user_id: int,
    choices: Mapping[str, bool],
    *,
    application_id: int | None = None,
    client_ip: str = "",
    engine: sa.Engine | None = None,
) -> list[ConsentState]:
    """Record each purpose whose choice differs from the borrower's newest record, and audit it.

    Unknown purposes are ignored. Returns the state of every purpose after the change.
    """
    policies = {policy.purpose.value: policy for policy in CONSENT_POLICIES}
    with session_scope(engine) as session:
        latest = latest_consents(session, user_id)
        for purpose, granted in choices.items():
            policy = policies.get(purpose)
            if policy is None:
                continue
            previous = latest.get(purpose)
            if previous is not None and previous.granted == bool(granted) and previous.policy_version == policy.version:
                continue
            record = ConsentRecord(
                user_id=user_id,
                application_id=application_id,
                purpose=purpose,
                policy_version=policy.version,
                granted=bool(granted),
                client_ip=client_ip,
            )
            session.add(record)
            record_audit(
                session,
                action="consent.grant" if granted else "consent.withdraw",
                object_type="consent",
                object_id=purpose,
                actor_id=user_id,
                actor_role="borrower",
                before={"granted": previous.granted} if previous else None,
                after={"granted": bool(granted), "policy_version": policy.version, "application_id": application_id},
                client_ip=client_ip,
            )
            latest[purpose] = record
            logger.info("Borrower %s %s consent %s", user_id, "granted" if granted else "withdrew", purpose)
        return [_state_of(policy, latest.get(policy.purpose.value)) for policy in CONSENT_POLICIES]


def own_consents(user_id: int, engine: sa.Engine | None = None) -> list[ConsentState]:
    """Return the state of every purpose for ``user_id``; a purpose never chosen counts as not granted."""
    with session_scope(engine) as session:
        latest = latest_consents(session, user_id)
    return [_state_of(policy, latest.get(policy.purpose.value)) for policy in CONSENT_POLICIES]


def missing_required(session: Session, user_id: int) -> list[str]:
    """Return the required purposes that ``user_id`` has not granted under the current policy version."""
    latest = latest_consents(session, user_id)
    missing = []
    for policy in CONSENT_POLICIES:
        record = latest.get(policy.purpose.value)
        if policy.required and (record is None or not record.granted or record.policy_version != policy.version):
            missing.append(policy.purpose.value)
    return missing


def _state_of(policy: ConsentPolicy, record: ConsentRecord | None) -> ConsentState:
    granted = record is not None and record.granted and record.policy_version == policy.version
    return ConsentState(purpose=policy.purpose.value, granted=granted, policy_version=policy.version, required=policy.required)
