"""GET /api/contracts/{id}/pdf over HTTP: the owner and reviewing staff download, everyone else gets 404."""

from __future__ import annotations

import hashlib

import pytest
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.services import contracts
from lendapp.services.auth import change_password
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import sign_in, sign_in_as_staff
from tests.services.contracts.helpers import NOW, START, borrower_principal, contract_row

STAFF_PASSWORD = "quiet harbour 58 lamp"


def _client(token: str = "") -> TestClient:
    client = TestClient(build_api(), base_url="http://127.0.0.1", follow_redirects=False)
    if token:
        client.cookies.set(SESSION_COOKIE, token)
    return client


def _staff_token(role: str, phone: str) -> str:
    credentials = create_staff(None, role=role, name=role, phone=phone)
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, STAFF_PASSWORD, STAFF_PASSWORD)
    return sign_in_as_staff(credentials.login, STAFF_PASSWORD).token


@pytest.fixture
def contract_id(borrower, application: str) -> int:
    return contracts.accept_offer(borrower, application, now=NOW, start_date=START).contract_id


def test_owner_downloads_pdf(contract_id: int) -> None:
    response = _client(sign_in("13800138000").token).get(f"/api/contracts/{contract_id}/pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert hashlib.sha256(response.content).hexdigest() == contract_row(contract_id).pdf_sha256


def test_reviewer_downloads_pdf(contract_id: int) -> None:
    response = _client(_staff_token("reviewer", "13900139001")).get(f"/api/contracts/{contract_id}/pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("path_id", ["missing", "99999", "1x", "-1"])
def test_others_get_not_found(contract_id: int, path_id: str) -> None:
    borrower_principal("13800138001")
    other = sign_in("13800138001").token
    collector = _staff_token("collector", "13900139002")
    path = f"/api/contracts/{contract_id if path_id == 'missing' else path_id}/pdf"

    for token in ("", other, collector):
        response = _client(token).get(path)
        assert response.status_code == 404, (token[:4], path)
        assert response.headers["cache-control"] == "no-store"
