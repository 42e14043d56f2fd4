"""How long sign-in sessions, SMS codes and lockouts last.

Staff sessions are shorter than borrowers' because a staff session can reach
every borrower's data, while a borrower session reaches one person's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lendapp.domain.permissions import is_staff_role


@dataclasses.dataclass(frozen=True)
class SessionLimits:
    """The lifetime rules of one kind of session."""

    absolute: dt.timedelta
    idle: dt.timedelta


BORROWER_SESSION = SessionLimits(absolute=dt.timedelta(days=7), idle=dt.timedelta(hours=2))
STAFF_SESSION = SessionLimits(absolute=dt.timedelta(hours=12), idle=dt.timedelta(minutes=30))

# The sign-in handoff code lives only for the browser's POST that follows the sign-in.
HANDOFF_LIFETIME = dt.timedelta(seconds=60)
# A session's last-seen time is written at most this often, to save a write per event.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)

SMS_CODE_LIFETIME = dt.timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_CODES_PER_HOUR = 5
# Codes one client address may request per hour across all numbers, against SMS pumping.
# Generous, because mobile carriers put many phones behind one shared address.
SMS_CODES_PER_CLIENT_PER_HOUR = 20
SMS_RESEND_INTERVAL = dt.timedelta(seconds=60)

SIGN_IN_FAILURE_LIMIT = 5
SIGN_IN_FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCKOUT_DURATION = dt.timedelta(minutes=15)


def session_limits(role: str) -> SessionLimits:
    """Return the session lifetime rules for an account of ``role``."""
    return STAFF_SESSION if is_staff_role(role) else BORROWER_SESSION


def session_is_live(
    *,
    created_at: dt.datetime,
    last_seen_at: dt.datetime,
    revoked: bool,
    limits: SessionLimits,
    now: dt.datetime,
) -> bool:
    """Return whether a session may still be used at ``now``."""
    if revoked:
        return False
    if now >= created_at + limits.absolute:
        return False
    return now < last_seen_at + limits.idle
