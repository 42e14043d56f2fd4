"""The home page, language switch, 404 page and health route in a real browser."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from lendapp.i18n import translate
from tests.e2e.conftest import LAPTOP, PHONE, has_horizontal_scroll, new_context, screenshot, wait_until_ready
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e


def _open_home(page: Page, app_server: AppServer) -> None:
    page.goto(app_server.base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Products arrive over the websocket after hydration.
    expect(page.locator("main h3")).to_have_count(4, timeout=20_000)
    # The prerendered page shows before hydration starts, and a click before then does nothing.
    wait_until_ready(page)


@pytest.mark.parametrize("size_name,viewport", [("phone", PHONE), ("laptop", LAPTOP)])
def test_home_renders_chinese(browser, app_server: AppServer, size_name: str, viewport: dict[str, int]) -> None:
    context = new_context(browser, viewport)
    page = context.new_page()

    _open_home(page, app_server)

    expect(page.get_by_role("heading", level=1)).to_have_text(translate("home.headline", "zh-CN"))
    expect(page.locator("main")).to_contain_text("随心消费贷")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert not has_horizontal_scroll(page)
    screenshot(page, f"home-zh-{size_name}")
    context.close()


@pytest.mark.parametrize("size_name,viewport", [("phone", PHONE), ("laptop", LAPTOP)])
def test_home_switches_to_english(browser, app_server: AppServer, size_name: str, viewport: dict[str, int]) -> None:
    context = new_context(browser, viewport)
    page = context.new_page()
    _open_home(page, app_server)

    page.locator("#locale-switch").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(translate("home.headline", "en"))
    expect(page.locator("main")).to_contain_text("Flexi consumer loan")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert not has_horizontal_scroll(page)
    screenshot(page, f"home-en-{size_name}")

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(translate("home.headline", "en"), timeout=20_000)
    # The server renders Chinese; the remembered choice sets the lang attribute once the page loads.
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=20_000)
    context.close()


# Computed styles that depend on the Radix rules and theme tokens the build inlines in each page.
STYLE_PROBE = """() => {
    const card = document.querySelector('main .rt-Card');
    const heading = document.querySelector('h1');
    const button = document.querySelector('main .rt-Button');
    return {
        card_border: getComputedStyle(card, '::after').boxShadow,
        card_background: getComputedStyle(card, '::before').backgroundColor,
        card_padding: getComputedStyle(card).padding,
        heading_size: getComputedStyle(heading).fontSize,
        heading_weight: getComputedStyle(heading).fontWeight,
        button_background: getComputedStyle(button).backgroundColor,
        button_height: getComputedStyle(button).height,
        heading_color: getComputedStyle(heading).color,
    };
}"""


def test_home_styled_before_scripts(browser, app_server: AppServer) -> None:
    """The CSS inlined in the page styles it as the full stylesheet does, before any script or the stylesheet loads."""
    context = new_context(browser, PHONE)
    page = context.new_page()
    page.route("**/assets/**", lambda route: route.abort())
    page.goto(app_server.base_url + "/")
    before_scripts = page.evaluate(STYLE_PROBE)
    assert page.evaluate("document.querySelector('#app-ready').dataset.ready") == "false"
    screenshot(page, "home-zh-phone-before-scripts")
    context.close()

    context = new_context(browser, PHONE)
    page = context.new_page()
    _open_home(page, app_server)
    media = page.evaluate("[...document.querySelectorAll('link[rel=stylesheet]')].map((link) => link.media)")
    hydrated = page.evaluate(STYLE_PROBE)
    context.close()

    assert media == ["all"]
    assert before_scripts["card_border"] != "none"
    for name, value in hydrated.items():
        assert before_scripts[name] == value, name


def test_phone_menu_lists_navigation(phone_page: Page, app_server: AppServer) -> None:
    _open_home(phone_page, app_server)

    phone_page.locator("#nav-menu").click()

    menu = phone_page.get_by_role("menu")
    expect(menu).to_contain_text(translate("nav.calculator", "zh-CN"))
    expect(menu).to_contain_text(translate("nav.sign_in", "zh-CN"))
    screenshot(phone_page, "home-zh-phone-menu")


def test_unknown_route_shows_not_found(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/no-such-page")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(translate("not_found.heading", "zh-CN"))
    screenshot(phone_page, "not-found-zh-phone")


def test_page_requests_only_own_host(browser, app_server: AppServer) -> None:
    context = new_context(browser, PHONE)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda socket: requested.append(socket.url))

    _open_home(page, app_server)
    page.wait_for_load_state("networkidle")
    context.close()

    own = urllib.parse.urlsplit(app_server.base_url).netloc
    foreign = [url for url in requested if urllib.parse.urlsplit(url).scheme in ("http", "https", "ws", "wss") and urllib.parse.urlsplit(url).netloc != own]
    assert requested
    assert foreign == []


def test_health_route_reports_database(app_server: AppServer) -> None:
    with urllib.request.urlopen(app_server.base_url + "/api/health", timeout=10) as response:
        body = json.load(response)
        status = response.status

    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["backend"] == "sqlite"
