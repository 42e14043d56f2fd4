"""Page layouts: the borrower shell (top bar) and the staff shell (sidebar)."""

from __future__ import annotations

import reflex as rx

from lendapp.components.text import t
from lendapp.state.auth_session import AuthState
from lendapp.state.i18n import I18nState

# Tap targets of at least 44 px, the size phone guidelines ask for.
# Solid and soft jade controls use high_contrast=True: white on jade step 9 (#29a383) is
# 3.2:1, below the 4.5:1 that WCAG AA requires for normal text.
TAP_TARGET = "44px"
CONTENT_WIDTH = "72rem"

BORROWER_NAV = (
    ("nav.products", "/#products"),
    ("nav.calculator", "/calculator"),
    ("nav.apply", "/apply"),
    ("nav.account", "/account"),
)

# Only pages that exist are linked; loans, risk monitoring and product settings join as they are built.
STAFF_NAV = (
    ("staff.nav.home", "/staff", "layout-dashboard", "staff_workspace"),
    ("staff.nav.queue", "/staff/queue", "list-checks", "review_queue"),
    ("staff.nav.loans", "/staff/loans", "book-open", "loans_view"),
    ("staff.nav.payouts", "/staff/payouts", "banknote", "disbursement"),
    ("payments.nav.finance", "/staff/payments", "receipt", "transfer_confirm"),
    ("ops.nav.collections", "/staff/collections", "phone-call", "overdue_list"),
    ("risk_dashboard.nav", "/staff/risk", "activity", "risk_dashboard"),
    ("staff.nav.policy", "/staff/policy", "sliders-horizontal", "scoring_policy"),
    ("staff.nav.products", "/staff/products", "package", ("product_manage", "product_rates")),
    ("staff.nav.staff", "/staff/accounts", "users", "staff_manage"),
)


def locale_switch() -> rx.Component:
    """Render the button that switches between Chinese and English."""
    return rx.button(
        rx.icon("languages", size=16),
        t("nav.switch_locale"),
        on_click=I18nState.toggle_locale,
        variant="soft",
        high_contrast=True,
        min_height=TAP_TARGET,
        id="locale-switch",
        lang=rx.cond(I18nState.is_english, "zh-CN", "en"),
    )


def brand() -> rx.Component:
    """Render the product name as a link to the home page."""
    return rx.link(
        rx.hstack(rx.icon("landmark", size=22), rx.text(t("app.name"), weight="bold", size="5"), align="center"),
        href="/",
        underline="none",
        color="inherit",
        min_height=TAP_TARGET,
        display="flex",
        align_items="center",
    )


def _nav_link(key: str, href: str) -> rx.Component:
    return rx.link(
        t(key),
        href=href,
        underline="none",
        weight="medium",
        padding_x="0.5rem",
        min_height=TAP_TARGET,
        display="flex",
        align_items="center",
    )


def _mobile_menu() -> rx.Component:
    items = [rx.menu.item(rx.link(t(key), href=href, width="100%"), min_height=TAP_TARGET) for key, href in BORROWER_NAV]
    items.append(rx.cond(
        AuthState.signed_in,
        rx.menu.item(t("nav.sign_out"), on_click=AuthState.sign_out, min_height=TAP_TARGET, id="nav-sign-out-menu"),
        rx.menu.item(rx.link(t("nav.sign_in"), href="/login", width="100%"), min_height=TAP_TARGET),
    ))
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("menu"), variant="ghost", size="3", aria_label=t("nav.menu"), id="nav-menu"),
        ),
        rx.menu.content(*items),
    )


def top_bar() -> rx.Component:
    """Render the borrower top bar: brand, navigation, sign-in and language."""
    return rx.el.header(
        rx.hstack(
            brand(),
            rx.spacer(),
            rx.hstack(*[_nav_link(key, href) for key, href in BORROWER_NAV], spacing="2", display=["none", "none", "flex"]),
            # The server-rendered page shows "Sign in"; the session check after hydration swaps it for
            # "Sign out" when the browser has a valid session.
            rx.cond(
                AuthState.signed_in,
                rx.button(t("nav.sign_out"), on_click=AuthState.sign_out, variant="outline", min_height=TAP_TARGET,
                          display=["none", "none", "flex"], id="nav-sign-out"),
                rx.link(
                    rx.button(t("nav.sign_in"), high_contrast=True, min_height=TAP_TARGET),
                    href="/login",
                    display=["none", "none", "flex"],
                ),
            ),
            locale_switch(),
            rx.box(_mobile_menu(), display=["flex", "flex", "none"]),
            align="center",
            spacing="3",
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.5rem",
        ),
        on_mount=AuthState.load,
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )


def footer() -> rx.Component:
    """Render the borrower footer with the operator's disclosure line."""
    return rx.el.footer(
        rx.vstack(
            rx.text(t("footer.disclosure"), size="2", color_scheme="gray"),
            rx.text(t("footer.copyright"), size="1", color_scheme="gray"),
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding="1.5rem 1rem",
        ),
        border_top="1px solid var(--gray-a5)",
        margin_top="3rem",
    )


def borrower_shell(*children: rx.Component) -> rx.Component:
    """Wrap a borrower page in the top bar and footer; usable from 360 px wide."""
    return rx.box(
        top_bar(),
        rx.el.main(
            *children,
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            padding_top="1.5rem",
            width="100%",
        ),
        footer(),
        min_height="100vh",
        overflow_x="hidden",
        on_mount=I18nState.sync_document_language,
    )


def _staff_link(key: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(t(key)), align="center", spacing="2"),
        href=href,
        underline="none",
        color="inherit",
        padding_x="0.75rem",
        min_height=TAP_TARGET,
        display="flex",
        align_items="center",
        border_radius="var(--radius-2)",
        _hover={"background": "var(--gray-a3)"},
    )


def _any_permission(permission: str | tuple[str, ...]) -> rx.Var:
    names = (permission,) if isinstance(permission, str) else permission
    condition = AuthState.permissions.contains(names[0])
    for name in names[1:]:
        condition = condition | AuthState.permissions.contains(name)
    return condition


def staff_sidebar() -> rx.Component:
    """Render the staff navigation: a sidebar on laptops, a wrapping row of links above the page on tablets."""
    return rx.el.nav(
        rx.flex(
            rx.hstack(brand(), rx.text(t("staff.workspace"), size="2", color_scheme="gray"), align="center", wrap="wrap"),
            rx.separator(display=["none", "none", "block"]),
            # Each link shows only to roles that may open its page; the page checks again on the server.
            *[rx.cond(_any_permission(permission), _staff_link(key, href, icon)) for key, href, icon, permission in STAFF_NAV],
            rx.spacer(display=["none", "none", "block"]),
            locale_switch(),
            direction=rx.breakpoints(initial="row", md="column"),
            wrap=rx.breakpoints(initial="wrap", md="nowrap"),
            gap="0.25rem",
            height="100%",
            padding=rx.breakpoints(initial="0.5rem 1rem", md="1rem"),
            align=rx.breakpoints(initial="center", md="stretch"),
        ),
        on_mount=AuthState.load,
        width=["100%", "100%", "15rem"],
        min_width=["auto", "auto", "15rem"],
        height=["auto", "auto", "100vh"],
        position=["static", "static", "sticky"],
        top="0",
        border_right="1px solid var(--gray-a5)",
        border_bottom=["1px solid var(--gray-a5)", "1px solid var(--gray-a5)", "none"],
        background="var(--gray-2)",
    )


def staff_shell(*children: rx.Component) -> rx.Component:
    """Wrap a staff page in the sidebar layout."""
    return rx.flex(
        staff_sidebar(),
        rx.el.main(*children, flex="1", padding="1.5rem", min_width="0"),
        direction=rx.breakpoints(initial="column", md="row"),
        min_height="100vh",
        on_mount=I18nState.sync_document_language,
    )
