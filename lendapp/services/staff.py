"""Staff accounts: creation (command line and admin page), listing, role changes,
deactivation and password or two-factor resets. Every change is audited.

A new or reset account gets a one-time password that is shown once and must
be changed at the first sign-in. Calls with ``actor=None`` come from the
operator command line and are audited as the ``system`` role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re

from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_phone
from lendapp.domain.permissions import Permission, is_staff_role
from lendapp.domain.roles import STAFF_ROLES, Role
from lendapp.integrations.crypto import phone_hash
from lendapp.services.audit import SYSTEM_ROLE, record_audit
from lendapp.services.auth import parse_phone
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.passwords import generate_one_time_password, hash_password
from lendapp.services.pii import PHONE_COLUMN, decrypt, encrypt
from lendapp.services.sessions import Principal, revoke_user_sessions

logger = logging.getLogger(__name__)

LOGIN_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
MAX_NAME_LENGTH = 64


@dataclasses.dataclass(frozen=True)
class StaffCredentials:
    """A user name and the one-time password to hand to the staff member; shown once."""

    user_id: int
    login: str
    one_time_password: str


@dataclasses.dataclass(frozen=True)
class StaffSummary:
    """One staff account as the admin page lists it."""

    user_id: int
    login: str
    display_name: str
    role: str
    phone: str
    is_active: bool
    totp_enabled: bool
    must_change_password: bool
    created_at: dt.datetime


def _require_admin(actor: Principal | None) -> None:
    if actor is not None and not actor.can(Permission.STAFF_MANAGE):
        logger.warning("Denied a staff-management action to user %s (%s)", actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _actor_fields(actor: Principal | None, client_ip: str) -> dict:
    if actor is None:
        return {"actor_id": None, "actor_role": SYSTEM_ROLE, "client_ip": client_ip}
    return {"actor_id": actor.user_id, "actor_role": actor.role, "client_ip": client_ip}


def _parse_role(role: str) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInputError("staff_accounts.error.role_invalid", field="role") from None
    if parsed not in STAFF_ROLES:
        raise InvalidInputError("staff_accounts.error.role_invalid", field="role")
    return parsed


def _next_login(session: Session, role: Role) -> str:
    used_logins = set(session.exec(select(UserAccount.login).where(UserAccount.login.like(f"{role}%"))).all())
    number = 1
    while f"{role}{number}" in used_logins:
        number += 1
    return f"{role}{number}"


def create_staff(
    actor: Principal | None, *, role: str, name: str, phone: str, login: str | None = None, client_ip: str = ""
) -> StaffCredentials:
    """Create a staff account with a one-time password.

    Args:
        actor: The admin creating the account, or None for the command line.
        role: A staff role name, such as ``finance``.
        name: The staff member's display name.
        phone: A mainland mobile number.
        login: The user name; ``<role><n>`` (for example ``finance1``) when omitted.
        client_ip: The admin's client address.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
        InvalidInputError: For an unknown role, empty name, invalid phone or taken user name.
    """
    _require_admin(actor)
    staff_role = _parse_role(role)
    display_name = (name or "").strip()
    if not display_name or len(display_name) > MAX_NAME_LENGTH:
        raise InvalidInputError("staff_accounts.error.name_invalid", field="name")
    phone_e164 = parse_phone(phone)
    requested_login = (login or "").strip().lower()
    if requested_login and not LOGIN_PATTERN.match(requested_login):
        raise InvalidInputError("staff_accounts.error.login_invalid", field="login")
    password = generate_one_time_password()
    password_hash = hash_password(password)
    with session_scope() as session:
        if requested_login and session.exec(select(UserAccount.id).where(UserAccount.login == requested_login)).first() is not None:
            raise InvalidInputError("staff_accounts.error.login_taken", field="login")
        user = UserAccount(
            role=str(staff_role),
            login=requested_login or _next_login(session, staff_role),
            display_name=display_name,
            password_hash=password_hash,
            phone_enc=encrypt(phone_e164, PHONE_COLUMN),
            phone_hash=phone_hash(phone_e164),
            must_change_password=True,
        )
        session.add(user)
        session.flush()
        record_audit(session, action="staff.create", object_type="user_account", object_id=user.id,
                     after={"login": user.login, "role": user.role, "phone": mask_phone(phone_e164)},
                     **_actor_fields(actor, client_ip))
        credentials = StaffCredentials(user_id=user.id, login=user.login, one_time_password=password)
    logger.info("Staff account %s (%s) created", credentials.user_id, staff_role)
    return credentials


def list_staff(actor: Principal) -> list[StaffSummary]:
    """Return every staff account, active ones first, then by user name.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
    """
    _require_admin(actor)
    with session_scope() as session:
        rows = session.exec(
            select(UserAccount).where(UserAccount.role.in_([str(role) for role in STAFF_ROLES])).order_by(UserAccount.login)
        ).all()
        summaries = [
            StaffSummary(
                user_id=row.id,
                login=row.login,
                display_name=row.display_name,
                role=row.role,
                phone=mask_phone(decrypt(row.phone_enc, PHONE_COLUMN)) if row.phone_enc else "",
                is_active=row.is_active,
                totp_enabled=row.totp_enabled_at is not None,
                must_change_password=row.must_change_password,
                created_at=row.created_at,
            )
            for row in rows
        ]
    return sorted(summaries, key=lambda summary: not summary.is_active)


def _staff_target(session: Session, user_id: int) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None or not is_staff_role(user.role):
        raise NotFoundError("staff_accounts.error.not_found")
    return user


def _reject_own_account(actor: Principal | None, user_id: int) -> None:
    # An admin locking out or demoting themselves could leave no one able to manage staff.
    if actor is not None and actor.user_id == user_id:
        raise InvalidInputError("staff_accounts.error.self_change")


def set_staff_active(actor: Principal | None, user_id: int, active: bool, client_ip: str = "") -> None:
    """Deactivate (ending every session) or reactivate a staff account.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
        NotFoundError: When ``user_id`` is not a staff account.
        InvalidInputError: When an admin targets their own account.
    """
    _require_admin(actor)
    _reject_own_account(actor, user_id)
    with session_scope() as session:
        user = _staff_target(session, user_id)
        before = user.is_active
        user.is_active = active
        user.updated_at = utc_now()
        if not active:
            revoke_user_sessions(session, user.id, "deactivated")
        record_audit(session, action="staff.activate" if active else "staff.deactivate", object_type="user_account",
                     object_id=user.id, before={"is_active": before}, after={"is_active": active},
                     **_actor_fields(actor, client_ip))
    logger.info("Staff account %s %s", user_id, "reactivated" if active else "deactivated")


def change_staff_role(actor: Principal | None, user_id: int, role: str, client_ip: str = "") -> None:
    """Give a staff account another staff role; it takes effect at the account's next request.

    Choosing the role the account already has changes and audits nothing.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
        NotFoundError: When ``user_id`` is not a staff account.
        InvalidInputError: For a non-staff role, or when an admin targets their own account.
    """
    _require_admin(actor)
    staff_role = _parse_role(role)
    _reject_own_account(actor, user_id)
    with session_scope() as session:
        user = _staff_target(session, user_id)
        before = user.role
        if before == staff_role:
            return
        user.role = str(staff_role)
        user.updated_at = utc_now()
        record_audit(session, action="staff.change_role", object_type="user_account", object_id=user.id,
                     before={"role": before}, after={"role": user.role}, **_actor_fields(actor, client_ip))
    logger.info("Staff account %s changed role from %s to %s", user_id, before, staff_role)


def reset_staff_password(actor: Principal | None, user_id: int, client_ip: str = "") -> StaffCredentials:
    """Issue a new one-time password to a staff account and end its sessions.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
        NotFoundError: When ``user_id`` is not a staff account.
        InvalidInputError: When an admin targets their own account (they use the security page).
    """
    _require_admin(actor)
    _reject_own_account(actor, user_id)
    password = generate_one_time_password()
    password_hash = hash_password(password)
    with session_scope() as session:
        user = _staff_target(session, user_id)
        user.password_hash = password_hash
        user.must_change_password = True
        user.password_changed_at = user.updated_at = utc_now()
        revoke_user_sessions(session, user.id, "password_reset")
        record_audit(session, action="staff.reset_password", object_type="user_account", object_id=user.id,
                     after={"must_change_password": True}, **_actor_fields(actor, client_ip))
        credentials = StaffCredentials(user_id=user.id, login=user.login, one_time_password=password)
    logger.info("Staff account %s was given a one-time password", user_id)
    return credentials


def reset_staff_totp(actor: Principal | None, user_id: int, client_ip: str = "") -> None:
    """Remove a staff account's TOTP secret (a lost phone); the account enrols again at next sign-in.

    Raises:
        PermissionDeniedError: When ``actor`` may not manage staff.
        NotFoundError: When ``user_id`` is not a staff account.
        InvalidInputError: When an admin targets their own account.
    """
    _require_admin(actor)
    _reject_own_account(actor, user_id)
    with session_scope() as session:
        user = _staff_target(session, user_id)
        before = user.totp_enabled_at is not None
        user.totp_secret_enc = user.totp_pending_secret_enc = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        user.updated_at = utc_now()
        revoke_user_sessions(session, user.id, "totp_reset")
        record_audit(session, action="staff.reset_totp", object_type="user_account", object_id=user.id,
                     before={"totp_enabled": before}, after={"totp_enabled": False}, **_actor_fields(actor, client_ip))
    logger.info("TOTP removed from staff account %s", user_id)
