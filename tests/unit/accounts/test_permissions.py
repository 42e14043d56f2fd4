"""The permission table: one row per role, and the rules the role descriptions set."""

from __future__ import annotations

from lendapp.domain.permissions import (
    DECISION_AND_PAYOUT_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
    is_staff_role,
    permissions_of,
    requires_totp,
)
from lendapp.domain.roles import STAFF_ROLES, Role


def test_permission_table_covers_every_role() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_every_permission_granted_somewhere() -> None:
    granted = set().union(*ROLE_PERMISSIONS.values())
    assert granted == set(Permission)


def test_admin_never_decides_or_pays() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] & DECISION_AND_PAYOUT_PERMISSIONS == frozenset()


def test_admin_manages_staff() -> None:
    assert has_permission(Role.ADMIN, Permission.STAFF_MANAGE)


def test_borrower_has_no_staff_permission() -> None:
    assert not has_permission(Role.BORROWER, Permission.STAFF_WORKSPACE)
    assert not has_permission(Role.BORROWER, Permission.PII_REVEAL)
    assert not has_permission(Role.BORROWER, Permission.STAFF_MANAGE)


def test_every_role_manages_own_account() -> None:
    for role in Role:
        assert has_permission(role, Permission.OWN_ACCOUNT), role


def test_staff_roles_reach_workspace() -> None:
    for role in STAFF_ROLES:
        assert is_staff_role(role), role
    assert not is_staff_role(Role.BORROWER)


def test_senior_approver_extends_reviewer() -> None:
    assert ROLE_PERMISSIONS[Role.REVIEWER] < ROLE_PERMISSIONS[Role.SENIOR_APPROVER]
    assert has_permission(Role.SENIOR_APPROVER, Permission.SECOND_APPROVAL)
    assert not has_permission(Role.REVIEWER, Permission.SECOND_APPROVAL)


def test_payouts_only_for_finance() -> None:
    holders = {role for role in Role if has_permission(role, Permission.DISBURSEMENT)}
    assert holders == {Role.FINANCE}


def test_only_staff_managers_are_admins() -> None:
    holders = {role for role in Role if has_permission(role, Permission.STAFF_MANAGE)}
    assert holders == {Role.ADMIN}


def test_unknown_role_has_nothing() -> None:
    assert permissions_of("superuser") == frozenset()
    assert not has_permission("superuser", Permission.OWN_ACCOUNT)


def test_totp_required_for_admin_finance() -> None:
    assert requires_totp(Role.ADMIN)
    assert requires_totp(Role.FINANCE)
    assert not requires_totp(Role.REVIEWER)
    assert not requires_totp(Role.BORROWER)
    assert not requires_totp("unknown")
