"""Re-encrypting stored personal data with the newest field-encryption key.

To rotate: put a new key in front of FIELD_ENCRYPTION_KEYS (keeping the old
ones after it), restart the app, run ``python -m lendapp keys rotate``, and
remove an old key only after the command reports nothing left under it.

Every column whose name ends in ``_enc`` is rotated. Its ciphertexts must be
bound to the column name ``<table>.<column without _enc>``, as
``lendapp.services.pii`` does. Encrypted files outside the database are not
covered.
"""

from __future__ import annotations

import dataclasses
import logging

import sqlalchemy as sa
from sqlmodel import SQLModel

import lendapp.db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from lendapp.db.engine import session_scope
from lendapp.integrations.crypto import field_cipher

logger = logging.getLogger(__name__)

ENCRYPTED_SUFFIX = "_enc"


@dataclasses.dataclass(frozen=True)
class RotationReport:
    """The counts of one rotation run."""

    values_checked: int
    values_reencrypted: int
    newest_key_id: str


def encrypted_columns() -> list[tuple[sa.Table, str, str]]:
    """Return every encrypted column as (table, column name, name bound into its ciphertexts)."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith(ENCRYPTED_SUFFIX):
                found.append((table, column.name, f"{table.name}.{column.name.removesuffix(ENCRYPTED_SUFFIX)}"))
    return found


def rotate_field_keys(batch_size: int = 500) -> RotationReport:
    """Re-encrypt every stored value whose key is not the newest one.

    Each batch commits on its own, so a run that stops halfway can simply be
    started again. Values are decrypted with whichever configured key wrote them.

    Raises:
        lendapp.integrations.crypto.DecryptionError: When a value's key is no
            longer configured; put the old key back and run again.
    """
    cipher = field_cipher()
    checked = rewritten = 0
    for table, attribute, column in encrypted_columns():
        (key_column,) = table.primary_key.columns
        value_column = table.c[attribute]
        last_key = None
        while True:
            with session_scope() as session:
                query = sa.select(key_column, value_column).where(value_column.is_not(None)).order_by(key_column).limit(batch_size)
                if last_key is not None:
                    query = query.where(key_column > last_key)
                rows = session.execute(query).all()
                for row_key, token in rows:
                    checked += 1
                    if cipher.needs_reencryption(token):
                        fresh = cipher.encrypt(cipher.decrypt(token, column), column)
                        session.execute(sa.update(table).where(key_column == row_key).values({attribute: fresh}))
                        rewritten += 1
            if len(rows) < batch_size:
                break
            last_key = rows[-1][0]
    logger.info("Key rotation finished: %d values checked, %d re-encrypted", checked, rewritten)
    return RotationReport(values_checked=checked, values_reencrypted=rewritten, newest_key_id=cipher.newest_key_id)
