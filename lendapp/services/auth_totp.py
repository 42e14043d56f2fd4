"""TOTP two-factor sign-in for staff (RFC 6238: 6 digits, 30-second steps).

A code is accepted for the current step and one step either side (a window
of 1), and each step's code is accepted once, so a code seen over someone's
shoulder cannot be replayed. Enrolment shows the secret and its otpauth URI
once; the secret becomes active only after the first code from the
authenticator app is confirmed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import logging

import pyotp

from lendapp.db.engine import session_scope
from lendapp.db.models import UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import is_staff_role
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.pii import TOTP_PENDING_SECRET_COLUMN, TOTP_SECRET_COLUMN, decrypt, encrypt
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

ISSUER = "lendapp"
VALID_WINDOW = 1


@dataclasses.dataclass(frozen=True)
class TotpEnrolment:
    """The base32 secret and otpauth URI that the enrolment page shows once."""

    secret: str
    uri: str


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """Return the time step whose code equals ``code`` within the window, or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user: UserAccount, code: str, now: dt.datetime) -> bool:
    """Check a sign-in code against the user's confirmed secret and record its step.

    The caller commits the row, so the step is remembered even when the sign-in later fails.
    """
    if not user.totp_secret_enc:
        return False
    step = matching_step(decrypt(user.totp_secret_enc, TOTP_SECRET_COLUMN), code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def begin_enrolment(principal: Principal) -> TotpEnrolment:
    """Create a new pending secret for the signed-in staff member and return it once.

    Raises:
        PermissionDeniedError: When the account is a borrower's.
    """
    if not is_staff_role(principal.role):
        raise PermissionDeniedError("auth.error.forbidden")
    secret = pyotp.random_base32()
    with session_scope() as session:
        user = session.get(UserAccount, principal.user_id)
        if user is None:
            raise NotFoundError("account.error.session_not_found")
        user.totp_pending_secret_enc = encrypt(secret, TOTP_PENDING_SECRET_COLUMN)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)
    logger.info("TOTP enrolment started for user %s", principal.user_id)
    return TotpEnrolment(secret=secret, uri=uri)


def confirm_enrolment(principal: Principal, code: str, client_ip: str = "", now: dt.datetime | None = None) -> None:
    """Activate the pending secret once ``code`` matches it.

    Raises:
        InvalidInputError: When no enrolment is pending or the code does not match.
    """
    now = now or utc_now()
    with session_scope() as session:
        user = session.get(UserAccount, principal.user_id)
        if user is None or not user.totp_pending_secret_enc:
            raise InvalidInputError("security.error.totp_not_started", field="totp_code")
        secret = decrypt(user.totp_pending_secret_enc, TOTP_PENDING_SECRET_COLUMN)
        step = matching_step(secret, code, now)
        if step is None:
            raise InvalidInputError("security.error.totp_wrong", field="totp_code")
        user.totp_secret_enc = encrypt(secret, TOTP_SECRET_COLUMN)
        user.totp_pending_secret_enc = None
        user.totp_enabled_at = now
        user.totp_last_step = step
        user.updated_at = now
        record_audit(
            session,
            action="account.totp_enabled",
            object_type="user_account",
            object_id=user.id,
            actor_id=principal.user_id,
            actor_role=principal.role,
            after={"totp_enabled": True},
            client_ip=client_ip,
        )
    logger.info("TOTP enabled for user %s", principal.user_id)
