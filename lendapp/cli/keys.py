"""``python -m lendapp keys``: field-encryption keys for personal data at rest."""

from __future__ import annotations

import argparse
import base64
import secrets
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``keys`` command group."""
    keys = subparsers.add_parser("keys", help="field-encryption keys")
    commands = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)
    generate = commands.add_parser(
        "generate",
        help="print a new random key to put in front of FIELD_ENCRYPTION_KEYS",
    )
    generate.set_defaults(func=_generate)
    rotate = commands.add_parser(
        "rotate",
        help="re-encrypt stored personal data with the first (newest) key of FIELD_ENCRYPTION_KEYS",
    )
    rotate.set_defaults(func=_rotate)


def _generate(_args: argparse.Namespace) -> int:
    sys.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
    return 0


def _rotate(_args: argparse.Namespace) -> int:
    from lendapp.integrations.crypto import DecryptionError
    from lendapp.services.pii_rotation import rotate_field_keys

    try:
        report = rotate_field_keys()
    except DecryptionError as error:
        sys.stderr.write(f"keys rotate: {error}; keep every old key in FIELD_ENCRYPTION_KEYS until rotation finishes\n")
        return 1
    sys.stdout.write(
        f"Checked {report.values_checked} encrypted values; re-encrypted {report.values_reencrypted} "
        f"with key {report.newest_key_id}.\n"
    )
    return 0
