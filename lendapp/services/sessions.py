"""Server-side sign-in sessions.

A session is a row holding the SHA-256 of a random token; the token itself
lives only in the browser's HttpOnly cookie. A session ends at its absolute
expiry, after its idle timeout, or when it is revoked (sign-out, password
change or reset, "sign out other devices", deactivation by an admin).

Signing in does not hand the token to the page. The sign-in service stores a
single-use handoff code that lives for seconds; the browser posts it to
``POST /api/auth/session``, which calls ``redeem_handoff`` and sets the cookie.
Every sign-in therefore creates a new token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuthSession, SignInHandoff, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission, has_permission, requires_totp
from lendapp.domain.session_policy import (
    HANDOFF_LIFETIME,
    LAST_SEEN_RESOLUTION,
    session_is_live,
    session_limits,
)
from lendapp.domain.user_agent import describe_user_agent
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import CodeRejectedError, NotFoundError

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
# Maximum length of a token or code accepted from a request; real ones are 43 characters.
MAX_TOKEN_LENGTH = 128


@dataclasses.dataclass(frozen=True)
class Principal:
    """The signed-in user behind a request, as stored in the session and account rows now.

    Attributes:
        user_id: The account id.
        role: The account's role.
        session_id: The id of the session row.
        display_name: The name shown in the interface (a masked phone for borrowers).
        must_change_password: The password is a one-time password an admin issued.
        totp_enabled: Two-factor sign-in is set up.
    """

    user_id: int
    role: str
    session_id: int
    display_name: str
    must_change_password: bool
    totp_enabled: bool

    @property
    def setup_pending(self) -> bool:
        """Whether the account must change its password or enrol TOTP before anything else."""
        return self.must_change_password or (requires_totp(self.role) and not self.totp_enabled)

    def can(self, permission: Permission) -> bool:
        """Return whether this user may use ``permission`` now.

        Until the setup is complete, only the own-account permission (change
        password, enrol TOTP, sign out) is granted.
        """
        if self.setup_pending and permission is not Permission.OWN_ACCOUNT:
            return False
        return has_permission(self.role, permission)


@dataclasses.dataclass(frozen=True)
class IssuedSession:
    """A new session: the token goes into the cookie and is never stored."""

    token: str
    user_id: int
    role: str
    max_age_seconds: int


@dataclasses.dataclass(frozen=True)
class SessionView:
    """One active session as the owner sees it on the security page."""

    session_id: int
    device: str
    client_ip: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    is_current: bool


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored for a session token or handoff code."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_handoff(session: Session, user_id: int, now: dt.datetime | None = None) -> str:
    """Store a single-use handoff code for ``user_id`` in the caller's transaction and return it."""
    now = now or utc_now()
    code = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(SignInHandoff(user_id=user_id, code_hash=hash_token(code), created_at=now, expires_at=now + HANDOFF_LIFETIME))
    return code


def redeem_handoff(
    code: str,
    *,
    user_agent: str,
    client_ip: str,
    replaced_token: str | None = None,
    now: dt.datetime | None = None,
) -> IssuedSession:
    """Exchange a handoff code for a new session and its token.

    Args:
        code: The code the sign-in returned.
        user_agent: The browser's User-Agent header, kept for the session list.
        client_ip: The client address.
        replaced_token: The token of the cookie the browser already had; its
            session is revoked, so signing in again never leaves the old one open.
        now: The current time; tests pass it.

    Raises:
        CodeRejectedError: When the code is unknown, used, expired or its account inactive.
    """
    now = now or utc_now()
    if not code or len(code) > MAX_TOKEN_LENGTH:
        raise CodeRejectedError("auth.error.handoff_invalid")
    with session_scope() as session:
        handoff = session.exec(select(SignInHandoff).where(SignInHandoff.code_hash == hash_token(code))).first()
        user = session.get(UserAccount, handoff.user_id) if handoff else None
        if handoff is None or now >= handoff.expires_at or user is None or not user.is_active or not _claim(session, handoff.id, now):
            logger.info("Rejected a sign-in handoff code (unknown, used, expired or inactive account)")
            raise CodeRejectedError("auth.error.handoff_invalid")
        if replaced_token:
            _revoke_by_token(session, replaced_token, "replaced", now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        limits = session_limits(user.role)
        row = AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + limits.absolute,
            last_seen_at=now,
            user_agent=(user_agent or "")[:255],
            client_ip=(client_ip or "")[:64],
        )
        session.add(row)
        session.flush()
        logger.info("Session %s started for user %s", row.id, user.id)
        return IssuedSession(token=token, user_id=user.id, role=user.role, max_age_seconds=int(limits.absolute.total_seconds()))


def _claim(session: Session, handoff_id: int, now: dt.datetime) -> bool:
    # A conditional UPDATE lets exactly one of two concurrent redeems of the same code win, on both backends.
    table = SignInHandoff.__table__
    result = session.execute(
        sa.update(table).where(table.c.id == handoff_id, table.c.used_at.is_(None)).values(used_at=now)
    )
    return result.rowcount == 1


def resolve_session(token: str | None, now: dt.datetime | None = None) -> Principal | None:
    """Return the principal of a live session token, or None.

    A session is live when it is not revoked, not past its absolute expiry,
    not idle for longer than its idle timeout, and its account is active.
    The last-seen time is refreshed at most once a minute.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utc_now()
    with session_scope() as session:
        found = session.exec(
            select(AuthSession, UserAccount)
            .join(UserAccount, UserAccount.id == AuthSession.user_id)
            .where(AuthSession.token_hash == hash_token(token))
        ).first()
        if found is None:
            return None
        row, user = found
        live = session_is_live(
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            revoked=row.revoked_at is not None,
            limits=session_limits(user.role),
            now=now,
        )
        if not live or not user.is_active:
            return None
        if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
            row.last_seen_at = now
        return Principal(
            user_id=user.id,
            role=user.role,
            session_id=row.id,
            display_name=user.display_name,
            must_change_password=user.must_change_password,
            totp_enabled=user.totp_enabled_at is not None,
        )


def _revoke_by_token(session: Session, token: str, reason: str, now: dt.datetime) -> bool:
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    row.revoke_reason = reason
    return True


def revoke_token(token: str | None, reason: str = "sign_out", now: dt.datetime | None = None) -> bool:
    """Revoke the session of a cookie token; return whether a live row was revoked."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    with session_scope() as session:
        revoked = _revoke_by_token(session, token, reason, now or utc_now())
    if revoked:
        logger.info("Session revoked by its token (%s)", reason)
    return revoked


def revoke_user_sessions(
    session: Session, user_id: int, reason: str, *, keep_session_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Revoke every open session of ``user_id`` except ``keep_session_id``, in the caller's transaction.

    Returns:
        The number of sessions revoked.
    """
    table = AuthSession.__table__
    condition = sa.and_(table.c.user_id == user_id, table.c.revoked_at.is_(None))
    if keep_session_id is not None:
        condition = sa.and_(condition, table.c.id != keep_session_id)
    result = session.execute(sa.update(table).where(condition).values(revoked_at=now or utc_now(), revoke_reason=reason))
    return result.rowcount or 0


def revoke_own_session(principal: Principal, session_id: int, now: dt.datetime | None = None) -> None:
    """Sign out one of the principal's own sessions.

    Raises:
        NotFoundError: When the session does not exist, belongs to someone else or is already closed.
    """
    with session_scope() as session:
        row = session.get(AuthSession, session_id)
        if row is None or row.user_id != principal.user_id or row.revoked_at is not None:
            raise NotFoundError("account.error.session_not_found")
        row.revoked_at = now or utc_now()
        row.revoke_reason = "signed_out_remotely"
    logger.info("User %s closed their session %s", principal.user_id, session_id)


def revoke_other_sessions(principal: Principal, client_ip: str = "", now: dt.datetime | None = None) -> int:
    """Sign out every session of the principal except the current one.

    Returns:
        The number of sessions revoked.
    """
    with session_scope() as session:
        count = revoke_user_sessions(
            session, principal.user_id, "signed_out_others", keep_session_id=principal.session_id, now=now
        )
        record_audit(
            session,
            action="account.sign_out_others",
            object_type="user_account",
            object_id=principal.user_id,
            actor_id=principal.user_id,
            actor_role=principal.role,
            after={"sessions_revoked": count},
            client_ip=client_ip,
        )
    logger.info("User %s signed out %d other sessions", principal.user_id, count)
    return count


def list_own_sessions(principal: Principal, now: dt.datetime | None = None) -> list[SessionView]:
    """Return the principal's live sessions, the current one first, then by last activity."""
    now = now or utc_now()
    limits = session_limits(principal.role)
    with session_scope() as session:
        rows = session.exec(
            select(AuthSession)
            .where(AuthSession.user_id == principal.user_id, AuthSession.revoked_at.is_(None))
            .order_by(AuthSession.last_seen_at.desc())
        ).all()
        views = [
            SessionView(
                session_id=row.id,
                device=describe_user_agent(row.user_agent),
                client_ip=row.client_ip,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                is_current=row.id == principal.session_id,
            )
            for row in rows
            if session_is_live(created_at=row.created_at, last_seen_at=row.last_seen_at, revoked=False, limits=limits, now=now)
        ]
    return sorted(views, key=lambda view: not view.is_current)
