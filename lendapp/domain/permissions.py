"""What each role may do: the single permission table of lendapp.

Every server-side check (event handler guards, API route guards and the
services themselves) calls ``has_permission``, and nothing else decides access.
The table follows the role descriptions: borrowers act only on their own
data, and an admin manages staff, products, content and settings but never
approves an application or pays money out.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from lendapp.domain.roles import Role


class Permission(enum.StrEnum):
    """One action a role may be granted."""

    # Every signed-in user: own password, sessions and two-factor settings.
    OWN_ACCOUNT = "own_account"

    # Borrowers, on their own records only.
    OWN_APPLICATIONS = "own_applications"
    OWN_LOANS = "own_loans"
    OWN_DOCUMENTS = "own_documents"
    OWN_PAYMENTS = "own_payments"
    OWN_CONSENTS = "own_consents"
    OWN_DATA_EXPORT = "own_data_export"

    # Staff workspace.
    STAFF_WORKSPACE = "staff_workspace"
    PII_REVEAL = "pii_reveal"
    AUDIT_VIEW = "audit_view"

    # Reviewing applications.
    REVIEW_QUEUE = "review_queue"
    APPLICATION_DETAIL = "application_detail"
    APPLICATION_DECIDE = "application_decide"
    DOCUMENTS_REQUEST = "documents_request"
    SECOND_APPROVAL = "second_approval"

    # Risk.
    RISK_DASHBOARD = "risk_dashboard"
    SCORING_POLICY = "scoring_policy"
    MODEL_ACTIVATE = "model_activate"
    PRODUCT_RATES = "product_rates"

    # Collections.
    OVERDUE_LIST = "overdue_list"
    CONTACT_RECORD = "contact_record"
    PROMISE_TO_PAY = "promise_to_pay"
    HARDSHIP_PROPOSE = "hardship_propose"

    # Finance.
    DISBURSEMENT = "disbursement"
    TRANSFER_CONFIRM = "transfer_confirm"
    REFUND = "refund"
    RECONCILIATION = "reconciliation"
    PAYOUT_SECOND_CONFIRMATION = "payout_second_confirmation"
    LOANS_VIEW = "loans_view"

    # Administration.
    STAFF_MANAGE = "staff_manage"
    PRODUCT_MANAGE = "product_manage"
    CONTENT_MANAGE = "content_manage"
    SETTINGS_MANAGE = "settings_manage"


_BORROWER = frozenset({
    Permission.OWN_ACCOUNT,
    Permission.OWN_APPLICATIONS,
    Permission.OWN_LOANS,
    Permission.OWN_DOCUMENTS,
    Permission.OWN_PAYMENTS,
    Permission.OWN_CONSENTS,
    Permission.OWN_DATA_EXPORT,
})

_STAFF_BASE = frozenset({Permission.OWN_ACCOUNT, Permission.STAFF_WORKSPACE})

_REVIEWER = _STAFF_BASE | {
    Permission.REVIEW_QUEUE,
    Permission.APPLICATION_DETAIL,
    Permission.APPLICATION_DECIDE,
    Permission.DOCUMENTS_REQUEST,
    Permission.PII_REVEAL,
    Permission.LOANS_VIEW,
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.BORROWER: _BORROWER,
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.SENIOR_APPROVER: frozenset(_REVIEWER | {Permission.SECOND_APPROVAL}),
    Role.RISK_MANAGER: frozenset(_STAFF_BASE | {
        Permission.RISK_DASHBOARD,
        Permission.SCORING_POLICY,
        Permission.MODEL_ACTIVATE,
        Permission.PRODUCT_RATES,
        Permission.LOANS_VIEW,
    }),
    Role.COLLECTOR: frozenset(_STAFF_BASE | {
        Permission.OVERDUE_LIST,
        Permission.CONTACT_RECORD,
        Permission.PROMISE_TO_PAY,
        Permission.HARDSHIP_PROPOSE,
        Permission.PII_REVEAL,
        Permission.LOANS_VIEW,
    }),
    Role.FINANCE: frozenset(_STAFF_BASE | {
        Permission.DISBURSEMENT,
        Permission.TRANSFER_CONFIRM,
        Permission.REFUND,
        Permission.RECONCILIATION,
        Permission.PAYOUT_SECOND_CONFIRMATION,
        Permission.PII_REVEAL,
        Permission.LOANS_VIEW,
    }),
    Role.ADMIN: frozenset(_STAFF_BASE | {
        Permission.STAFF_MANAGE,
        Permission.PRODUCT_MANAGE,
        Permission.CONTENT_MANAGE,
        Permission.SETTINGS_MANAGE,
        Permission.AUDIT_VIEW,
        # Admins see the risk dashboard, as risk managers do, but change no policy from it.
        Permission.RISK_DASHBOARD,
    }),
}

# Permissions that move money or decide credit; the admin role must hold none of them.
DECISION_AND_PAYOUT_PERMISSIONS = frozenset({
    Permission.APPLICATION_DECIDE,
    Permission.SECOND_APPROVAL,
    Permission.DISBURSEMENT,
    Permission.TRANSFER_CONFIRM,
    Permission.REFUND,
    Permission.PAYOUT_SECOND_CONFIRMATION,
})

# Staff roles whose sign-in must use a TOTP code once enrolment is complete.
TOTP_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.FINANCE})


def permissions_of(role: str | Role) -> frozenset[Permission]:
    """Return the permissions of ``role``; an unknown role has none."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def has_permission(role: str | Role, permission: Permission) -> bool:
    """Return whether ``role`` has ``permission``."""
    return permission in permissions_of(role)


def is_staff_role(role: str | Role) -> bool:
    """Return whether ``role`` is a staff role (anything but borrower)."""
    return has_permission(role, Permission.STAFF_WORKSPACE)


def requires_totp(role: str | Role) -> bool:
    """Return whether staff of ``role`` must sign in with a TOTP code."""
    try:
        return Role(role) in TOTP_REQUIRED_ROLES
    except ValueError:
        return False
