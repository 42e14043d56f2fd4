"""The account security page: password, active sessions and two-factor sign-in."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import FORM_WIDTH, form_error, form_field, submit_button
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.state.account_security import AccountSecurityState, SessionRow
from lendapp.state.auth_session import AuthState
from lendapp.state.profile_changes import ProfileChangesState

ROUTE = "/account/security"
TITLE_KEY = "security.meta_title"
DESCRIPTION_KEY = "security.meta_description"
# The handler checks the session itself and sends visitors without one to sign in.
ON_LOAD = [AccountSecurityState.load, ProfileChangesState.load]


def _section(heading_key: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(t(heading_key), as_="h2", size="4"), *children, spacing="3", width="100%"),
        width="100%",
    )


def _setup_notices() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AccountSecurityState.must_change_password,
            rx.callout(t("security.notice.change_password"), icon="key-round", color_scheme="amber", width="100%"),
        ),
        rx.cond(
            AccountSecurityState.totp_required & ~AccountSecurityState.totp_enabled,
            rx.callout(t("security.notice.enrol_totp"), icon="shield-alert", color_scheme="amber", width="100%"),
        ),
        rx.cond(
            AccountSecurityState.is_staff & ~AccountSecurityState.must_change_password
            & (AccountSecurityState.totp_enabled | ~AccountSecurityState.totp_required),
            rx.link(rx.button(t("security.to_workspace"), variant="soft", min_height=TAP_TARGET), href="/staff"),
        ),
        width="100%",
        spacing="3",
    )


def _password_form() -> rx.Component:
    return _section(
        "security.password.heading",
        form_error(AccountSecurityState.form_error),
        rx.cond(
            AccountSecurityState.password_changed,
            rx.callout(t("security.password.changed"), icon="circle-check", color_scheme="jade", width="100%"),
        ),
        rx.form(
            rx.vstack(
                form_field("security.field.current_password", "current_password", AccountSecurityState.current_password_error,
                           input_type="password", auto_complete="current-password"),
                form_field("auth.field.new_password", "password", AccountSecurityState.password_error, input_type="password",
                           auto_complete="new-password", hint_key="auth.hint.password"),
                form_field("auth.field.confirm", "confirm", AccountSecurityState.confirm_error, input_type="password",
                           auto_complete="new-password"),
                submit_button("security.password.submit", button_id="change-password-submit"),
                spacing="3",
                width="100%",
                max_width=FORM_WIDTH,
            ),
            on_submit=AccountSecurityState.change_password,
            reset_on_submit=True,
            width="100%",
        ),
    )


def _totp_section() -> rx.Component:
    enrolment = rx.vstack(
        rx.text(t("security.totp.scan")),
        rx.code(AccountSecurityState.totp_secret, size="4", id="totp-secret", style={"word_break": "break-all"}),
        rx.text(AccountSecurityState.totp_uri, size="1", color_scheme="gray", style={"word_break": "break-all"}),
        rx.form(
            rx.vstack(
                form_field("staff_login.field.totp", "totp_code", AccountSecurityState.totp_code_error,
                           auto_complete="one-time-code", input_mode="numeric", max_length=6),
                submit_button("security.totp.confirm", button_id="totp-confirm"),
                spacing="3",
                width="100%",
                max_width=FORM_WIDTH,
            ),
            on_submit=AccountSecurityState.confirm_totp,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )
    return rx.cond(
        AccountSecurityState.is_staff,
        _section(
            "security.totp.heading",
            rx.cond(
                AccountSecurityState.totp_enabled,
                rx.badge(t("security.totp.on"), color_scheme="jade", size="2"),
                rx.cond(
                    AccountSecurityState.totp_secret != "",
                    enrolment,
                    rx.button(t("security.totp.begin"), on_click=AccountSecurityState.begin_totp, min_height=TAP_TARGET),
                ),
            ),
        ),
    )


def _session_item(row: SessionRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(row.device, weight="medium"),
            rx.text(row.client_ip, " · ", t("security.sessions.last_seen"), " ", row.last_seen, size="2", color_scheme="gray"),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            row.is_current,
            rx.badge(t("security.sessions.current"), color_scheme="jade"),
            rx.button(t("security.sessions.sign_out"), on_click=AccountSecurityState.sign_out_session(row.session_id),
                      variant="outline", color_scheme="red", min_height=TAP_TARGET),
        ),
        align="center",
        width="100%",
        padding_y="0.5rem",
        border_bottom="1px solid var(--gray-a4)",
    )


def _sessions_section() -> rx.Component:
    return _section(
        "security.sessions.heading",
        rx.vstack(rx.foreach(AccountSecurityState.sessions, _session_item), spacing="0", width="100%"),
        rx.button(t("security.sessions.sign_out_others"), on_click=AccountSecurityState.sign_out_others,
                  variant="soft", color_scheme="red", min_height=TAP_TARGET, id="sign-out-others"),
    )


def _phone_section() -> rx.Component:
    P = ProfileChangesState
    return _section(
        "profile.phone.heading",
        form_error(P.phone_error),
        rx.cond(
            P.code_sent,
            rx.form(
                rx.vstack(
                    form_field("profile.phone.code", "phone_code", "", input_type="text", auto_complete="one-time-code"),
                    submit_button("profile.phone.confirm"),
                    width="100%",
                ),
                on_submit=P.confirm_phone,
                reset_on_submit=True,
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    form_field("profile.phone.new", "new_phone", "", input_type="tel", auto_complete="tel"),
                    # Field names are unique on this page: Reflex reads form inputs by id, and the password form has "password".
                    form_field("profile.password", "phone_password", "", input_type="password", auto_complete="current-password"),
                    submit_button("profile.phone.send"),
                    width="100%",
                ),
                on_submit=P.send_phone_code,
                reset_on_submit=True,
                width="100%",
            ),
        ),
    )


def _card_section() -> rx.Component:
    P = ProfileChangesState
    return _section(
        "profile.card.heading",
        rx.text(t("profile.card.current"), ": ", rx.cond(P.masked_card != "", P.masked_card, t("profile.card.none")), size="2"),
        form_error(P.card_error),
        rx.form(
            rx.vstack(
                form_field("profile.card.number", "card_number", "", input_type="text", auto_complete="cc-number"),
                form_field("profile.password", "card_password", "", input_type="password", auto_complete="current-password"),
                submit_button("profile.card.save"),
                width="100%",
            ),
            on_submit=P.change_card,
            reset_on_submit=True,
            width="100%",
        ),
    )


def page() -> rx.Component:
    """Render the security page."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("security.heading"), as_="h1", size="7"),
            rx.text(t("security.signed_in_as"), " ", AccountSecurityState.masked_phone, color_scheme="gray"),
            _setup_notices(),
            _password_form(),
            rx.cond(~AccountSecurityState.is_staff, _phone_section()),
            rx.cond(~AccountSecurityState.is_staff, _card_section()),
            _totp_section(),
            _sessions_section(),
            rx.button(t("security.sign_out"), on_click=AuthState.sign_out, variant="outline", size="3",
                      min_height=TAP_TARGET, id="sign-out"),
            spacing="4",
            width="100%",
            max_width="44rem",
            padding_y="1rem",
        )
    )
