"""Fixtures of the product and policy settings tests: staff principals of each role and a demo product."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct
from lendapp.services import passwords, policy_settings
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


@pytest.fixture(autouse=True)
def fresh_policy_cache() -> None:
    """Start every test without a cached policy from an earlier database."""
    policy_settings.invalidate_cache()


def make_staff(role: str, phone: str) -> Principal:
    """Create a staff account of ``role`` and return a principal for it, setup complete."""
    credentials = create_staff(None, role=role, name=f"{role} {phone[-4:]}", phone=phone)
    return Principal(credentials.user_id, role, 0, f"{role} {phone[-4:]}", False, True)


@pytest.fixture
def admin(engine: sa.Engine) -> Principal:
    return make_staff("admin", "13900139001")


@pytest.fixture
def risk_manager(engine: sa.Engine) -> Principal:
    return make_staff("risk_manager", "13900139002")


@pytest.fixture
def reviewer(engine: sa.Engine) -> Principal:
    return make_staff("reviewer", "13900139003")


@pytest.fixture
def product(engine: sa.Engine) -> str:
    """The consumer demo product, inserted directly at version 1 without a stored snapshot."""
    with session_scope(engine) as session:
        session.add(LoanProduct(**DEMO_PRODUCTS[0]))
    return DEMO_PRODUCTS[0]["code"]
