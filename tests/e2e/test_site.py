"""The public site in a real browser: calculator, product pages and help center."""

from __future__ import annotations

import dataclasses
import datetime as dt
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from lendapp.i18n import translate
from lendapp.i18n.formatting import format_money, format_percent
from lendapp.services.quotes import ProductTerms, quote_product
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.settings import get_settings
from tests.e2e.conftest import LAPTOP, PHONE, has_horizontal_scroll, new_context, screenshot, wait_until_ready
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e

RESULT_TIMEOUT_MS = 20_000


def _demo_product(code: str) -> ProductTerms:
    """Build the seeded product's terms without a database, for expected figures."""
    values = next(values for values in DEMO_PRODUCTS if values["code"] == code)
    return ProductTerms(**{field.name: values[field.name] for field in dataclasses.fields(ProductTerms)})


def _expected(code: str, amount: str, months: int, method: str, rate: str):
    today = dt.datetime.now(get_settings().timezone_info).date()
    return quote_product(_demo_product(code), Decimal(amount), months, method, Decimal(rate), today)


def _open_calculator(page: Page, app_server: AppServer, query: str = "") -> None:
    page.goto(app_server.base_url + "/calculator" + (("?" + query) if query else ""))
    expect(page.locator("#calc-payment")).not_to_have_text("", timeout=RESULT_TIMEOUT_MS)


def _type(page: Page, field_id: str, text: str) -> None:
    field = page.locator(f"#{field_id}")
    field.fill("")
    field.press_sequentially(text, delay=30)


def test_calculator_updates_as_borrower_types(phone_page: Page, app_server: AppServer) -> None:
    _open_calculator(phone_page, app_server)

    _type(phone_page, "calc-amount", "20000")
    _type(phone_page, "calc-term", "24")

    expected = _expected("consumer-flex", "20000", 24, "equal_installment", "0.18")
    expect(phone_page.locator("#calc-payment")).to_have_text(format_money(expected.installment, "zh-CN"), timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#calc-apr")).to_have_text(format_percent(expected.apr_periodic_x_n, "zh-CN"))
    expect(phone_page.locator("#calc-schedule tbody tr")).to_have_count(24)
    expect(phone_page.locator("#calc-comparison tbody tr")).to_have_count(4)
    assert "amount=20000" in phone_page.url
    assert "months=24" in phone_page.url
    assert not has_horizontal_scroll(phone_page)
    screenshot(phone_page, "calculator-zh-phone")


def test_calculator_full_width_digits_accepted(phone_page: Page, app_server: AppServer) -> None:
    _open_calculator(phone_page, app_server)

    _type(phone_page, "calc-amount", "１５０００")

    expected = _expected("consumer-flex", "15000", 12, "equal_installment", "0.18")
    expect(phone_page.locator("#calc-payment")).to_have_text(format_money(expected.installment, "zh-CN"), timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#calc-amount-error")).to_have_count(0)


@pytest.mark.parametrize(
    "field_id,text,message_key",
    [
        ("calc-amount", "abc", "calculator.error.amount_invalid"),
        ("calc-amount", "999999", "calculator.error.amount_range"),
        ("calc-term", "0", "calculator.error.term_invalid"),
        ("calc-term", "-3", "calculator.error.term_invalid"),
        ("calc-rate", "30", "calculator.error.rate_range"),
    ],
)
def test_calculator_bad_input_keeps_result(
    phone_page: Page, app_server: AppServer, field_id: str, text: str, message_key: str
) -> None:
    _open_calculator(phone_page, app_server)
    shown = phone_page.locator("#calc-payment").inner_text()

    _type(phone_page, field_id, text)

    expect(phone_page.locator(f"#{field_id}-error")).to_have_text(translate(message_key, "zh-CN"), timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#calc-payment")).to_have_text(shown)
    if text == "abc":
        screenshot(phone_page, "calculator-zh-phone-error")


def test_calculator_query_restores_result(phone_page: Page, app_server: AppServer) -> None:
    query = urllib.parse.urlencode(
        {"product": "business-working-capital", "amount": "50000", "months": "12", "method": "equal_principal", "rate": "12"}
    )

    _open_calculator(phone_page, app_server, query)

    expected = _expected("business-working-capital", "50000", 12, "equal_principal", "0.12")
    expect(phone_page.locator("#calc-payment")).to_have_text(format_money(expected.first_payment, "zh-CN"), timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#calc-total-fees")).to_have_text(format_money(expected.total_fees, "zh-CN"))
    expect(phone_page.locator("#calc-apr")).to_have_text(format_percent(expected.apr_periodic_x_n, "zh-CN"))
    apply_href = phone_page.locator("#calc-apply").get_attribute("href")
    assert apply_href.startswith("/apply?")
    assert "product=business-working-capital" in apply_href
    assert "amount=50000" in apply_href


def _switch_to(page: Page, locale: str) -> None:
    # The prerendered page is visible before hydration starts, and a click before then does nothing.
    wait_until_ready(page)
    if locale == "en":
        page.locator("#locale-switch").click()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("size_name,viewport", [("phone", PHONE), ("laptop", LAPTOP)])
def test_product_page_renders(browser, app_server: AppServer, locale: str, size_name: str, viewport: dict[str, int]) -> None:
    context = new_context(browser, viewport)
    page = context.new_page()
    page.goto(app_server.base_url + "/products/business-working-capital")
    expect(page.locator("#product-disclosure")).to_be_visible(timeout=RESULT_TIMEOUT_MS)

    _switch_to(page, locale)

    name = "小微经营贷" if locale == "zh-CN" else "Small business working capital"
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("#product-disclosure")).to_contain_text(translate("product_page.penalty", locale))
    expect(page.locator("#product-disclosure")).to_contain_text("1.00%")
    expect(page.locator("#product-example")).to_contain_text("¥155,000.00")
    assert not has_horizontal_scroll(page)
    screenshot(page, f"product-{locale}-{size_name}")
    context.close()


def test_product_page_unknown_code(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/products/no-such-product")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(translate("product_page.not_found", "zh-CN"), timeout=RESULT_TIMEOUT_MS)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("size_name,viewport", [("phone", PHONE), ("laptop", LAPTOP)])
def test_help_page_renders(browser, app_server: AppServer, locale: str, size_name: str, viewport: dict[str, int]) -> None:
    context = new_context(browser, viewport)
    page = context.new_page()
    page.goto(app_server.base_url + "/help")
    expect(page.locator("#help-faq details")).to_have_count(6, timeout=RESULT_TIMEOUT_MS)

    _switch_to(page, locale)

    expect(page.get_by_role("heading", level=1)).to_have_text(translate("help.heading", locale))
    assert not has_horizontal_scroll(page)
    screenshot(page, f"help-{locale}-{size_name}")
    context.close()


def test_help_search_filters_faq(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/help")
    expect(phone_page.locator("#help-faq details")).to_have_count(6, timeout=RESULT_TIMEOUT_MS)
    wait_until_ready(phone_page)

    phone_page.locator("#help-search").fill("提前还款")

    expect(phone_page.locator("#help-faq details")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#help-faq")).to_contain_text("可以提前还款吗")

    phone_page.locator("#help-search").fill("mortgage")

    expect(phone_page.locator("#help-no-results")).to_be_visible(timeout=RESULT_TIMEOUT_MS)


@pytest.mark.parametrize("path,heading_key", [("/privacy", "privacy.heading"), ("/loan-agreement", "agreement.heading")])
def test_legal_pages_render(phone_page: Page, app_server: AppServer, path: str, heading_key: str) -> None:
    phone_page.goto(app_server.base_url + path)

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(translate(heading_key, "zh-CN"))
    assert not has_horizontal_scroll(phone_page)


def test_home_shows_apr_steps_and_faq(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/")
    expect(phone_page.locator("main h3")).to_have_count(4, timeout=RESULT_TIMEOUT_MS)
    expect(phone_page.locator("#home-faq details")).to_have_count(6)

    main = phone_page.locator("main")
    expect(main).to_contain_text(translate("site.apr_label", "zh-CN"))
    expect(main).to_contain_text(translate("site.steps.review.title", "zh-CN"))
    expect(main).to_contain_text("年化利率（APR）是怎么算的？")
    expect(main).to_contain_text("DEMO-0000-0000")
    assert not has_horizontal_scroll(phone_page)
    screenshot(phone_page, "home-site-zh-phone")


def test_pages_have_open_graph_tags(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/calculator")

    expect(phone_page.locator('meta[property="og:title"]')).to_have_attribute("content", translate("calculator.meta_title", "zh-CN"))
    expect(phone_page.locator('meta[property="og:type"]')).to_have_attribute("content", "website")


def test_robots_and_sitemap_served(app_server: AppServer) -> None:
    with urllib.request.urlopen(app_server.base_url + "/robots.txt", timeout=10) as response:
        robots = response.read().decode()
    with urllib.request.urlopen(app_server.base_url + "/sitemap.xml", timeout=10) as response:
        sitemap = response.read().decode()

    assert "Allow: /" in robots
    sitemap_lines = [line for line in robots.splitlines() if line.startswith("Sitemap: ")]
    assert len(sitemap_lines) == 1
    assert sitemap_lines[0].endswith("/sitemap.xml")
    assert urllib.parse.urlsplit(sitemap_lines[0].removeprefix("Sitemap: ")).scheme in ("http", "https")
    assert "/calculator</loc>" in sitemap
    hosts = {urllib.parse.urlsplit(loc.split("</loc>")[0]).hostname for loc in sitemap.split("<loc>")[1:]}
    assert hosts <= {"localhost", "127.0.0.1"}
    for private in ("/staff", "/account/security", "/apply", "/reset-password"):
        assert f"{private}</loc>" not in sitemap, private


def test_calculator_requests_only_own_host(phone_page: Page, app_server: AppServer) -> None:
    requested: list[str] = []
    phone_page.on("request", lambda request: requested.append(request.url))
    phone_page.on("websocket", lambda socket: requested.append(socket.url))

    _open_calculator(phone_page, app_server)
    expect(phone_page.locator("#calc-chart .main-svg").first).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    phone_page.wait_for_load_state("networkidle")

    own = urllib.parse.urlsplit(app_server.base_url).netloc
    foreign = [url for url in requested if urllib.parse.urlsplit(url).scheme in ("http", "https", "ws", "wss") and urllib.parse.urlsplit(url).netloc != own]
    assert requested
    assert foreign == []
