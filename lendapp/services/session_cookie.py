"""The session cookie: its name, attributes, and reading it from a Cookie header.

The cookie is HttpOnly, so page scripts cannot read it, and SameSite=Lax, so
browsers do not send it with cross-site POSTs or subresource requests. Only
``POST /api/auth/session`` sets it and ``POST /api/auth/sign-out`` clears it.
The backend reads it from the Cookie header of each HTTP request and of the
websocket handshake that Reflex events arrive on.
"""

from __future__ import annotations

import logging

from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

SESSION_COOKIE = "lendapp_session"
MAX_NEXT_LENGTH = 256


def token_from_cookie_header(header: str | None) -> str | None:
    """Return the session token in a raw ``Cookie`` header, or None.

    Parsed by hand because ``http.cookies.SimpleCookie`` drops every cookie
    after one it cannot parse, and other cookies on the host are not ours to vet.
    """
    if not header:
        return None
    for part in header.split(";"):
        name, separator, value = part.strip().partition("=")
        if separator and name == SESSION_COOKIE:
            value = value.strip().strip('"')
            return value or None
    return None


def cookie_is_secure(request_scheme: str) -> bool:
    """Return whether to mark the cookie Secure: on HTTPS requests or an https PUBLIC_URL."""
    return request_scheme == "https" or get_settings().public_url.startswith("https://")


def safe_next_path(value: str | None, default: str) -> str:
    """Return ``value`` when it is a path on this site, else ``default``, so redirects never leave the site."""
    if not value or len(value) > MAX_NEXT_LENGTH:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(ch) < 32 for ch in value):
        return default
    return value
