"""Sign-in status for page guards and the interface, and signing out.

The page guards here only steer the visitor to the right page; they protect
no data. Each handler that reads or changes data checks the session itself
(see ``lendapp.state.auth_guard``).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse

import reflex as rx

from lendapp.domain.permissions import Permission, is_staff_role, permissions_of
from lendapp.services.session_cookie import token_from_cookie_header
from lendapp.services.sessions import Principal, revoke_token
from lendapp.state.auth_guard import SECURITY_PAGE, principal_of
from lendapp.state.auth_handoff import complete_sign_out

logger = logging.getLogger(__name__)


def _login_redirect(login_page: str, current_path: str) -> rx.event.EventSpec:
    return rx.redirect(f"{login_page}?{urllib.parse.urlencode({'next': current_path})}")


class AuthState(rx.State):
    """The signed-in user's display name and kind, for the interface only."""

    signed_in: bool = False
    display_name: str = ""
    is_staff: bool = False
    setup_pending: bool = False
    # Permission names of the signed-in role, so navigation hides pages the role cannot open.
    permissions: list[str] = []

    def _show(self, principal: Principal | None) -> None:
        self.signed_in = principal is not None
        self.display_name = principal.display_name if principal else ""
        self.is_staff = bool(principal and is_staff_role(principal.role))
        self.setup_pending = bool(principal and principal.setup_pending)
        self.permissions = sorted(str(p) for p in permissions_of(principal.role)) if principal else []

    @rx.event
    async def load(self) -> None:
        """Show whether the visitor is signed in."""
        self._show(await principal_of(self))

    @rx.event
    async def require_signed_in(self) -> rx.event.EventSpec | None:
        """Send a visitor without a session to the sign-in page, then back here."""
        principal = await principal_of(self)
        self._show(principal)
        if principal is None:
            return _login_redirect("/login", self.router.url.path)
        return None

    @rx.event
    async def require_staff(self) -> rx.event.EventSpec | None:
        """Send a visitor without a staff session to the staff sign-in page.

        Staff who still have to change a one-time password or enrol TOTP go to
        the security page first.
        """
        principal = await principal_of(self)
        self._show(principal)
        if principal is None or not is_staff_role(principal.role):
            return _login_redirect("/staff/login", self.router.url.path)
        if not principal.can(Permission.STAFF_WORKSPACE):
            return rx.redirect(SECURITY_PAGE)
        return None

    @rx.event
    async def sign_out(self) -> rx.event.EventSpec:
        """Revoke the current session now, then let the backend clear the cookie."""
        token = token_from_cookie_header(self.router.headers.cookie)
        if token:
            await asyncio.to_thread(revoke_token, token, "sign_out")
        next_page = "/staff/login" if self.is_staff else "/login"
        self._show(None)
        return complete_sign_out(next_page)
