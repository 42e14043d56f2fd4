"""The session-cookie routes over HTTP: cookie attributes, redirects, sign-out and /api/auth/me."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.services.auth import sign_in_borrower
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.sessions import resolve_session
from tests.services.accounts.helpers import PASSWORD, register

PHONE = "13800138000"
BASE = "http://127.0.0.1:3200"


def _client() -> TestClient:
    app: Starlette = build_api()
    return TestClient(app, base_url=BASE, follow_redirects=False)


def _signed_in_client() -> tuple[TestClient, str]:
    client = _client()
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code
    response = client.post("/api/auth/session", data={"code": code, "next": "/account/security"})
    return client, response.cookies[SESSION_COOKIE]


def test_session_route_sets_httponly_cookie(engine: sa.Engine) -> None:
    register(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code

    response = _client().post("/api/auth/session", data={"code": code, "next": "/account/security"})

    set_cookie = response.headers["set-cookie"]
    assert response.status_code == 303
    assert response.headers["location"] == "/account/security"
    assert set_cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=lax" in set_cookie
    assert "Path=/" in set_cookie
    assert resolve_session(response.cookies[SESSION_COOKIE]) is not None


def test_session_route_redirects_to_origin(engine: sa.Engine) -> None:
    register(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code

    response = _client().post(
        "/api/auth/session", data={"code": code, "next": "/account/security"}, headers={"origin": "http://127.0.0.1:3000"}
    )

    assert response.headers["location"] == "http://127.0.0.1:3000/account/security"


def test_session_route_rejects_open_redirect(engine: sa.Engine) -> None:
    register(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code

    response = _client().post("/api/auth/session", data={"code": code, "next": "//evil.example/x"})

    assert response.headers["location"] == "/"


def test_session_route_rejects_foreign_origin(engine: sa.Engine) -> None:
    register(PHONE)
    code = sign_in_borrower(PHONE, PASSWORD).handoff_code

    response = _client().post("/api/auth/session", data={"code": code}, headers={"origin": "https://evil.example"})

    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_session_route_bad_code_back_to_login(engine: sa.Engine) -> None:
    response = _client().post("/api/auth/session", data={"code": "forged", "next": "/staff"})

    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?handoff=failed"
    assert SESSION_COOKIE not in response.cookies


def test_me_route_needs_session(engine: sa.Engine) -> None:
    response = _client().get("/api/auth/me")

    assert response.status_code == 401


def test_me_route_describes_borrower(engine: sa.Engine) -> None:
    register(PHONE)
    client, _ = _signed_in_client()

    body = client.get("/api/auth/me").json()

    assert body["role"] == "borrower"
    assert body["display_name"] == "138****8000"
    assert "staff_workspace" not in body["permissions"]


def test_sign_out_route_revokes_and_clears(engine: sa.Engine) -> None:
    register(PHONE)
    client, token = _signed_in_client()

    response = client.post("/api/auth/sign-out", data={"next": "/login"})

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert resolve_session(token) is None
    replay = _client()
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/api/auth/me").status_code == 401
