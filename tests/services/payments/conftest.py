"""Fixtures of the payment tests: a booked loan, its borrower and finance staff, and a local Stripe server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.services import passwords
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff
from lendapp.settings import get_settings
from tests.services.loans.helpers import book_test_loan
from tests.services.payments.helpers import SECRET_KEY, WEBHOOK_SECRET
from tests.support.stripe_server import StripeServer



@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


@pytest.fixture
def stripe_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeServer]:
    """Start the local Stripe server and configure Stripe keys that point at it."""
    server = StripeServer().start()
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    get_settings.cache_clear()
    try:
        yield server
    finally:
        server.stop()
        get_settings.cache_clear()


@pytest.fixture
def loan(engine: sa.Engine) -> tuple[Principal, str, int]:
    """A booked 12,000 yuan loan (12 months at 12%): (borrower principal, loan number, loan id)."""
    from lendapp.db.engine import session_scope
    from lendapp.db.models import Loan

    borrower_id, loan_id = book_test_loan()
    with session_scope() as session:
        number = session.get(Loan, loan_id).number
    return Principal(borrower_id, "borrower", 0, "borrower", False, False), number, loan_id


@pytest.fixture
def finance(engine: sa.Engine) -> Principal:
    """A finance staff principal."""
    credentials = create_staff(None, role="finance", name="finance 9001", phone="13900139001")
    return Principal(credentials.user_id, "finance", 0, "finance", False, True)
