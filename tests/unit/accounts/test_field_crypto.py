"""Field encryption and keyed hashes, without a database."""

from __future__ import annotations

import os

import pytest

from lendapp.integrations.crypto import DecryptionError, FieldCipher, key_id, keyed_hash


def _key() -> bytes:
    return os.urandom(32)


def test_cipher_round_trip() -> None:
    cipher = FieldCipher([_key()])
    token = cipher.encrypt("110101199003071030", "borrower_profile.id_number")
    assert cipher.decrypt(token, "borrower_profile.id_number") == "110101199003071030"


def test_ciphertext_hides_plaintext() -> None:
    token = FieldCipher([_key()]).encrypt("13800138000", "user_account.phone")
    assert "13800138000" not in token


def test_ciphertext_names_key_id() -> None:
    key = _key()
    token = FieldCipher([key]).encrypt("x", "c")
    assert token.startswith(f"v1.{key_id(key)}.")


def test_encryption_is_randomised() -> None:
    cipher = FieldCipher([_key()])
    assert cipher.encrypt("same", "c") != cipher.encrypt("same", "c")


def test_older_key_still_decrypts() -> None:
    old, new = _key(), _key()
    token = FieldCipher([old]).encrypt("6222021234568903", "borrower_profile.bank_card")
    rotated = FieldCipher([new, old])
    assert rotated.decrypt(token, "borrower_profile.bank_card") == "6222021234568903"
    assert rotated.needs_reencryption(token)
    assert not rotated.needs_reencryption(rotated.encrypt("x", "c"))


def test_unknown_key_rejected() -> None:
    token = FieldCipher([_key()]).encrypt("x", "c")
    with pytest.raises(DecryptionError):
        FieldCipher([_key()]).decrypt(token, "c")


def test_ciphertext_bound_to_column() -> None:
    cipher = FieldCipher([_key()])
    token = cipher.encrypt("x", "borrower_profile.id_number")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, "borrower_profile.bank_card")


def test_altered_ciphertext_rejected() -> None:
    cipher = FieldCipher([_key()])
    token = cipher.encrypt("secret value", "c")
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError):
        cipher.decrypt(altered, "c")


def test_malformed_ciphertext_rejected() -> None:
    with pytest.raises(DecryptionError):
        FieldCipher([_key()]).decrypt("not-a-ciphertext", "c")


def test_wrong_key_length_rejected() -> None:
    with pytest.raises(ValueError):
        FieldCipher([b"short"])


def test_keyed_hash_separates_purposes() -> None:
    secret = "s" * 40
    assert keyed_hash("13800138000", "phone", secret) != keyed_hash("13800138000", "login", secret)


def test_keyed_hash_depends_on_secret() -> None:
    assert keyed_hash("x", "phone", "a" * 40) != keyed_hash("x", "phone", "b" * 40)


def test_keyed_hash_is_stable() -> None:
    assert keyed_hash("x", "phone", "a" * 40) == keyed_hash("x", "phone", "a" * 40)
