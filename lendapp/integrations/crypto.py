"""Field encryption (AES-256-GCM) and keyed hashes for personal data at rest.

A stored ciphertext reads ``v1.<key id>.<base64url(nonce || ciphertext)>``.
The key id is the first 8 hex digits of a SHA-256 over the key. A value
encrypted under an older key therefore still decrypts after a new key is put
in front of the key list, and ``needs_reencryption`` finds the values to rewrite.
The column name is bound in as associated data, so a ciphertext copied into
another column fails to decrypt.

Equality lookups (find the account of a phone number, detect a resident ID
number already in use) go through ``keyed_hash``: HMAC-SHA256 under a key
derived from the application secret with HKDF. Changing SECRET_KEY therefore
invalidates every stored keyed hash and SMS code hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored ciphertext is malformed, uses an unknown key, or was altered."""


def key_id(key: bytes) -> str:
    """Return the 8-hex-digit identifier written in front of values encrypted with ``key``."""
    return hashlib.sha256(b"lendapp field key id:" + key).hexdigest()[:8]


class FieldCipher:
    """Encrypts with the newest key and decrypts with any configured key.

    Args:
        keys: 32-byte AES keys, newest first.
    """

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one field-encryption key is required")
        for key in keys:
            if len(key) != 32:
                raise ValueError("field-encryption keys must be 32 bytes")
        self._newest_id = key_id(keys[0])
        self._keys = {key_id(key): AESGCM(key) for key in keys}
        self._newest = self._keys[self._newest_id]

    @property
    def newest_key_id(self) -> str:
        """The id of the key that new values are encrypted with."""
        return self._newest_id

    def encrypt(self, plaintext: str, column: str) -> str:
        """Encrypt ``plaintext`` for storage in ``column`` (for example ``borrower_profile.id_number``)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._newest.encrypt(nonce, plaintext.encode("utf-8"), column.encode("utf-8"))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{_VERSION}.{self._newest_id}.{body}"

    def decrypt(self, token: str, column: str) -> str:
        """Decrypt a value stored in ``column``.

        Raises:
            DecryptionError: When the value is malformed, its key is not
                configured, or it was altered or moved from another column.
        """
        version, kid, body = _split(token)
        if version != _VERSION:
            raise DecryptionError(f"unsupported ciphertext version {version!r}")
        aead = self._keys.get(kid)
        if aead is None:
            raise DecryptionError(f"key {kid} is not in FIELD_ENCRYPTION_KEYS")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plaintext = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError(f"ciphertext under key {kid} failed authentication") from exc
        return plaintext.decode("utf-8")

    def needs_reencryption(self, token: str) -> bool:
        """Return whether ``token`` was encrypted with a key other than the newest."""
        return _split(token)[1] != self._newest_id


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".", 2)
    if len(parts) != 3:
        raise DecryptionError("ciphertext is not of the form v1.<key id>.<data>")
    return parts[0], parts[1], parts[2]


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a 32-byte key for ``purpose`` from the application secret with HKDF-SHA256."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lendapp key derivation", info=purpose.encode("utf-8"))
    return hkdf.derive(secret.encode("utf-8"))


def keyed_hash(value: str, purpose: str, secret: str | None = None) -> str:
    """Return the hex HMAC-SHA256 of ``value`` under the key for ``purpose``.

    Args:
        value: The normalized value, such as an E.164 phone number.
        purpose: Separates hash spaces, so equal values of two kinds
            (a phone number and a login name) hash differently.
        secret: The application secret; the configured one when omitted.
    """
    key = _hash_key(purpose, secret or get_settings().secret_key_value())
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def phone_hash(phone_e164: str) -> str:
    """Return the keyed hash that finds accounts and outbox messages by E.164 mobile number."""
    return keyed_hash(phone_e164, "phone")


@functools.lru_cache(maxsize=32)
def _hash_key(purpose: str, secret: str) -> bytes:
    return derive_key(secret, "keyed hash: " + purpose)


def field_cipher() -> FieldCipher:
    """Return a cipher over the configured field-encryption keys."""
    return _cipher_for(tuple(get_settings().field_key_values()))


@functools.lru_cache(maxsize=4)
def _cipher_for(keys: tuple[bytes, ...]) -> FieldCipher:
    return FieldCipher(list(keys))
