"""The borrower dashboard in a real browser at 390x844, in Chinese: a loan, a repayment by bank
transfer, a deferral request, and a second borrower who cannot reach the first one's loan."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanApplication, Payment, UserAccount
from lendapp.domain.fees import FeeTerms
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod
from lendapp.i18n import translate
from lendapp.services import loans, payments_transfers
from lendapp.services.sessions import Principal
from tests.e2e.conftest import LAPTOP, PHONE, has_horizontal_scroll, new_context, screenshot, wait_until_ready
from tests.e2e.test_accounts import _register, outbox_code  # noqa: F401  (outbox_code is a fixture)
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e

# Numbers outside the ranges other browser tests and the demo book use, so registration never collides.
_phone_numbers = itertools.count(15801580001)
TIMEOUT = 20_000


def _zh(key: str) -> str:
    return translate(key, "zh-CN")


def _newest_borrower() -> int:
    with session_scope() as session:
        return session.exec(select(UserAccount.id).where(UserAccount.role == "borrower").order_by(UserAccount.id.desc())).first()


def _book_loan(borrower_id: int, tag: str) -> str:
    """Book a 6,000-yuan, 6-month loan that started 20 days ago, straight through the servicing layer."""
    start = dt.date.today() - dt.timedelta(days=20)
    terms = LoanTerms(principal=Decimal("6000.00"), annual_rate=Decimal("0.12"), method=RepaymentMethod.EQUAL_INSTALLMENT,
                      start_date=start, months=6)
    schedule = build_schedule(terms, FeeTerms(penalty_daily_rate=Decimal("0.0005"), grace_days=3))
    with session_scope() as session:
        application = LoanApplication(number=f"LA-E2E-{tag}", borrower_id=borrower_id, status="disbursed", step=7,
                                      product_code="consumer-flex", amount=Decimal("6000.00"), term=6,
                                      method="equal_installment", annual_rate=Decimal("0.12"))
        session.add(application)
        session.flush()
        loan = loans.book_loan(session, application_id=application.id, borrower_id=borrower_id, product_code="consumer-flex",
                               product_version=1, segment="consumer", schedule=schedule, apr=Decimal("0.12"))
        return loan.number


def _finance() -> Principal:
    with session_scope() as session:
        user_id = session.exec(select(UserAccount.id).where(UserAccount.login == "demo_finance")).one()
    return Principal(user_id, "finance", 0, "finance", False, True)


def _open(page: Page, url: str) -> None:
    # Forms submit through React's handler, and their state must have finished loading first.
    page.goto(url)
    wait_until_ready(page)


def test_dashboard_payment_and_deferral(browser, app_server: AppServer, outbox_code) -> None:  # noqa: F811
    context = new_context(browser, PHONE)
    page = context.new_page()
    _register(page, app_server, outbox_code, str(next(_phone_numbers)))
    number = _book_loan(_newest_borrower(), "A")

    _open(page, app_server.base_url + "/account")
    expect(page.get_by_text(number)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(_zh("dashboard.loan_state.active"))).to_be_visible()
    assert not has_horizontal_scroll(page)
    screenshot(page, "dashboard-overview-zh-phone")

    _open(page, f"{app_server.base_url}/loans/{number}")
    expect(page.get_by_text(_zh("loan_page.apr"), exact=True)).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(page)
    screenshot(page, "dashboard-loan-zh-phone")
    page.locator("#pay-installment").click()
    page.wait_for_url(re.compile(r".*/payments/RP-[0-9A-Z-]+$"), timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    reference = page.url.rsplit("/", 1)[1]
    expect(page.locator("#payment-state")).to_be_visible(timeout=TIMEOUT)
    screenshot(page, "dashboard-transfer-instructions-zh-phone")

    # Finance matches the transfer; the first installment is then paid.
    with session_scope() as session:
        amount_minor = session.exec(select(Payment.amount_minor).where(Payment.reference == reference)).one()
    payments_transfers.confirm_transfer(_finance(), reference, Decimal(amount_minor) / 100, dt.datetime.now(dt.UTC), "E2E-BANK-1")
    _open(page, f"{app_server.base_url}/loans/{number}")
    expect(page.get_by_text(_zh("dashboard.row_status.paid")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(reference)).to_be_visible()
    screenshot(page, "dashboard-loan-after-payment-zh-phone")

    _open(page, f"{app_server.base_url}/loans/{number}/plan")
    page.locator("#periods").fill("1")
    page.get_by_role("button", name=_zh("plan_page.preview")).click()
    expect(page.locator("#plan-request")).to_be_visible(timeout=TIMEOUT)
    screenshot(page, "dashboard-deferral-preview-zh-phone")
    page.locator("#plan-request").click()
    expect(page.get_by_text(_zh("plan_page.status.requested"))).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(page)
    screenshot(page, "dashboard-deferral-requested-zh-phone")

    # The same pages in English, on the phone and on a laptop.
    page.context.add_cookies([{"name": "lendapp_locale", "value": "en", "url": app_server.base_url}])
    for size_name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        page.set_viewport_size(viewport)
        for slug, path in (("overview", "/account"), ("loan", f"/loans/{number}"), ("plan", f"/loans/{number}/plan"),
                           ("messages", "/account/messages"), ("privacy", "/account/privacy")):
            _open(page, app_server.base_url + path)
            expect(page.locator("main")).to_contain_text(translate("dashboard.link.overview", "en"), timeout=TIMEOUT)
            assert not has_horizontal_scroll(page)
            screenshot(page, f"dashboard-{slug}-en-{size_name}")

    # A second borrower reaches none of it: not the loan page, the plan page, the payment or its receipt.
    other = new_context(browser, PHONE)
    intruder = other.new_page()
    _register(intruder, app_server, outbox_code, str(next(_phone_numbers)))
    _open(intruder, f"{app_server.base_url}/loans/{number}")
    expect(intruder.get_by_text(_zh("loan_page.not_found"))).to_be_visible(timeout=TIMEOUT)
    assert "6,000" not in intruder.content()
    assert "6000" not in intruder.content()
    _open(intruder, f"{app_server.base_url}/payments/{reference}")
    expect(intruder.get_by_text(_zh("payments.result.not_found"))).to_be_visible(timeout=TIMEOUT)
    receipt = intruder.request.get(f"{app_server.base_url}/api/payments/{reference}/receipt.pdf")
    assert receipt.status == 404
    export = intruder.request.get(f"{app_server.base_url}/api/account/export")
    assert export.status == 200
    archive = zipfile.ZipFile(io.BytesIO(export.body()))
    assert json.loads(archive.read("loans.json")) == []
    assert number not in archive.read("payments.json").decode()
    _open(intruder, app_server.base_url + "/account")
    expect(intruder.get_by_text(_zh("dashboard.no_loans"))).to_be_visible(timeout=TIMEOUT)
    context.close()
    other.close()
