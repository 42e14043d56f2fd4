"""Application fraud rules: velocity and attributes shared across applicants.

The rules are pure functions over recent application records that a service
loads from the database. Identifiers arrive hashed (phone, bank card, ID
number), so this module never sees a full number. The anomaly score of the
IsolationForest trained with the credit model is in
``lendapp.risk.scoring.Scorer.anomaly_scores``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Attributes whose reuse across applicants the shared-attribute rule checks.
SHARED_ATTRIBUTES: tuple[str, ...] = ("device_id", "client_address", "phone_hash", "bank_card_hash", "id_hash")


@dataclass(frozen=True)
class ApplicationRecord:
    """One recent application as the fraud rules see it.

    Attributes:
        application_id: Application id.
        applicant_id: Borrower account id.
        submitted_at: Submission time (timezone-aware, UTC).
        device_id: Device fingerprint; None when unknown.
        client_address: Client IP address; None when unknown.
        phone_hash: Keyed hash of the phone number.
        bank_card_hash: Keyed hash of the bank card number.
        id_hash: Keyed hash of the resident ID number.
    """

    application_id: str
    applicant_id: str
    submitted_at: datetime
    device_id: str | None
    client_address: str | None
    phone_hash: str | None
    bank_card_hash: str | None
    id_hash: str | None


@dataclass(frozen=True)
class FraudSettings:
    """Thresholds of the fraud rules.

    Attributes:
        velocity_window: Look-back window of the velocity rule.
        max_applications_in_window: Most applications one ID may submit in the
            window, the new one included.
        shared_window: Look-back window of the shared-attribute rule.
        max_applicants_per_attribute: Most distinct applicants that may share one
            attribute value in the window, the new applicant included.
    """

    velocity_window: timedelta = timedelta(days=1)
    max_applications_in_window: int = 3
    shared_window: timedelta = timedelta(days=30)
    max_applicants_per_attribute: int = 2

    def __post_init__(self) -> None:
        if self.max_applications_in_window < 1 or self.max_applicants_per_attribute < 1:
            raise ValueError("FraudSettings: the maximum counts must be 1 or more")
        if self.velocity_window <= timedelta(0) or self.shared_window <= timedelta(0):
            raise ValueError("FraudSettings: the windows must be longer than zero")


DEFAULT_FRAUD_SETTINGS = FraudSettings()


@dataclass(frozen=True)
class FraudHit:
    """A fraud rule that applied.

    Attributes:
        code: ``velocity`` or ``shared_<attribute>``.
        count: Applications (velocity) or distinct applicants (shared attribute) found in the window.
        limit: The configured maximum.
        related_application_ids: Other applications that made the rule apply.
        message_key: Catalog key of the staff text.
    """

    code: str
    count: int
    limit: int
    related_application_ids: tuple[str, ...]
    message_key: str


def _in_window(record: ApplicationRecord, candidate: ApplicationRecord, window: timedelta) -> bool:
    return record.application_id != candidate.application_id and candidate.submitted_at - window <= record.submitted_at <= candidate.submitted_at


def velocity_hit(candidate: ApplicationRecord, recent: Sequence[ApplicationRecord], settings: FraudSettings = DEFAULT_FRAUD_SETTINGS) -> FraudHit | None:
    """Return a hit when the candidate's ID hash (or account, without one) applied too often in the window."""
    def same_person(record: ApplicationRecord) -> bool:
        if candidate.id_hash is not None:
            return record.id_hash == candidate.id_hash
        return record.applicant_id == candidate.applicant_id

    related = [record for record in recent if _in_window(record, candidate, settings.velocity_window) and same_person(record)]
    count = len(related) + 1
    if count <= settings.max_applications_in_window:
        return None
    return FraudHit(
        code="velocity",
        count=count,
        limit=settings.max_applications_in_window,
        related_application_ids=tuple(record.application_id for record in related),
        message_key="risk.fraud.velocity",
    )


def shared_attribute_hits(
    candidate: ApplicationRecord, recent: Sequence[ApplicationRecord], settings: FraudSettings = DEFAULT_FRAUD_SETTINGS
) -> list[FraudHit]:
    """Return a hit for each attribute whose value the candidate shares with too many other applicants in the window."""
    hits = []
    window = [record for record in recent if _in_window(record, candidate, settings.shared_window)]
    for attribute in SHARED_ATTRIBUTES:
        value = getattr(candidate, attribute)
        if value is None:
            continue
        related = [record for record in window if getattr(record, attribute) == value and record.applicant_id != candidate.applicant_id]
        applicants = {record.applicant_id for record in related} | {candidate.applicant_id}
        if len(applicants) > settings.max_applicants_per_attribute:
            hits.append(
                FraudHit(
                    code=f"shared_{attribute}",
                    count=len(applicants),
                    limit=settings.max_applicants_per_attribute,
                    related_application_ids=tuple(record.application_id for record in related),
                    message_key=f"risk.fraud.shared_{attribute}",
                )
            )
    return hits


def check_fraud(candidate: ApplicationRecord, recent: Sequence[ApplicationRecord], settings: FraudSettings = DEFAULT_FRAUD_SETTINGS) -> list[FraudHit]:
    """Run every fraud rule on ``candidate`` against ``recent`` applications; an empty list means no hit."""
    hits = shared_attribute_hits(candidate, recent, settings)
    velocity = velocity_hit(candidate, recent, settings)
    if velocity is not None:
        hits.insert(0, velocity)
    return hits
