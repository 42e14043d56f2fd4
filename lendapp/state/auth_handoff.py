"""Browser steps that reach the session-cookie routes with a top-level form POST.

A form POST (not ``fetch``) is used because the response must set or clear an
HttpOnly cookie and then load a new page. The full page load opens a new
websocket, whose handshake carries the new cookie to the event handlers.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.config import get_config

# Host names Reflex itself replaces with the page's host name when it builds backend URLs.
_SAME_HOST_NAMES = ["localhost", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"]


def post_form(path: str, fields: dict[str, str]) -> rx.event.EventSpec:
    """Return an event that submits ``fields`` to the backend route ``path`` as a form POST.

    The backend address is Reflex's ``api_url``. As Reflex does for its own
    websocket, a loopback placeholder host is replaced with the page's host,
    so the cookie is set for the host the user actually opened.
    """
    script = (
        "(() => {"
        f"const target = new URL({json.dumps(path)}, {json.dumps(get_config().api_url)});"
        f"if ({json.dumps(_SAME_HOST_NAMES)}.includes(target.hostname)) {{"
        " target.hostname = window.location.hostname;"
        ' if (window.location.protocol === "https:") { target.protocol = "https:"; target.port = ""; }'
        "}"
        'const form = document.createElement("form");'
        'form.method = "POST"; form.action = target.href; form.style.display = "none";'
        f"for (const [name, value] of Object.entries({json.dumps(fields)})) {{"
        ' const input = document.createElement("input");'
        ' input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);'
        "}"
        "document.body.appendChild(form); form.submit();"
        "})()"
    )
    return rx.call_script(script)


def complete_sign_in(handoff_code: str, next_path: str) -> rx.event.EventSpec:
    """Return the event that exchanges a handoff code for the session cookie and opens ``next_path``."""
    return post_form("/api/auth/session", {"code": handoff_code, "next": next_path})


def complete_sign_out(next_path: str = "/login") -> rx.event.EventSpec:
    """Return the event that clears the session cookie and opens ``next_path``."""
    return post_form("/api/auth/sign-out", {"next": next_path})
