"""Chart exports over HTTP: CSV and Excel content, file names with the filters, and who may download."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.services.auth import change_password
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import sign_in_as_staff
from tests.services.risk.helpers import PRODUCT, build_book, fast_hashing  # noqa: F401

PASSWORD = "quiet harbour 58 lamp"


def _client(role: str, phone: str) -> TestClient:
    credentials = create_staff(None, role=role, name=role, phone=phone)
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, PASSWORD, PASSWORD)
    client = TestClient(build_api(), base_url="http://127.0.0.1")
    client.cookies.set(SESSION_COOKIE, sign_in_as_staff(credentials.login, PASSWORD).token)
    return client


@pytest.fixture
def manager(engine: sa.Engine, fast_hashing: None) -> TestClient:  # noqa: F811
    build_book()
    return _client("risk_manager", "13900139001")


def test_csv_export_funnel(manager: TestClient) -> None:
    response = manager.get("/api/risk/export/funnel.csv", params={"from": "2026-01-01", "to": "2026-03-31"})

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="risk_funnel_2026-01-01_2026-03-31_all.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["channel", "started", "submitted", "approved", "signed", "disbursed"],
        ["app", "3", "2", "1", "1", "1"],
        ["web", "2", "2", "1", "1", "1"],
    ]


def test_xlsx_export_outstanding(manager: TestClient) -> None:
    response = manager.get("/api/risk/export/outstanding.xlsx", params={"product": PRODUCT})

    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="risk_outstanding_start_today_{PRODUCT}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["product", "dpd_bucket", "loans", "principal"]
    assert [row[:3] for row in values[1:]] == [[PRODUCT, "M0", 1], [PRODUCT, "M2", 1]]
    assert [float(row[3]) for row in values[1:]] == [6000.0, 10098.16]


def test_export_rejects_bad_input(manager: TestClient) -> None:
    assert manager.get("/api/risk/export/rows.csv").status_code == 404
    assert manager.get("/api/risk/export/funnel.pdf").status_code == 404
    assert manager.get("/api/risk/export/funnel.csv", params={"from": "2026-13-01"}).status_code == 400
    assert manager.get("/api/risk/export/funnel.csv", params={"from": "2026-03-01", "to": "2026-01-01"}).status_code == 400


def test_export_refused_to_reviewer(engine: sa.Engine, fast_hashing: None) -> None:  # noqa: F811
    reviewer = _client("reviewer", "13900139002")
    anonymous = TestClient(build_api(), base_url="http://127.0.0.1")

    assert reviewer.get("/api/risk/export/funnel.csv").status_code == 403
    assert anonymous.get("/api/risk/export/funnel.csv").status_code == 401
