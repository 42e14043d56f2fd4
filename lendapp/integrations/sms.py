"""Sending text messages: the interface a gateway adapter implements, and the outbox provider.

The outbox provider sends nothing. It stores each message in the
``sms_outbox`` table (the number encrypted, the text as written) and logs the
text with a masked number, so a demo or a test reads the verification code
there. Because that log line and table contain live codes, it is meant for
demos and development; a gateway adapter must not log message text.
"""

from __future__ import annotations

import logging
from typing import Protocol

import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import SmsOutboxMessage
from lendapp.domain.masking import mask_phone
from lendapp.integrations.crypto import field_cipher, phone_hash

logger = logging.getLogger(__name__)

# The column name bound into the ciphertext of the number.
OUTBOX_PHONE_COLUMN = "sms_outbox.phone"


class SmsSender(Protocol):
    """Anything that delivers a text message to a mobile number."""

    def send(self, phone_e164: str, text: str) -> None:
        """Deliver ``text`` to ``phone_e164``.

        Raises:
            Exception: Any error of the gateway; the caller reports delivery as failed.
        """
        ...


class OutboxSmsSender:
    """Records messages in the ``sms_outbox`` table and the log instead of sending them.

    Args:
        engine: The database to write to; the configured one when omitted.
    """

    def __init__(self, engine: sa.Engine | None = None) -> None:
        self._engine = engine

    def send(self, phone_e164: str, text: str) -> None:
        """Store the message in the outbox and log it with the number masked."""
        with session_scope(self._engine) as session:
            session.add(
                SmsOutboxMessage(
                    phone_enc=field_cipher().encrypt(phone_e164, OUTBOX_PHONE_COLUMN),
                    phone_hash=phone_hash(phone_e164),
                    body=text,
                )
            )
        logger.info("SMS to %s stored in the outbox: %s", mask_phone(phone_e164), text)


def get_sms_sender() -> SmsSender:
    """Return the configured SMS provider; only the outbox provider exists so far."""
    return OutboxSmsSender()
