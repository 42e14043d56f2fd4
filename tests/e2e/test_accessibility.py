"""Accessibility of the public pages on a phone: axe-core rules, tap target sizes, text sizes and width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import PHONE, has_horizontal_scroll, new_context
from tests.support.app_server import PROJECT_ROOT, AppServer

pytestmark = pytest.mark.e2e

AXE_SCRIPT = PROJECT_ROOT / ".tools" / "audit" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/products/consumer-flex", "/calculator"]
LOCALES = ["zh-CN", "en"]
# The page is ready once data loaded after hydration is on screen.
READY_SELECTORS = {"/": "#home-faq details", "/products/consumer-flex": "#product-disclosure", "/calculator": "#calc-result"}
BLOCKING_IMPACTS = ("serious", "critical")
MIN_TAP_PX = 44
# WCAG 2.5.8's floor: a shorter target needs spacing that makes up the difference to 44 px.
MIN_SPACED_TAP_PX = 24
MIN_TEXT_PX = 12
READY_TIMEOUT_MS = 30_000


@pytest.fixture
def open_page(browser: Browser, app_server: AppServer):
    """Open a public page at 390x844 in a locale, waiting for the data loaded after hydration."""
    contexts = []

    def _open(path: str, locale: str) -> Page:
        context = new_context(browser, PHONE, locale)
        contexts.append(context)
        if locale != "zh-CN":
            host = app_server.base_url.split("//", 1)[1].split(":")[0]
            context.add_cookies([{"name": "lendapp_locale", "value": locale, "domain": host, "path": "/"}])
        page = context.new_page()
        page.goto(app_server.base_url + path)
        page.wait_for_selector(READY_SELECTORS[path], timeout=READY_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        return page

    yield _open
    for context in contexts:
        context.close()


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [f"{', '.join(node['target'])} {node['html'][:80]}" for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", PAGES)
def test_axe_no_serious_violations(open_page, path: str, locale: str) -> None:
    page = open_page(path, locale)
    page.add_script_tag(path=str(AXE_SCRIPT))

    results = page.evaluate("axe.run()")

    blocking = [violation for violation in results["violations"] if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core found on {path} ({locale}):\n{_describe(blocking)}"


# Each visible link and button in the header and main with its box and the distance to its nearest neighbour.
TARGETS_SCRIPT = """
() => {
  const selector = 'header a, header button, main a, main button, main summary, main [role=combobox]';
  const elements = [...document.querySelectorAll(selector)].filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && !element.closest('[hidden]');
  });
  const boxes = elements.map((element) => element.getBoundingClientRect());
  // Nested targets (a button inside a link) count once, as the outer element.
  return elements.filter((element) => !elements.some((other) => other !== element && other.contains(element)))
    .map((element) => {
      const box = element.getBoundingClientRect();
      let gap = Infinity;
      boxes.forEach((other, index) => {
        const peer = elements[index];
        if (peer === element || peer.contains(element) || element.contains(peer)) return;
        const dx = Math.max(0, other.left - box.right, box.left - other.right);
        const dy = Math.max(0, other.top - box.bottom, box.top - other.bottom);
        gap = Math.min(gap, Math.hypot(dx, dy));
      });
      return {
        name: (element.innerText || element.getAttribute('aria-label') || element.id || element.tagName).trim().slice(0, 40),
        width: box.width, height: box.height, gap,
      };
    });
}
"""

SMALL_TEXT_SCRIPT = """
(minimum) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const element = node.parentElement;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < minimum) small.push(`${element.tagName} ${size}px: ${node.textContent.trim().slice(0, 30)}`);
  }
  return small;
}
"""


def _too_small(target: dict) -> bool:
    """Whether a target is under 44 px tall without being wide and spaced enough to make up for it."""
    if target["height"] >= MIN_TAP_PX:
        return False
    if target["width"] < MIN_TAP_PX or target["height"] < MIN_SPACED_TAP_PX:
        return True
    return target["gap"] < MIN_TAP_PX - target["height"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", PAGES)
def test_phone_tap_targets_and_text(open_page, path: str, locale: str) -> None:
    page = open_page(path, locale)

    targets = page.evaluate(TARGETS_SCRIPT)
    small_targets = [target for target in targets if _too_small(target)]
    small_text = page.evaluate(SMALL_TEXT_SCRIPT, MIN_TEXT_PX)

    assert targets, f"no links or buttons found on {path}"
    assert not small_targets, f"tap targets under {MIN_TAP_PX} px on {path} ({locale}): {small_targets}"
    assert not small_text, f"text under {MIN_TEXT_PX} px on {path} ({locale}): {small_text}"
    assert not has_horizontal_scroll(page), f"{path} ({locale}) scrolls sideways at {PHONE['width']} px"
