"""Demo seed data: created once, hashed passwords, safe to run again."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import LoanProduct, UserAccount
from lendapp.domain.roles import STAFF_ROLES
from lendapp.services.passwords import verify_password
from lendapp.services.quotes import list_product_terms
from lendapp.services.seed import seed_demo_data


def test_seed_creates_products_and_staff(engine: sa.Engine) -> None:
    result = seed_demo_data(engine)

    assert result.products_created == 4
    assert set(result.staff_passwords) == {f"demo_{role}" for role in STAFF_ROLES}
    segments = {product.segment for product in list_product_terms(engine)}
    assert segments == {"consumer", "small_business", "agricultural", "education"}


def test_seed_stores_password_hashes(engine: sa.Engine) -> None:
    result = seed_demo_data(engine)

    with Session(engine) as session:
        accounts = session.exec(select(UserAccount)).all()
    for account in accounts:
        password = result.staff_passwords[account.login]
        assert password not in account.password_hash
        assert account.password_hash.startswith("$argon2id$")
        assert verify_password(password, account.password_hash)[0]


def test_seed_twice_keeps_data(engine: sa.Engine) -> None:
    first = seed_demo_data(engine)
    second = seed_demo_data(engine)

    assert first.products_created == 4
    assert second.products_created == 0
    assert second.staff_passwords == {}
    with Session(engine) as session:
        assert len(session.exec(select(LoanProduct)).all()) == 4
