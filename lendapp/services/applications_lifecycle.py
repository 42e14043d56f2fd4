"""Application statuses, the transitions between them, and the errors of the application services.

The statuses follow the application lifecycle: draft -> submitted -> scoring
-> auto_approved | in_review | auto_declined, then review, offer and
disbursement, with withdrawn and expired reachable from any open status.
"""

from __future__ import annotations

import enum
import logging

from lendapp.services.auth_errors import AccountsError

logger = logging.getLogger(__name__)


class ApplicationStatus(enum.StrEnum):
    """Status of an application in its lifecycle."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCORING = "scoring"
    AUTO_APPROVED = "auto_approved"
    IN_REVIEW = "in_review"
    AUTO_DECLINED = "auto_declined"
    DOCUMENTS_REQUESTED = "documents_requested"
    APPROVED = "approved"
    DECLINED = "declined"
    PENDING_SECOND_APPROVAL = "pending_second_approval"
    OFFER_ACCEPTED = "offer_accepted"
    CONTRACT_SIGNED = "contract_signed"
    DISBURSED = "disbursed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


S = ApplicationStatus
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN, S.EXPIRED}),
    S.SUBMITTED: frozenset({S.SCORING, S.WITHDRAWN}),
    S.SCORING: frozenset({S.AUTO_APPROVED, S.IN_REVIEW, S.AUTO_DECLINED}),
    S.AUTO_APPROVED: frozenset({S.OFFER_ACCEPTED, S.WITHDRAWN, S.EXPIRED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.DECLINED, S.DOCUMENTS_REQUESTED, S.WITHDRAWN}),
    S.DOCUMENTS_REQUESTED: frozenset({S.IN_REVIEW, S.WITHDRAWN, S.EXPIRED}),
    S.APPROVED: frozenset({S.PENDING_SECOND_APPROVAL, S.OFFER_ACCEPTED, S.WITHDRAWN, S.EXPIRED}),
    # A senior approver's confirmation returns the application to approved, where the borrower accepts the offer.
    S.PENDING_SECOND_APPROVAL: frozenset({S.APPROVED, S.OFFER_ACCEPTED, S.DECLINED, S.WITHDRAWN}),
    S.OFFER_ACCEPTED: frozenset({S.CONTRACT_SIGNED, S.WITHDRAWN, S.EXPIRED}),
    S.CONTRACT_SIGNED: frozenset({S.DISBURSED}),
}

# Statuses that block a new application by the same borrower or ID number.
ACTIVE_STATUSES = frozenset(TRANSITIONS)
CLOSED_STATUSES = frozenset(ApplicationStatus) - ACTIVE_STATUSES
# Statuses the status page shows as "still being decided".
PENDING_DECISION = frozenset({S.SUBMITTED, S.SCORING})


class InvalidTransitionError(ValueError):
    """A status change that the lifecycle does not allow."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"cannot move an application from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> None:
    """Raise unless the lifecycle allows moving from ``current`` to ``target``.

    Raises:
        InvalidTransitionError: Naming both statuses.
    """
    allowed = TRANSITIONS.get(ApplicationStatus(current), frozenset())
    if ApplicationStatus(target) not in allowed:
        raise InvalidTransitionError(current, target)


class ApplicationStateError(AccountsError):
    """The application is not in a status that allows the action (for example, editing after submission)."""
