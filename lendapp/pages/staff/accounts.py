"""The admin page for staff accounts."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import form_error, form_field, submit_button
from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.domain.roles import STAFF_ROLES
from lendapp.state.staff_accounts import StaffAccountsState, StaffRow

ROUTE = "/staff/accounts"
TITLE_KEY = "staff_accounts.meta_title"
DESCRIPTION_KEY = "staff_accounts.meta_description"
# The handler checks the session and the staff-management permission itself.
ON_LOAD = StaffAccountsState.load


def _role_items() -> list[rx.Component]:
    return [rx.select.item(t(f"role.{role}"), value=str(role)) for role in STAFF_ROLES]


def _confirmed(label_key: str, question_key: str, on_confirm: rx.event.EventSpec, color: str = "gray") -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(t(label_key), variant="soft", color_scheme=color, min_height=TAP_TARGET)),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t(label_key)),
            rx.alert_dialog.description(t(question_key)),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("staff_accounts.cancel"), variant="soft", color_scheme="gray", min_height=TAP_TARGET)),
                rx.alert_dialog.action(rx.button(t("staff_accounts.confirm"), color_scheme=color, on_click=on_confirm, min_height=TAP_TARGET)),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def _create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("staff_accounts.create.heading"), as_="h2", size="4"),
                form_error(StaffAccountsState.form_error),
                rx.el.label(t("staff_accounts.field.role"), html_for="role", font_weight="500"),
                rx.select.root(
                    rx.select.trigger(id="role", min_height=TAP_TARGET, width="100%"),
                    rx.select.content(*_role_items()),
                    name="role",
                    default_value="reviewer",
                    size="3",
                ),
                rx.cond(StaffAccountsState.role_error != "", rx.text(StaffAccountsState.role_error, size="2", color_scheme="red", role="alert")),
                form_field("staff_accounts.field.name", "name", StaffAccountsState.name_error, auto_complete="off", max_length=64),
                form_field("auth.field.phone", "phone", StaffAccountsState.phone_error, input_type="tel", input_mode="numeric", max_length=20),
                form_field("staff_accounts.field.login", "login", StaffAccountsState.login_error, max_length=32,
                           hint_key="staff_accounts.hint.login"),
                submit_button("staff_accounts.create.submit", button_id="create-staff"),
                spacing="3",
                width="100%",
            ),
            on_submit=StaffAccountsState.create,
            width="100%",
        ),
        width="100%",
        max_width="30rem",
    )


def _issued_credentials() -> rx.Component:
    return rx.cond(
        StaffAccountsState.issued_password != "",
        rx.callout(
            rx.vstack(
                rx.text(t("staff_accounts.issued.body")),
                rx.text(t("staff_login.field.login"), ": ", rx.code(StaffAccountsState.issued_login, id="issued-login")),
                rx.text(t("staff_accounts.issued.password"), ": ", rx.code(StaffAccountsState.issued_password, id="issued-password")),
                rx.button(t("staff_accounts.issued.dismiss"), on_click=StaffAccountsState.dismiss_credentials, min_height=TAP_TARGET),
                spacing="2",
            ),
            icon="key-round",
            color_scheme="amber",
            width="100%",
        ),
    )


def _status_badges(row: StaffRow) -> rx.Component:
    return rx.hstack(
        rx.cond(row.is_active, rx.badge(t("staff_accounts.status.active"), color_scheme="jade"),
                rx.badge(t("staff_accounts.status.inactive"), color_scheme="gray")),
        rx.cond(row.totp_enabled, rx.badge(t("staff_accounts.status.totp_on"), color_scheme="blue")),
        rx.cond(row.must_change_password, rx.badge(t("staff_accounts.status.one_time_password"), color_scheme="amber")),
        wrap="wrap",
        spacing="2",
    )


def _staff_card(row: StaffRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(row.display_name, weight="bold"),
                    rx.text(row.login, " · ", row.phone, size="2", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                _status_badges(row),
                width="100%",
                wrap="wrap",
            ),
            rx.select.root(
                rx.select.trigger(min_height=TAP_TARGET, aria_label=t("staff_accounts.field.role")),
                rx.select.content(*_role_items()),
                value=row.role,
                on_change=lambda role: StaffAccountsState.change_role(row.user_id, role),
                size="2",
            ),
            rx.flex(
                _confirmed("staff_accounts.action.reset_password", "staff_accounts.confirm.reset_password",
                           StaffAccountsState.reset_password(row.user_id)),
                rx.cond(row.totp_enabled, _confirmed("staff_accounts.action.reset_totp", "staff_accounts.confirm.reset_totp",
                                                     StaffAccountsState.reset_totp(row.user_id))),
                rx.cond(
                    row.is_active,
                    _confirmed("staff_accounts.action.deactivate", "staff_accounts.confirm.deactivate",
                               StaffAccountsState.deactivate(row.user_id), color="red"),
                    rx.button(t("staff_accounts.action.reactivate"), on_click=StaffAccountsState.reactivate(row.user_id),
                              variant="soft", min_height=TAP_TARGET),
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.text(t("staff_accounts.created_at"), " ", row.created, size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render the staff accounts page."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("staff_accounts.heading"), as_="h1", size="6"),
            _issued_credentials(),
            rx.flex(
                _create_form(),
                rx.vstack(rx.foreach(StaffAccountsState.rows, _staff_card), spacing="3", width="100%", flex="1"),
                direction=rx.breakpoints(initial="column", lg="row"),
                spacing="4",
                width="100%",
                align="start",
            ),
            spacing="4",
            width="100%",
        )
    )
