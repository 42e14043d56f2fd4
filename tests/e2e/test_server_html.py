"""The HTML the production server returns before any script runs: what crawlers and slow phones see first."""

from __future__ import annotations

import html
import re
import urllib.request

import pytest

from lendapp.i18n.catalog import catalog
from lendapp.services.seed import DEMO_PRODUCTS
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e

ZH = catalog("zh-CN")
CONSUMER_FLEX = next(values for values in DEMO_PRODUCTS if values["code"] == "consumer-flex")


def _fetch(app_server: AppServer, path: str) -> str:
    with urllib.request.urlopen(app_server.base_url + path, timeout=30) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def _visible_text(page_html: str) -> str:
    """Drop scripts, styles and tags, so a match cannot come from the serialized state."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def _h1(page_html: str) -> str:
    match = re.search(r"<h1\b[^>]*>(.*?)</h1>", page_html, flags=re.S)
    assert match, "the server's HTML has no h1"
    return _visible_text(match.group(1)).strip()


def _meta(page_html: str, attribute: str, name: str) -> str | None:
    for tag in re.findall(r"<meta\b[^>]*>", page_html):
        if re.search(rf'{attribute}="{re.escape(name)}"', tag):
            content = re.search(r'content="([^"]*)"', tag)
            return html.unescape(content.group(1)) if content else None
    return None


def _title(page_html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page_html, flags=re.S)
    assert match, "the server's HTML has no title"
    return html.unescape(match.group(1))


STATIC_PAGES = [
    ("/", "home.meta_title", "home.meta_description", "home.headline", ["home.subheadline", "site.faq_heading"]),
    ("/calculator", "calculator.meta_title", "calculator.meta_description", "calculator.heading", ["calculator.intro", "calculator.product"]),
    ("/help", "help.meta_title", "help.meta_description", "help.heading", ["help.search_label", "help.contact_heading"]),
]


@pytest.mark.parametrize("path,title_key,description_key,h1_key,body_keys", STATIC_PAGES)
def test_server_html_has_page_text(app_server: AppServer, path, title_key, description_key, h1_key, body_keys) -> None:
    page_html = _fetch(app_server, path)
    text = _visible_text(page_html)

    assert _title(page_html) == ZH[title_key]
    assert _meta(page_html, "name", "description") == ZH[description_key]
    assert _meta(page_html, "property", "og:title") == ZH[title_key]
    assert _h1(page_html) == ZH[h1_key]
    for key in body_keys:
        assert ZH[key] in text, f"{key} is missing from the server's HTML of {path}"


def test_server_html_home_lists_products(app_server: AppServer) -> None:
    text = _visible_text(_fetch(app_server, "/"))

    for values in DEMO_PRODUCTS:
        assert values["name_zh"] in text, f"product {values['code']} is missing from the server's HTML"


def test_server_html_home_and_help_have_faq(app_server: AppServer) -> None:
    home_html = _fetch(app_server, "/")
    help_html = _fetch(app_server, "/help")

    for page_html in (home_html, help_html):
        questions = re.findall(r"<summary\b[^>]*>(.*?)</summary>", page_html, flags=re.S)
        assert len(questions) >= 3, "the FAQ questions are missing from the server's HTML"
        assert all(_visible_text(question).strip() for question in questions)


def test_server_html_product_page(app_server: AppServer) -> None:
    page_html = _fetch(app_server, "/products/consumer-flex")
    text = _visible_text(page_html)
    expected_title = ZH["product_page.meta_title_named"].format(name=CONSUMER_FLEX["name_zh"])

    assert _h1(page_html) == CONSUMER_FLEX["name_zh"]
    assert CONSUMER_FLEX["summary_zh"] in text
    assert ZH["product_page.disclosure_heading"] in text
    assert _title(page_html) == expected_title
    assert _meta(page_html, "name", "description") == CONSUMER_FLEX["summary_zh"]
    assert _meta(page_html, "property", "og:title") == expected_title


def test_server_html_paints_before_scripts(app_server: AppServer) -> None:
    """The page carries its critical CSS and starts its modules only after the first frame."""
    page = _fetch(app_server, "/")
    head = page.split("</head>", 1)[0]
    critical = re.search(r"<style>(.*?)</style>", head, flags=re.S)
    stylesheet = re.search(r'<link[^>]*href="(/assets/__reflex_global_styles[^"]+\.css)"[^>]*>', head)

    assert not re.search(r"<link[^>]*modulepreload", page)
    assert "<script type=\"module\"" not in page
    assert "requestAnimationFrame" in page
    assert critical, "no inlined critical CSS in <head>"
    assert ".rt-Card" in critical.group(1)
    assert "--jade-9" in critical.group(1)
    assert "--tomato-9" not in critical.group(1)
    page_classes = {name for value in re.findall(r'class="([^"]*)"', page) for name in value.split()}
    for variant in set(re.findall(r"\.((?:xs|sm|md|lg|xl)\\:[\w-]+)", critical.group(1))):
        assert variant.replace("\\:", ":") in page_classes, f"critical CSS keeps {variant}, which no element has"
    assert stylesheet, "the global stylesheet link is missing"
    assert 'media="print"' in stylesheet.group(0)
    assert "<noscript>" in head
    assert ":root:where(:has(" not in _fetch(app_server, stylesheet.group(1))


def test_server_html_root_theme_has_appearance(app_server: AppServer) -> None:
    """The root theme element already carries the class the color mode provider adds after hydration."""
    page = _fetch(app_server, "/")
    root_theme = re.search(r'<div data-is-root-theme="true"[^>]*>', page)

    assert root_theme, "no root theme element in the served HTML"
    classes = re.search(r'class="([^"]*)"', root_theme.group(0)).group(1).split()
    assert "radix-themes" in classes
    assert "light" in classes


def test_stylesheet_has_no_local_font_faces(app_server: AppServer) -> None:
    """Radix's local()-only @font-face rules, which re-laid out the page when the stylesheet arrived, are gone."""
    page = _fetch(app_server, "/")
    stylesheet = re.search(r'href="(/assets/__reflex_global_styles[^"]+\.css)"', page)
    css = _fetch(app_server, stylesheet.group(1))

    assert not re.search(r"@font-face\s*\{[^}]*local\(", css)
    assert "Segoe UI (Custom)" in css, "the font stack itself should stay as Radix wrote it"
    assert ".rt-Button" in css


def test_browser_bundle_excludes_build_tools(app_server: AppServer) -> None:
    """The rewrite's npm package stays a build tool: no module the home page loads imports it."""
    page = _fetch(app_server, "/")
    modules = re.findall(r'"(/assets/[^"]+\.js)"', page)

    assert any("/root-" in module for module in modules)
    for module in modules:
        assert "beasties" not in _fetch(app_server, module), module


def test_server_html_share_image_is_absolute(app_server: AppServer) -> None:
    """Open Graph readers get an absolute picture address, and the picture and the icon are served."""
    image = _meta(_fetch(app_server, "/"), "property", "og:image")

    assert image is not None, "no og:image tag"
    assert re.fullmatch(r"https?://[^/\s]+(/\S*)?/og-image\.png", image), image
    for path, content_type in (("/og-image.png", "image/png"), ("/favicon.ico", "image/")):
        with urllib.request.urlopen(app_server.base_url + path, timeout=30) as response:
            assert response.status == 200, path
            assert response.headers["Content-Type"].startswith(content_type), path


def test_robots_txt_names_absolute_sitemap(app_server: AppServer) -> None:
    robots = _fetch(app_server, "/robots.txt")
    sitemap_lines = [line for line in robots.splitlines() if line.lower().startswith("sitemap:")]

    assert "User-agent: *" in robots
    assert len(sitemap_lines) == 1
    assert re.fullmatch(r"Sitemap: https?://[^/\s]+(/\S*)?/sitemap\.xml", sitemap_lines[0])
