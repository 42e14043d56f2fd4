"""Fixtures of the contract tests: a product, the licence entries, and a borrower with an approved application."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct, SiteContent
from lendapp.services import passwords
from lendapp.services.seed import DEMO_CONTENT, DEMO_PRODUCTS
from tests.services.contracts.helpers import approved_application, borrower_principal


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; the signing checks stay the same."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


@pytest.fixture
def product(engine: sa.Engine) -> str:
    with session_scope(engine) as session:
        session.add(LoanProduct(**DEMO_PRODUCTS[0]))
        for values in DEMO_CONTENT:
            if values["kind"] == "licence":
                session.add(SiteContent(**values))
    return DEMO_PRODUCTS[0]["code"]


@pytest.fixture
def borrower(product: str):
    return borrower_principal("13800138000")


@pytest.fixture
def application(borrower) -> str:
    return approved_application(borrower.user_id, 1)
