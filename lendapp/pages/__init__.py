"""Page registration: one route per module under public/, borrower/ and staff/."""

from __future__ import annotations

import reflex as rx

from lendapp.components.text import static_text
from lendapp.settings import get_settings
from lendapp.pages.public import home, not_found
from lendapp.pages.public import calculator, loan_agreement, privacy, product
from lendapp.pages.public import help as help_center
from lendapp.pages.borrower import security
from lendapp.pages.borrower import application_status, apply
from lendapp.pages.borrower import dashboard, loan, messages, plan_change, privacy_rights
from lendapp.pages.public import login, register, reset_password
from lendapp.pages.staff import accounts as staff_accounts
from lendapp.pages.staff import home as staff_home
from lendapp.pages.staff import login as staff_login
from lendapp.pages.staff import application as staff_application
from lendapp.pages.staff import queue as staff_queue
from lendapp.pages.borrower import payment_result
from lendapp.pages.staff import payments as staff_payments
from lendapp.pages.staff import payouts as staff_payouts
from lendapp.pages.staff import loan_detail as staff_loan_detail
from lendapp.pages.staff import loans as staff_loans
from lendapp.pages.staff import policy as staff_policy, products as staff_products
from lendapp.pages.staff import risk as staff_risk
from lendapp.pages.staff import collections as staff_collections

PAGE_MODULES = (home, not_found, staff_home)
PAGE_MODULES += (calculator, product, help_center, privacy, loan_agreement)
PAGE_MODULES += (login, register, reset_password, security, staff_login, staff_accounts)
PAGE_MODULES += (apply, application_status)
PAGE_MODULES += (dashboard, loan, messages, plan_change, privacy_rights)
PAGE_MODULES += (staff_queue, staff_application)
PAGE_MODULES += (payment_result, staff_payments)
PAGE_MODULES += (staff_payouts,)
PAGE_MODULES += (staff_loans, staff_loan_detail)
PAGE_MODULES += (staff_products, staff_policy)
PAGE_MODULES += (staff_risk,)
PAGE_MODULES += (staff_collections,)


# Pages behind sign-in, or only reached from a link, stay out of sitemap.xml.
UNLISTED_PREFIXES = ("/staff", "/account", "/apply", "/applications", "/loans", "/payments", "/reset-password", "404")


# The 1200x630 picture that chat apps and social sites show with a shared link (assets/og-image.png).
SHARE_IMAGE_PATH = "/og-image.png"


def _sitemap_context(route: str) -> dict | None:
    return {"sitemap": None} if route.startswith(UNLISTED_PREFIXES) else None


def share_image_url() -> str:
    """Return the absolute address of the share picture, because Open Graph readers need one."""
    return get_settings().public_url.rstrip("/") + SHARE_IMAGE_PATH


def register_pages(app: rx.App) -> None:
    """Add every page module's route to ``app``.

    Each module defines ``ROUTE``, ``TITLE_KEY``, ``DESCRIPTION_KEY``, ``page()``
    and optionally ``ON_LOAD``. Titles use the default locale, because search
    engines read the HTML the server returns before any script runs.
    """
    for module in PAGE_MODULES:
        app.add_page(
            module.page,
            route=module.ROUTE,
            title=static_text(module.TITLE_KEY),
            description=static_text(module.DESCRIPTION_KEY),
            image=share_image_url(),
            on_load=getattr(module, "ON_LOAD", None),
            meta=open_graph_meta(module),
            context=_sitemap_context(module.ROUTE),
        )
    # Products read at startup also get static routes, so their text is in the server's HTML.
    for route, render, view in product.static_pages():
        title = static_text("product_page.meta_title_named").format(name=view.name_zh)
        app.add_page(
            render,
            route=route,
            title=title,
            description=view.summary_zh,
            image=share_image_url(),
            on_load=product.ON_LOAD,
            meta=_meta_tags(title, view.summary_zh),
        )


def open_graph_meta(module) -> list[dict[str, str]]:
    """Return the Open Graph tags of a page module, in the default locale like its title."""
    return _meta_tags(static_text(module.TITLE_KEY), static_text(module.DESCRIPTION_KEY))


def _meta_tags(title: str, description: str) -> list[dict[str, str]]:
    return [
        {"property": "og:title", "content": title},
        {"property": "og:description", "content": description},
        {"property": "og:type", "content": "website"},
        {"property": "og:locale", "content": "zh_CN"},
    ]
