"""Fixtures of the account service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from passlib.context import CryptContext

from lendapp.services import passwords


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hash with argon2id at a tiny cost, so the many sign-ins of these tests stay fast.

    Measured on the 2-core development machine: about 2 ms per hash instead of
    about 500 ms. The scheme, the bcrypt fallback and the re-hash rules stay
    those of production, and tests/unit/accounts/test_passwords.py checks the
    production cost.
    """
    fast = CryptContext(
        schemes=["argon2", "bcrypt"],
        deprecated=["bcrypt"],
        argon2__type="ID",
        argon2__memory_cost=1024,
        argon2__rounds=1,
        argon2__parallelism=1,
    )
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))
    yield
