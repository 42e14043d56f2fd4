"""Helpers the account forms share: the visitor's locale and showing service errors by field."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import reflex as rx

from lendapp.i18n import translate
from lendapp.services.auth_errors import AccountsError
from lendapp.services.session_cookie import safe_next_path
from lendapp.state.i18n import I18nState

logger = logging.getLogger(__name__)


async def locale_of(state: rx.State) -> str:
    """Return the visitor's current locale."""
    return (await state.get_state(I18nState)).locale


def clear_errors(state: rx.State, fields: Iterable[str]) -> None:
    """Empty ``form_error`` and each ``<field>_error`` var of ``state``."""
    state.form_error = ""
    for field in fields:
        setattr(state, f"{field}_error", "")


def show_error(state: rx.State, error: AccountsError, locale: str) -> None:
    """Show ``error`` next to its field, or above the form when the state has no var for that field."""
    text = translate(error.key, locale, **error.params)
    target = f"{error.field}_error" if error.field else "form_error"
    if target not in state.base_vars:
        target = "form_error"
    setattr(state, target, text)


def form_text(form_data: dict, name: str, max_length: int = 4096) -> str:
    """Return a submitted form value as text, cut to ``max_length`` characters."""
    value = form_data.get(name, "")
    return value[:max_length] if isinstance(value, str) else ""


def next_path_from_query(state: rx.State, default: str) -> str:
    """Return the ``next`` query parameter of the current page when it is a path on this site."""
    return safe_next_path(state.router.url.query_parameters.get("next"), default)
