"""Password hashing at production cost: argon2id, bcrypt re-hashing, long passwords."""

from __future__ import annotations

import bcrypt

from lendapp.services.passwords import generate_one_time_password, hash_password, verify_password
from lendapp.domain.password_policy import check_password


def test_hash_uses_argon2id_production_cost() -> None:
    stored = hash_password("blue kettle 42 rain")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_argon2_hash_needs_no_update() -> None:
    stored = hash_password("blue kettle 42 rain")

    assert verify_password("blue kettle 42 rain", stored) == (True, None)


def test_bcrypt_hash_verifies_and_upgrades() -> None:
    legacy = bcrypt.hashpw(b"blue kettle 42 rain", bcrypt.gensalt(rounds=4)).decode()

    valid, new_hash = verify_password("blue kettle 42 rain", legacy)

    assert valid
    assert new_hash.startswith("$argon2id$")


def test_bcrypt_hash_rejects_wrong_password() -> None:
    legacy = bcrypt.hashpw(b"blue kettle 42 rain", bcrypt.gensalt(rounds=4)).decode()

    assert verify_password("blue kettle 42 snow", legacy) == (False, None)


def test_long_password_against_bcrypt_hash() -> None:
    password = "长密码" * 10 + "abcdefghij"
    legacy = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()

    valid, new_hash = verify_password(password, legacy)

    assert valid
    assert verify_password(password, new_hash) == (True, None)


def test_100_byte_password_differs_at_end() -> None:
    password = "长密码" * 10 + "abcdefghij"
    stored = hash_password(password)

    assert verify_password(password, stored)[0]
    assert not verify_password(password[:-1] + "k", stored)[0]


def test_one_time_password_passes_policy() -> None:
    for _ in range(50):
        password = generate_one_time_password()
        assert check_password(password) is None, password
