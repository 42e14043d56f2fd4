"""The roles a user account can hold."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A user's role; staff hold exactly one staff role."""

    BORROWER = "borrower"
    REVIEWER = "reviewer"
    SENIOR_APPROVER = "senior_approver"
    RISK_MANAGER = "risk_manager"
    COLLECTOR = "collector"
    FINANCE = "finance"
    ADMIN = "admin"


STAFF_ROLES = tuple(role for role in Role if role is not Role.BORROWER)
