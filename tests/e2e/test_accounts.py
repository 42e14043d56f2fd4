"""Registration, sign-in, sign-out and the staff page guard in a real browser."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lendapp.db import engine as engine_module
from lendapp.db.engine import create_engine_for
from lendapp.domain.phone import parse_cn_mobile
from lendapp.i18n import translate
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.sms_codes import read_outbox
from lendapp.settings import get_settings
from tests.e2e.conftest import PHONE, new_context, screenshot, wait_until_ready
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e

PASSWORD = "blue kettle 42 rain"
_phone_numbers = itertools.count(13600136001)


@pytest.fixture
def outbox_code(app_server: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """Read SMS codes from the app server's outbox, using its database and secret key."""
    monkeypatch.setenv("VAR_DIR", str(app_server.var_dir))
    monkeypatch.setenv("DATABASE_URL", app_server.database_url)
    get_settings.cache_clear()
    server_engine = create_engine_for(app_server.database_url)
    monkeypatch.setattr(engine_module, "get_engine", lambda: server_engine)

    def read(phone: str) -> str:
        body = read_outbox(parse_cn_mobile(phone), limit=1)[0].body
        return re.search(r"\d{6}", body).group(0)

    yield read
    server_engine.dispose()
    get_settings.cache_clear()


def _open(page: Page, url: str) -> None:
    # Forms submit through React's handler, and their state must have finished loading first.
    page.goto(url)
    wait_until_ready(page)


def _register(page: Page, app_server: AppServer, outbox_code: Callable[[str], str], phone: str) -> None:
    _open(page, app_server.base_url + "/register")
    _fill_registration(page, outbox_code, phone)
    page.wait_for_url(re.compile(r".*/account/security/?$"), timeout=20_000)


def _fill_registration(page: Page, outbox_code: Callable[[str], str], phone: str) -> None:
    """Fill in and submit the open registration form."""
    page.locator("#phone").fill(phone)
    page.locator("#send-code").click()
    expect(page.locator("#code")).to_be_visible(timeout=20_000)
    page.locator("#code").fill(outbox_code(phone))
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("#register-submit").click()


def _session_cookie(page: Page) -> dict | None:
    return next((cookie for cookie in page.context.cookies() if cookie["name"] == SESSION_COOKIE), None)


def test_register_rejects_invalid_phone(phone_page: Page, app_server: AppServer) -> None:
    _open(phone_page, app_server.base_url + "/register")
    phone_page.locator("#phone").fill("12345")
    phone_page.locator("#send-code").click()

    expect(phone_page.locator("#phone-error")).to_have_text(translate("auth.error.phone_invalid", "zh-CN"), timeout=20_000)


def test_register_sign_out_sign_in(phone_page: Page, app_server: AppServer, outbox_code: Callable[[str], str]) -> None:
    phone = str(next(_phone_numbers))

    _register(phone_page, app_server, outbox_code, phone)

    masked = phone[:3] + "****" + phone[-4:]
    expect(phone_page.locator("main")).to_contain_text(masked, timeout=20_000)
    expect(phone_page.locator("main")).to_contain_text(translate("security.sessions.current", "zh-CN"))
    cookie = _session_cookie(phone_page)
    assert cookie is not None
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert SESSION_COOKIE not in phone_page.evaluate("document.cookie")
    screenshot(phone_page, "account-security-zh-phone")

    phone_page.locator("#sign-out").click()
    phone_page.wait_for_url(re.compile(r".*/login/?$"), timeout=20_000)
    phone_page.wait_for_load_state("networkidle")
    assert _session_cookie(phone_page) is None

    phone_page.locator("#phone").fill(phone)
    phone_page.locator("#password").fill(PASSWORD)
    phone_page.locator("#login-submit").click()
    phone_page.wait_for_url(re.compile(r".*/account/security/?$"), timeout=20_000)
    expect(phone_page.locator("main")).to_contain_text(masked, timeout=20_000)


def test_sign_in_wrong_password_message(phone_page: Page, app_server: AppServer) -> None:
    _open(phone_page, app_server.base_url + "/login")
    phone_page.locator("#phone").fill("13800138000")
    phone_page.locator("#password").fill("not the password")
    phone_page.locator("#login-submit").click()

    expect(phone_page.get_by_role("alert").first).to_have_text(translate("auth.error.credentials", "zh-CN"), timeout=20_000)


def test_staff_page_redirects_borrower(browser: Browser, app_server: AppServer, outbox_code: Callable[[str], str]) -> None:
    context = new_context(browser, PHONE)
    page = context.new_page()
    _register(page, app_server, outbox_code, str(next(_phone_numbers)))

    page.goto(app_server.base_url + "/staff")

    page.wait_for_url(re.compile(r".*/staff/login.*"), timeout=20_000)
    context.close()


def test_staff_page_redirects_visitor(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/staff/accounts")

    phone_page.wait_for_url(re.compile(r".*/staff/login\?next=.*"), timeout=20_000)
    expect(phone_page.locator("#login")).to_be_visible()


def test_reviewer_reaches_workspace(phone_page: Page, app_server: AppServer) -> None:
    _open(phone_page, app_server.base_url + "/staff/login")
    phone_page.locator("#login").fill("demo_reviewer")
    phone_page.locator("#password").fill(app_server.staff_passwords["demo_reviewer"])
    phone_page.locator("#staff-login-submit").click()

    phone_page.wait_for_url(re.compile(r".*/staff/?$"), timeout=20_000)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(translate("staff.home.heading", "zh-CN"))
