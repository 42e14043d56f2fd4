"""Session cookie routes and the permission guard for every other API route.

``POST /api/auth/session`` receives the handoff code of a sign-in as a
top-level form POST, sets the HttpOnly session cookie and redirects (303) to
the page the user was going to. The full page load that follows opens a new
websocket, whose handshake carries the cookie to the Reflex event handlers.
``POST /api/auth/sign-out`` revokes the session and clears the cookie.

Every route is either listed in ``PUBLIC_ROUTES`` or wrapped with
``requires_permission``; tests enumerate the routes to keep it that way.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import urllib.parse
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lendapp.domain.permissions import Permission, permissions_of
from lendapp.services.auth_errors import CodeRejectedError
from lendapp.services.session_cookie import SESSION_COOKIE, cookie_is_secure, safe_next_path, token_from_cookie_header
from lendapp.services.sessions import redeem_handoff, resolve_session, revoke_token

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

# Routes anyone may call, each with the reason it is safe without a session.
PUBLIC_ROUTES = {
    "/api/health": "reports only whether the database answers",
    "/robots.txt": "serves the public crawler rules",
    "/api/auth/session": "requires a single-use handoff code that only a successful sign-in issues",
    "/api/auth/sign-out": "only ends the caller's own session and clears its cookie",
    "/api/contracts/{contract_id}/pdf": "checks the session in the route: the owning borrower, or staff with application detail or disbursement; everyone else gets 404",
    "/api/stripe/webhook": "Stripe calls it without a session; the Stripe-Signature HMAC of the raw body is verified first",
    "/api/payments/{reference}/receipt.pdf": "returns 404 unless the session's user owns the payment or is finance staff",
}

def _origin_allowed(request: Request) -> bool:
    # A cross-site form cannot post here with the user's cookie (SameSite=Lax), but an
    # Origin from another host is rejected as well. Ports may differ: in development the
    # page is served on another port than the backend.
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urllib.parse.urlsplit(origin).hostname == request.url.hostname


def _redirect(request: Request, path: str) -> RedirectResponse:
    origin = request.headers.get("origin")
    if origin and urllib.parse.urlsplit(origin).hostname == request.url.hostname:
        return RedirectResponse(origin.rstrip("/") + path, status_code=303)
    return RedirectResponse(path, status_code=303)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def requires_permission(permission: Permission) -> Callable[[Endpoint], Endpoint]:
    """Wrap a route so it runs only for a live session whose role has ``permission``.

    The wrapped endpoint finds the principal in ``request.state.principal``.
    Without a session it returns 401, and without the permission 403.
    """

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            token = token_from_cookie_header(request.headers.get("cookie"))
            principal = await asyncio.to_thread(resolve_session, token) if token else None
            if principal is None:
                return JSONResponse({"error": "sign_in_required"}, status_code=401)
            if not principal.can(permission):
                logger.warning("Denied %s to user %s (%s)", request.url.path, principal.user_id, principal.role)
                return JSONResponse({"error": "forbidden"}, status_code=403)
            request.state.principal = principal
            return await endpoint(request)

        guarded.required_permission = permission
        return guarded

    return decorate


async def create_session(request: Request) -> Response:
    """Exchange a handoff code for the session cookie and redirect to the next page."""
    if not _origin_allowed(request):
        logger.warning("Rejected a session request from origin %s", request.headers.get("origin"))
        return JSONResponse({"error": "origin_rejected"}, status_code=403)
    form = await request.form()
    code = str(form.get("code") or "")
    next_path = safe_next_path(str(form.get("next") or ""), "/")
    try:
        issued = await asyncio.to_thread(
            redeem_handoff,
            code,
            user_agent=request.headers.get("user-agent", ""),
            client_ip=_client_ip(request),
            replaced_token=token_from_cookie_header(request.headers.get("cookie")),
        )
    except CodeRejectedError:
        failed = "/staff/login" if next_path.startswith("/staff") else "/login"
        return _redirect(request, failed + "?handoff=failed")
    response = _redirect(request, next_path)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=issued.max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request.url.scheme),
    )
    return response


async def sign_out(request: Request) -> Response:
    """Revoke the caller's session, clear the cookie and redirect to the sign-in page."""
    if not _origin_allowed(request):
        return JSONResponse({"error": "origin_rejected"}, status_code=403)
    form = await request.form()
    token = token_from_cookie_header(request.headers.get("cookie"))
    if token:
        await asyncio.to_thread(revoke_token, token, "sign_out")
    response = _redirect(request, safe_next_path(str(form.get("next") or ""), "/login"))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_is_secure(request.url.scheme))
    return response


@requires_permission(Permission.OWN_ACCOUNT)
async def current_user(request: Request) -> Response:
    """Describe the signed-in user: role, display name and permissions."""
    principal = request.state.principal
    return JSONResponse({
        "role": principal.role,
        "display_name": principal.display_name,
        "setup_pending": principal.setup_pending,
        "permissions": sorted(permissions_of(principal.role)),
    })


AUTH_ROUTES = [
    Route("/api/auth/session", create_session, methods=["POST"]),
    Route("/api/auth/sign-out", sign_out, methods=["POST"]),
    Route("/api/auth/me", current_user, methods=["GET"]),
]
