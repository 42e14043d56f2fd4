"""Server-side authorization for Reflex event handlers.

Any browser can send any event to any handler with any arguments, so page
guards and hidden buttons protect nothing. Every handler is therefore either
listed in ``PUBLIC_EVENT_HANDLERS`` with the reason it is safe for anyone, or
decorated with ``requires(permission)``, which resolves the session from the
HttpOnly cookie on every call and refuses before the handler body runs.

Where the cookie comes from: Reflex 0.10.1 copies the headers of the
websocket handshake into ``self.router.headers`` (``cookie`` included, kept
on the server only). They are fixed for the life of the websocket, so the
cookie set by ``POST /api/auth/session`` reaches handlers after the full page
load that follows it. Sign-out and revocation still take effect at once,
because the session row is checked on every call.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

import reflex as rx

from lendapp.domain.permissions import Permission, has_permission
from lendapp.domain.roles import Role
from lendapp.i18n import translate
from lendapp.services.session_cookie import safe_next_path, token_from_cookie_header
from lendapp.services.sessions import Principal, resolve_session
from lendapp.state.i18n import I18nState

logger = logging.getLogger(__name__)

SECURITY_PAGE = "/account/security"
BORROWER_SIGN_IN_PAGE = "/login"
STAFF_SIGN_IN_PAGE = "/staff/login"

_current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("lendapp_principal", default=None)

# Every state has Reflex's ``setvar`` handler. It only calls the state's own
# ``set_<name>`` handlers, which are listed here or guarded like any other.
SETVAR_REASON = "calls only the state's explicit set_* handlers, each listed or guarded itself"

# Handlers anyone may call, as "StateClass.handler", each with the reason it is safe.
PUBLIC_EVENT_HANDLERS: dict[str, str] = {
    # Reflex's own states.
    "State.hydrate": "Reflex internal: sends the client its own state",
    "State.hydrate_and_load": "Reflex internal: hydrates and queues the page's on_load handlers",
    "State.set_is_hydrated": "Reflex internal: marks hydration finished",
    "OnLoadInternalState.on_load_internal": "Reflex internal: queues the page's on_load handlers, each listed or guarded",
    "OnLoadInternalState.set_is_hydrated": "Reflex internal: marks hydration finished",
    "UpdateVarsInternalState.update_vars_internal": "Reflex internal: sets only client-storage vars (cookies, local storage)",
    "FrontendEventExceptionState.handle_frontend_exception": "Reflex internal: logs a browser-side error",
    # Language and public content.
    "I18nState.set_locale": "changes the caller's own language cookie",
    "I18nState.toggle_locale": "changes the caller's own language cookie",
    "I18nState.sync_document_language": "only sets the page's lang attribute from the caller's own cookie",
    "HomeState.load_products": "reads the public product list",
    "HomeState.load_content": "reads public site content",
    "ProductPageState.load": "reads one public product page",
    "HelpState.load": "reads the public help articles",
    "HelpState.set_query": "filters the public help articles",
    "CalculatorState.load": "reads public products for the loan calculator",
    "CalculatorState.set_product": "recalculates a public loan estimate",
    "CalculatorState.set_method": "recalculates a public loan estimate",
    "CalculatorState.set_amount": "recalculates a public loan estimate",
    "CalculatorState.set_term": "recalculates a public loan estimate",
    "CalculatorState.set_rate": "recalculates a public loan estimate",
    # Signing in and out.
    "AuthState.load": "reports only the caller's own sign-in status",
    "AuthState.require_signed_in": "page guard: redirects a visitor without a session",
    "AuthState.require_staff": "page guard: redirects a visitor without a staff session",
    "AuthState.sign_out": "ends only the caller's own session",
    "LoginState.load": "reads the page's query string",
    "LoginState.submit": "checks credentials, throttled per account and client address",
    "StaffLoginState.load": "reads the page's query string",
    "StaffLoginState.submit": "checks credentials and TOTP, throttled per account and client address",
    "RegisterState.load": "resets the form",
    "RegisterState.send_code": "sends an SMS code, rate-limited per number",
    "RegisterState.resend_code": "sends an SMS code, rate-limited per number",
    "RegisterState.change_phone": "returns the form to its first step",
    "RegisterState.submit": "creates an account only with a valid SMS code",
    "ResetPasswordState.load": "resets the form",
    "ResetPasswordState.send_code": "sends an SMS code, rate-limited per number",
    "ResetPasswordState.resend_code": "sends an SMS code, rate-limited per number",
    "ResetPasswordState.change_phone": "returns the form to its first step",
    "ResetPasswordState.submit": "changes a password only with a valid SMS code",
    "StaffAccountsState.dismiss_credentials": "only clears a shown one-time password from the caller's page",
}


def client_ip_of(state: rx.State) -> str:
    """Return the client address of the websocket that sent the current event."""
    return state.router.session.client_ip or ""


async def principal_of(state: rx.State) -> Principal | None:
    """Resolve the session cookie of the current event's websocket to a principal, or None."""
    token = token_from_cookie_header(state.router.headers.cookie)
    if not token:
        return None
    return await asyncio.to_thread(resolve_session, token)


def current_principal() -> Principal:
    """Return the principal that the enclosing ``requires`` guard admitted.

    Raises:
        RuntimeError: When called outside a guarded handler.
    """
    principal = _current_principal.get()
    if principal is None:
        raise RuntimeError("current_principal() is only available inside a handler decorated with requires()")
    return principal


def sign_in_page_for(permission: Permission) -> str:
    """Return the sign-in page for a permission: staff sign-in when borrowers never hold it."""
    return BORROWER_SIGN_IN_PAGE if has_permission(Role.BORROWER, permission) else STAFF_SIGN_IN_PAGE


async def deny(state: rx.State, principal: Principal | None, permission: Permission) -> list:
    """Return the toast and redirect sent back for a denied event."""
    locale = (await state.get_state(I18nState)).locale
    if principal is None:
        return [rx.toast.error(translate("auth.guard.sign_in_required", locale)), _to_sign_in(state, permission)]
    if principal.setup_pending:
        return [rx.toast.warning(translate("auth.guard.setup_pending", locale)), rx.redirect(SECURITY_PAGE)]
    if not has_permission(principal.role, Permission.STAFF_WORKSPACE) and sign_in_page_for(permission) == STAFF_SIGN_IN_PAGE:
        # A borrower on a staff page: the way forward is signing in with a staff account.
        return [rx.toast.error(translate("auth.guard.staff_only", locale)), _to_sign_in(state, permission)]
    home = "/staff" if has_permission(principal.role, Permission.STAFF_WORKSPACE) else "/"
    return [rx.toast.error(translate("auth.guard.forbidden", locale)), rx.redirect(home)]


def _to_sign_in(state: rx.State, permission: Permission) -> rx.event.EventSpec:
    login_page = sign_in_page_for(permission)
    url = state.router.url
    # The query carries the calculator's terms to /apply, so it comes along unless the whole is too long.
    with_query = f"{url.path}?{url.query}" if url.query else url.path
    current_path = safe_next_path(with_query, safe_next_path(url.path, ""))
    if current_path:
        login_page += "?" + urllib.parse.urlencode({"next": current_path})
    return rx.redirect(login_page)


def requires(permission: Permission) -> Callable:
    """Decorate an event handler so it runs only for a live session holding ``permission``.

    Put it under ``@rx.event``. The handler reads the admitted principal with
    ``current_principal()``. A refused call returns a toast and a redirect
    without running the handler; it is logged with the handler's name.

    Raises:
        TypeError: At import time, for generator handlers (not supported).
    """

    def decorate(handler: Callable) -> Callable:
        if inspect.isasyncgenfunction(handler) or inspect.isgeneratorfunction(handler):
            raise TypeError(f"{handler.__qualname__}: requires() supports plain and async handlers only")

        @functools.wraps(handler)
        async def guarded(self: rx.State, *args: Any, **kwargs: Any) -> Any:
            principal = await principal_of(self)
            if principal is None or not principal.can(permission):
                who = f"user {principal.user_id} ({principal.role})" if principal else "a visitor without a session"
                logger.warning("Refused %s for %s: needs %s", handler.__qualname__, who, permission)
                return await deny(self, principal, permission)
            reset = _current_principal.set(principal)
            try:
                result = handler(self, *args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
                return result
            finally:
                _current_principal.reset(reset)

        guarded.required_permission = permission
        return guarded

    return decorate
