"""PDF receipts of succeeded payments, through the service and the download route."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.services.auth_errors import NotFoundError
from lendapp.services.payments import start_payment
from lendapp.services.payments_receipts import receipt_pdf
from lendapp.services.payments_transfers import confirm_transfer
from tests.services.accounts.helpers import register, sign_in
from tests.services.contracts.pdf_text import extract_text
from tests.services.payments.helpers import PAY_DAY

RECEIVED_AT = dt.datetime(2026, 2, 10, 4, 0, tzinfo=dt.UTC)


def test_receipt_pdf_states_amount_received(loan, finance) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    with pytest.raises(NotFoundError):
        receipt_pdf(principal, started.reference, "zh-CN")
    confirm_transfer(finance, started.reference, Decimal("1066.19"), RECEIVED_AT, "ABC-1")
    data = receipt_pdf(principal, started.reference, "zh-CN")
    assert data.startswith(b"%PDF-")
    text = extract_text(data)
    assert "还款凭证" in text
    assert started.reference in text
    assert "1,066.19" in text
    english = extract_text(receipt_pdf(finance, started.reference, "en"))
    assert "Repayment receipt" in english


def test_receipt_route_only_for_owner(loan, finance) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    confirm_transfer(finance, started.reference, Decimal("1066.19"), RECEIVED_AT, "ABC-2")
    path = f"/api/payments/{started.reference}/receipt.pdf"
    owner = sign_in("13800138000").token
    register("13800138001")
    other = sign_in("13800138001").token
    with TestClient(build_api()) as client:
        anonymous = client.get(path)
        client.cookies.set("lendapp_session", owner)
        mine = client.get(path)
        client.cookies.set("lendapp_session", other)
        theirs = client.get(path)
    assert anonymous.status_code == 404
    assert mine.status_code == 200
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.headers["cache-control"] == "private, no-store"
    assert mine.content.startswith(b"%PDF-")
    assert theirs.status_code == 404
