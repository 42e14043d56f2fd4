"""The whole journey in a real browser, in Chinese: a borrower at 390x844 and staff at 1280x800.

A borrower registers, uses the calculator, applies and signs; a reviewer
approves with a counter-offer and a senior approver confirms it; two finance
people pay the loan out; the borrower pays the first installment through the
local Stripe-compatible server (webhook included), the second by bank
transfer that finance confirms, and pays off the rest early. The loan closes
with every ledger balance at zero and the risk dashboard counts it.

This module runs its own app server with Stripe settings, built in a copy of
the project so that it cannot disturb the session's server. Screenshots are
kept in artifacts/screenshots as journey-NN-*.png.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication, Payment, UserAccount
from lendapp.domain.money import from_minor_units
from lendapp.i18n import translate
from lendapp.services import disbursements, loans, payments_transfers
from lendapp.services.auth_errors import PermissionDeniedError
from lendapp.services.auth_totp import begin_enrolment, confirm_enrolment
from lendapp.services.passwords import hash_password
from lendapp.services.sessions import Principal
from tests.e2e.conftest import LAPTOP, PHONE, has_horizontal_scroll, new_context, screenshot, wait_until_ready
from tests.e2e.test_accounts import PASSWORD, _register, outbox_code  # noqa: F401  (outbox_code is a fixture)
from tests.e2e.test_apply import _png
from tests.support.app_server import PROJECT_ROOT, AppServer, copy_project, start_app, stop_app
from tests.support.stripe_server import StripeServer, sign_payload

pytestmark = pytest.mark.e2e

TIMEOUT = 20_000
WEBHOOK_SECRET = "whsec_lendapp_e2e_journey"
_phone_numbers = itertools.count(13900139001)
# The request is above the second-approval limit (50,000 yuan), and so is the counter-offer.
REQUEST = "product=consumer-flex&amount=80000&months=12&method=equal_installment&rate=18"
OFFER_AMOUNT, OFFER_TERM, OFFER_RATE_PERCENT = "60000", "12", "12"
STAFF_PASSWORD = "copper lantern 58 tide"


def _zh(key: str) -> str:
    return translate(key, "zh-CN")


@pytest.fixture(scope="module")
def stripe() -> Iterator[StripeServer]:
    """The local Stripe-compatible API on loopback."""
    server = StripeServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app_server(stripe: StripeServer) -> Iterator[AppServer]:
    """This module's app, with Stripe Checkout pointed at the local server and a build of its own."""
    work = Path(tempfile.mkdtemp(prefix="lendapp-journey-"))
    root = copy_project(work / "project")
    extra = {
        "STRIPE_SECRET_KEY": "sk_test_lendapp_journey",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_lendapp_journey",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe.url,
    }
    server = start_app(work / "var", PROJECT_ROOT / "artifacts" / "logs", extra_env=extra, project_root=root,
                       log_name="app-server-journey.log")
    try:
        yield server
    finally:
        stop_app(server.process)
        shutil.rmtree(work, ignore_errors=True)


# --- Helpers ---------------------------------------------------------------------------------------


def _open(page: Page, url: str) -> None:
    # Forms submit through React's handler, and their state must have finished loading first.
    page.goto(url)
    wait_until_ready(page)


def _loopback_only(context: BrowserContext) -> None:
    """Answer Stripe's hosted Checkout with a stub page and refuse every other host but loopback."""
    def handle(route: Route) -> None:
        if route.request.url.startswith("https://checkout.stripe.com/"):
            route.fulfill(status=200, content_type="text/html", body="<html><body>checkout</body></html>")
        else:
            route.abort()

    context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*://.*"), handle)


def _user_id(login: str) -> int:
    with session_scope() as session:
        return session.exec(select(UserAccount.id).where(UserAccount.login == login)).one()


def _principal(login: str, role: str) -> Principal:
    return Principal(_user_id(login), role, 0, login, False, True)


def _enrol_totp(login: str, role: str) -> pyotp.TOTP:
    """Enrol TOTP for a staff account in-process, as its authenticator app would, and return the generator."""
    principal = Principal(_user_id(login), role, 0, login, False, False)
    totp = pyotp.TOTP(begin_enrolment(principal).secret)
    confirm_enrolment(principal, totp.now())
    return totp


def _second_finance_user() -> str:
    """Add a second finance person; the demo data has one, and large payouts need two."""
    login = "journey_finance2"
    with session_scope() as session:
        session.add(UserAccount(role="finance", login=login, display_name="Journey finance",
                                password_hash=hash_password(STAFF_PASSWORD)))
    return login


def _staff_sign_in(page: Page, app_server: AppServer, login: str, password: str, totp: pyotp.TOTP | None = None) -> None:
    _open(page, app_server.base_url + "/staff/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(password)
    if totp is not None:
        # The enrolment used the current step's code, and each step is accepted once, so sign in with the next one.
        page.locator("input[name=totp_code]").fill(totp.at(time.time() + 30))
    page.locator("#staff-login-submit").click()
    page.wait_for_url(re.compile(r".*/staff/?$"), timeout=TIMEOUT)


def _staff_page(browser: Browser, app_server: AppServer, login: str, password: str, totp: pyotp.TOTP | None = None) -> Page:
    context = new_context(browser, LAPTOP)
    page = context.new_page()
    _staff_sign_in(page, app_server, login, password, totp)
    return page


def _deliver(app_server: AppServer, event: dict) -> dict:
    """Post a Stripe event to the app's webhook with a Stripe-Signature header, as Stripe would."""
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        app_server.base_url + "/api/stripe/webhook", data=body, method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.load(response)


def _open_checkout(page: Page, button: str) -> str:
    """Click a pay button, which sends the borrower to Stripe's hosted Checkout in the same tab; return the session id."""
    page.locator(button).click()
    page.wait_for_url(re.compile(r".*/c/pay/cs_test_\w+.*"), timeout=TIMEOUT)
    match = re.search(r"/c/pay/(cs_test_\w+)", page.url)
    assert match, page.url
    return match.group(1)


def _funnel_disbursed(page: Page, app_server: AppServer) -> int:
    """Sum the funnel's disbursed stage over channels, from the CSV export a risk manager downloads."""
    response = page.request.get(app_server.base_url + "/api/risk/export/funnel.csv")
    assert response.status == 200, response.status
    rows = list(csv.DictReader(io.StringIO(response.text().lstrip("\ufeff"))))
    return sum(int(row["disbursed"]) for row in rows)


def _payout_row(page: Page, number: str):
    return page.locator("tr", has_text=number)


def _awaiting_row(page: Page, reference: str):
    # The finance page lists the payment again under recent payments; only the awaiting row has the form.
    return page.locator("tr", has=page.locator("input[name=bank_reference]")).filter(has_text=reference)


# --- The journey -------------------------------------------------------------------------------------


def test_whole_journey(browser: Browser, app_server: AppServer, stripe: StripeServer, outbox_code, tmp_path: Path) -> None:  # noqa: F811
    run_journey(browser, app_server, stripe, outbox_code, tmp_path, "journey")


def run_journey(  # noqa: PLR0915
    browser: Browser, app_server: AppServer, stripe: StripeServer, outbox_code, tmp_path: Path, prefix: str,  # noqa: F811
    midway: Callable[[Page], None] | None = None,
) -> None:
    """Walk the whole journey against ``app_server``, keeping screenshots as ``{prefix}-NN-*.png``.

    ``midway`` runs on the borrower's page after the identity step of the
    wizard, for example to drop and restore the connection. The journey then
    checks that the wizard kept what the borrower had entered.
    """
    shots = itertools.count(1)

    def shot(page: Page, name: str) -> None:
        screenshot(page, f"{prefix}-{next(shots):02d}-{name}")

    finance_totp = _enrol_totp("demo_finance", "finance")
    second_finance = _second_finance_user()
    second_totp = _enrol_totp(second_finance, "finance")
    risk = _staff_page(browser, app_server, "demo_risk_manager", app_server.staff_passwords["demo_risk_manager"])
    disbursed_before = _funnel_disbursed(risk, app_server)

    # The borrower registers on a phone, tries the calculator and carries its terms into the application.
    borrower_context = new_context(browser, PHONE)
    _loopback_only(borrower_context)
    borrower = borrower_context.new_page()
    _register(borrower, app_server, outbox_code, str(next(_phone_numbers)))
    shot(borrower, "registered-zh-phone")
    _open(borrower, f"{app_server.base_url}/calculator?{REQUEST}")
    expect(borrower.locator("#calc-payment")).to_contain_text(re.compile(r"\d"), timeout=TIMEOUT)
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "calculator-zh-phone")
    borrower.locator("#calc-apply").click()
    borrower.wait_for_url(re.compile(r".*/apply\?.*amount=80000.*"), timeout=TIMEOUT)
    borrower.wait_for_load_state("networkidle")
    expect(borrower.locator("#amount")).to_have_value("80000", timeout=TIMEOUT)
    expect(borrower.locator("#quote-apr")).to_contain_text("%", timeout=TIMEOUT)
    shot(borrower, "apply-loan-zh-phone")
    borrower.locator("#next-1").click()

    borrower.locator("#full_name").fill("李四")
    borrower.locator("#id_number").fill("110101199003071030")
    borrower.locator("#save-identity").click()
    expect(borrower.locator("#masked-id")).to_have_text("110***********1030", timeout=TIMEOUT)
    expect(borrower.locator("#region")).to_contain_text("东城区")
    shot(borrower, "apply-identity-zh-phone")
    if midway is not None:
        midway(borrower)
        expect(borrower.locator("#masked-id")).to_have_text("110***********1030", timeout=TIMEOUT)
        expect(borrower.locator("#region")).to_contain_text("东城区")
        expect(borrower.locator("#next-2")).to_be_visible()
        shot(borrower, "apply-identity-after-reconnect-zh-phone")
    borrower.locator("#next-2").click()

    borrower.locator("#contact_phone").fill("13800138000")
    borrower.locator("#address").fill("北京市东城区东华门街道 8 号")
    borrower.locator("#employment_type").select_option("employed")
    borrower.locator("#monthly_income").fill("30000")
    borrower.locator("#employment_months").fill("60")
    borrower.locator("#housing").select_option("rent")
    borrower.locator("#residence_years").fill("4")
    borrower.locator("#dependants").fill("1")
    borrower.locator("#save-details").click()

    expect(borrower.locator("#bank_card")).to_be_visible(timeout=TIMEOUT)
    borrower.locator("#bank_card").fill("6228 4800 1234 5678 903")
    borrower.locator("#save-card").click()
    expect(borrower.locator("#bank-name")).to_have_text("农业银行", timeout=TIMEOUT)
    expect(borrower.locator("#masked-card")).to_have_text("**** 8903")
    shot(borrower, "apply-card-zh-phone")
    borrower.locator("#next-4").click()

    borrower.locator("#documents input[type=file]").set_input_files(str(_png(tmp_path / "工资流水.png")))
    borrower.locator("#upload-documents").click()
    expect(borrower.locator("main")).to_contain_text("工资流水.png", timeout=TIMEOUT)
    shot(borrower, "apply-documents-zh-phone")
    borrower.locator("#next-5").click()

    # Without the optional automated-decision consent the model's score informs a person, who decides.
    for purpose in ("sensitive_personal_information", "credit_bureau"):
        borrower.locator(f"#consent-{purpose}").click()
    expect(borrower.locator("#consent-automated_decision")).to_have_attribute("aria-checked", "false", timeout=TIMEOUT)
    shot(borrower, "apply-consents-zh-phone")
    borrower.locator("#save-consents").click()
    expect(borrower.locator("#submit-application")).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "apply-review-zh-phone")
    borrower.locator("#submit-application").click()
    borrower.wait_for_url(re.compile(r".*/applications/LA-\d{8}-\d{6}$"), timeout=TIMEOUT)
    number = borrower.url.rsplit("/", 1)[1]
    expect(borrower.locator("#application-status")).to_have_attribute("data-status", "in_review", timeout=30_000)
    shot(borrower, "status-in-review-zh-phone")
    with session_scope() as session:
        application = session.exec(select(LoanApplication).where(LoanApplication.number == number)).one()
        assert application.score is not None, "the real model scored the application"
        assert application.model_version

    # A reviewer approves with a smaller counter-offer; above the limit it waits for a senior approver.
    reviewer = _staff_page(browser, app_server, "demo_reviewer", app_server.staff_passwords["demo_reviewer"])
    _open(reviewer, f"{app_server.base_url}/staff/applications/{number}")
    expect(reviewer.locator("#application-status")).to_have_attribute("data-status", "in_review", timeout=TIMEOUT)
    expect(reviewer.locator("main")).to_contain_text(str(application.score))
    shot(reviewer, "review-zh-laptop")
    offer = reviewer.locator("form", has=reviewer.locator("input[name=rate_percent]"))
    offer.locator("input[name=amount]").fill(OFFER_AMOUNT)
    offer.locator("input[name=term]").fill(OFFER_TERM)
    offer.locator("input[name=rate_percent]").fill(OFFER_RATE_PERCENT)
    offer.get_by_role("button", name=_zh("staff.review.counter_offer")).click()
    expect(reviewer.locator("#application-status")).to_have_attribute("data-status", "pending_second_approval", timeout=TIMEOUT)
    expect(reviewer.get_by_role("button", name=_zh("staff.review.confirm_second"))).to_be_visible()
    shot(reviewer, "review-counter-offer-zh-laptop")

    senior = _staff_page(browser, app_server, "demo_senior_approver", app_server.staff_passwords["demo_senior_approver"])
    _open(senior, f"{app_server.base_url}/staff/applications/{number}")
    senior.get_by_role("button", name=_zh("staff.review.confirm_second")).click()
    expect(senior.locator("#application-status")).to_have_attribute("data-status", "approved", timeout=TIMEOUT)
    shot(senior, "second-approval-zh-laptop")

    # The borrower accepts the offer and signs the contract with the account password.
    _open(borrower, f"{app_server.base_url}/applications/{number}")
    expect(borrower.locator("#offer-accept")).to_be_visible(timeout=TIMEOUT)
    expect(borrower.locator("#contract-section")).to_contain_text("60,000")
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "offer-zh-phone")
    borrower.locator("#offer-accept").click()
    expect(borrower.locator("#contract-secret")).to_be_visible(timeout=30_000)
    shot(borrower, "contract-zh-phone")
    borrower.locator("#contract-secret").fill(PASSWORD)
    borrower.locator("#contract-sign").click()
    expect(borrower.locator("#contract-signed")).to_be_visible(timeout=30_000)
    expect(borrower.locator("#application-status")).to_have_attribute("data-status", "contract_signed", timeout=TIMEOUT)
    shot(borrower, "contract-signed-zh-phone")

    # Finance records the bank transfer; above the limit a second finance person confirms it.
    finance = _staff_page(browser, app_server, "demo_finance", app_server.staff_passwords["demo_finance"], finance_totp)
    _open(finance, f"{app_server.base_url}/staff/payouts")
    row = _payout_row(finance, number)
    expect(row).to_contain_text(_zh("staff.payout.status.to_pay"), timeout=TIMEOUT)
    row.locator("input[name=bank_reference]").fill("E2E-PAYOUT-1")
    shot(finance, "payout-to-pay-zh-laptop")
    row.get_by_role("button", name=_zh("staff.payout.record")).click()
    expect(_payout_row(finance, number)).to_contain_text(_zh("staff.payout.status.pending_confirmation"), timeout=TIMEOUT)
    shot(finance, "payout-recorded-zh-laptop")
    checker = _staff_page(browser, app_server, second_finance, STAFF_PASSWORD, second_totp)
    _open(checker, f"{app_server.base_url}/staff/payouts")
    _payout_row(checker, number).get_by_role("button", name=_zh("staff.payout.confirm")).click()
    expect(_payout_row(checker, number)).to_have_count(0, timeout=TIMEOUT)
    shot(checker, "payout-confirmed-zh-laptop")
    with session_scope() as session:
        loan_number = session.exec(select(Loan.number).where(Loan.application_id == application.id)).one()

    # First installment: Stripe Checkout on the local server, then the signed webhook, then the success page.
    _open(borrower, f"{app_server.base_url}/loans/{loan_number}")
    expect(borrower.get_by_text(_zh("dashboard.loan_state.active")).first).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "loan-active-zh-phone")
    session_id = _open_checkout(borrower, "#pay-installment")
    paid = stripe.pay(session_id)
    first_reference = paid["client_reference_id"]
    outcome = _deliver(app_server, stripe.session_event("checkout.session.completed", session_id))
    assert outcome["outcome"] == "applied", outcome
    _open(borrower, f"{app_server.base_url}/payments/{first_reference}?session_id={session_id}")
    expect(borrower.locator("#payment-state")).to_have_attribute("data-state", "paid", timeout=TIMEOUT)
    expect(borrower.locator("#payment-state")).to_have_text(_zh("payments.state.paid"))
    shot(borrower, "installment-1-paid-stripe-zh-phone")

    # Second installment by bank transfer, chosen on the loan page beside online payment.
    _open(borrower, f"{app_server.base_url}/loans/{loan_number}")
    transfer_choice = borrower.locator("#pay-provider").get_by_role("radio", name=_zh("loan_page.pay_provider.bank_transfer"))
    transfer_choice.click()
    expect(transfer_choice).to_have_attribute("aria-checked", "true", timeout=TIMEOUT)
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "installment-2-choose-transfer-zh-phone")
    borrower.locator("#pay-installment").click()
    borrower.wait_for_url(re.compile(r".*/payments/[A-Z]+-[0-9-]+$"), timeout=TIMEOUT)
    transfer_reference = borrower.url.rsplit("/", 1)[1]
    with session_scope() as session:
        transfer = session.exec(select(Payment).where(Payment.reference == transfer_reference)).one()
        assert transfer.provider == "bank_transfer"
        transfer_amount = from_minor_units(transfer.amount_minor, transfer.currency)
    expect(borrower.locator("#payment-state")).to_have_attribute("data-state", "awaiting_transfer", timeout=TIMEOUT)
    expect(borrower.locator("main")).to_contain_text(transfer_reference)
    shot(borrower, "installment-2-transfer-instructions-zh-phone")
    _open(finance, f"{app_server.base_url}/staff/payments")
    transfer_row = _awaiting_row(finance, transfer_reference)
    expect(transfer_row).to_be_visible(timeout=TIMEOUT)
    transfer_row.locator("input[name=amount]").fill(str(transfer_amount))
    transfer_row.locator("input[name=received_at]").fill(dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    transfer_row.locator("input[name=bank_reference]").fill("E2E-BANK-2")
    shot(finance, "transfer-confirm-zh-laptop")
    transfer_row.locator("button[type=submit]").click()
    expect(_awaiting_row(finance, transfer_reference)).to_have_count(0, timeout=TIMEOUT)
    _open(borrower, f"{app_server.base_url}/payments/{transfer_reference}")
    expect(borrower.locator("#payment-state")).to_have_attribute("data-state", "paid", timeout=TIMEOUT)
    shot(borrower, "installment-2-paid-transfer-zh-phone")

    # Early payoff through Checkout: the success page re-reads the session first, then the webhook arrives.
    _open(borrower, f"{app_server.base_url}/loans/{loan_number}")
    expect(borrower.get_by_text(_zh("dashboard.row_status.paid")).first).to_be_visible(timeout=TIMEOUT)
    borrower.locator("#payoff-quote").click()
    expect(borrower.locator("#pay-payoff")).to_be_visible(timeout=TIMEOUT)
    shot(borrower, "payoff-quote-zh-phone")
    session_id = _open_checkout(borrower, "#pay-payoff")
    payoff_reference = stripe.pay(session_id)["client_reference_id"]
    _open(borrower, f"{app_server.base_url}/payments/{payoff_reference}?session_id={session_id}")
    expect(borrower.locator("#payment-state")).to_have_attribute("data-state", "paid", timeout=TIMEOUT)
    shot(borrower, "payoff-paid-zh-phone")
    _deliver(app_server, stripe.session_event("checkout.session.completed", session_id))
    _open(borrower, f"{app_server.base_url}/loans/{loan_number}")
    expect(borrower.get_by_text(_zh("dashboard.loan_state.settled_early")).first).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(borrower)
    shot(borrower, "loan-settled-early-zh-phone")

    with session_scope() as session:
        loan = session.exec(select(Loan).where(Loan.number == loan_number)).one()
        assert loan.state == "settled_early"
        assert loans.balances_of(session, loan.id).is_zero
        assert loans.ledger_is_balanced(session)
        statuses = dict(session.exec(select(Payment.reference, Payment.status).where(Payment.loan_id == loan.id)).all())
    assert statuses == {first_reference: "succeeded", transfer_reference: "succeeded", payoff_reference: "succeeded"}

    # The risk dashboard draws daily snapshots; once a risk manager refreshes them it counts the loan.
    _open(risk, f"{app_server.base_url}/staff/risk")
    expect(risk.locator("#chart-funnel .js-plotly-plot")).to_be_visible(timeout=30_000)
    risk.locator("#refresh-snapshots").click()
    deadline = time.monotonic() + 60
    while _funnel_disbursed(risk, app_server) != disbursed_before + 1 and time.monotonic() < deadline:
        risk.wait_for_timeout(1000)
    assert _funnel_disbursed(risk, app_server) == disbursed_before + 1
    shot(risk, "risk-dashboard-zh-laptop")
    for page in (borrower, reviewer, senior, finance, checker, risk):
        page.context.close()


# --- Staff roles ------------------------------------------------------------------------------------


def test_reviewer_cannot_pay_out_or_confirm(browser: Browser, app_server: AppServer, outbox_code) -> None:  # noqa: F811
    reviewer = _staff_page(browser, app_server, "demo_reviewer", app_server.staff_passwords["demo_reviewer"])

    reviewer.goto(app_server.base_url + "/staff/payouts")
    reviewer.wait_for_load_state("networkidle")
    # The page guard sends the reviewer back to the workspace home with a refusal.
    reviewer.wait_for_url(re.compile(r".*/staff/?$"), timeout=TIMEOUT)
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(_zh("staff.home.heading"), timeout=TIMEOUT)

    screenshot(reviewer, "staff-roles-reviewer-payouts-zh-laptop")
    assert reviewer.locator("input[name=bank_reference]").count() == 0
    assert reviewer.get_by_role("button", name=_zh("staff.payout.confirm")).count() == 0
    assert reviewer.get_by_role("button", name=_zh("staff.payout.record")).count() == 0
    # The services refuse the reviewer too, whatever the page shows.
    actor = _principal("demo_reviewer", "reviewer")
    with session_scope() as session:
        number = session.exec(select(LoanApplication.number)).first()
    with pytest.raises(PermissionDeniedError):
        disbursements.record_disbursement(actor, number, bank_reference="E2E-REVIEWER", amount=Decimal("1000.00"))
    with pytest.raises(PermissionDeniedError):
        disbursements.confirm_disbursement(actor, number)
    with pytest.raises(PermissionDeniedError):
        disbursements.payout_worklist(actor)
    with pytest.raises(PermissionDeniedError):
        payments_transfers.confirm_transfer(actor, "RP-00000000-000000", Decimal("1.00"), dt.datetime.now(dt.UTC), "E2E-REVIEWER")
    reviewer.context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_risk_dashboard_renders_demo_data(browser: Browser, app_server: AppServer, locale: str) -> None:
    page = _staff_page(browser, app_server, "demo_risk_manager", app_server.staff_passwords["demo_risk_manager"])
    _open(page, app_server.base_url + "/staff/risk")
    if locale == "en":
        page.locator("#locale-switch").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(translate("risk_dashboard.heading", locale), timeout=TIMEOUT)
    expect(page.locator("#chart-funnel")).to_contain_text(translate("risk_dashboard.chart.funnel", locale))
    # The demo book fills most charts; each drawn chart is a Plotly figure.
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 5
    assert not has_horizontal_scroll(page)
    screenshot(page, f"risk-dashboard-{locale}-laptop")
    page.context.close()
