"""Errors of the account and security services.

Each error carries a message-catalog key, the parameters its text needs and,
for input errors, the form field to show the message next to. States turn
them into text with ``lendapp.i18n.translate(error.key, locale, **error.params)``.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class AccountsError(Exception):
    """An error a user can act on.

    Attributes:
        key: The catalog key of the message.
        field: The form field the message belongs to, or None for a form-level message.
        params: Values for the placeholders of the message.
    """

    def __init__(self, key: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


class InvalidInputError(AccountsError):
    """A form value is missing or malformed; nothing was written."""


class InvalidCredentialsError(AccountsError):
    """The login, password or two-factor code did not match."""


class AccountLockedError(AccountsError):
    """Too many failed sign-ins from this account or client address."""


class RateLimitedError(AccountsError):
    """Too many SMS codes requested for one number."""


class CodeRejectedError(AccountsError):
    """An SMS or handoff code is wrong, expired, used or out of attempts."""


class PermissionDeniedError(AccountsError):
    """The signed-in user lacks the permission the action needs."""


class NotFoundError(AccountsError):
    """The record does not exist or does not belong to the caller."""


class DeliveryError(AccountsError):
    """The SMS provider failed to send a message."""
