"""Browser fixtures: one production build per run, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.app_server import PROJECT_ROOT, AppServer, start_app, stop_app

SCREENSHOT_DIR = PROJECT_ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from contacting any service on its own.
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def app_server() -> Iterator[AppServer]:
    """The production build on a free port, with a fresh SQLite database and demo data."""
    var_dir = Path(tempfile.mkdtemp(prefix="lendapp-e2e-"))
    server = start_app(var_dir, PROJECT_ROOT / "artifacts" / "logs")
    try:
        yield server
    finally:
        stop_app(server.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET_FLAGS)
        yield instance
        instance.close()


def new_context(browser: Browser, viewport: dict[str, int], locale: str = "zh-CN") -> BrowserContext:
    """Open an isolated browser profile with a phone or laptop viewport."""
    return browser.new_context(viewport=viewport, locale=locale, device_scale_factor=1)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh profile at 390x844."""
    context = new_context(browser, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def laptop_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh profile at 1280x800."""
    context = new_context(browser, LAPTOP)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots for people to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def has_horizontal_scroll(page: Page) -> bool:
    """Whether the page is wider than the viewport."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def wait_until_ready(page: Page, timeout: float = 30_000) -> None:
    """Wait until the page has loaded and its hydration, load events included, has finished.

    A click sent before that can be overwritten by a load event that resets the
    page's form, so tests type only after the app marks the page ready.
    """
    page.wait_for_load_state("networkidle")
    page.locator("#app-ready[data-ready=true]").wait_for(state="attached", timeout=timeout)
