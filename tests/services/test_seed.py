"""Demo seed data: created once, hashed passwords, a demo book when a model is active, safe to run again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from lendapp.db.models import Loan, LoanProduct, UserAccount
from lendapp.domain.roles import STAFF_ROLES
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services.passwords import verify_password
from lendapp.services.quotes import list_product_terms
from lendapp.services.seed import seed_demo_data


def test_seed_creates_products_and_staff(engine: sa.Engine) -> None:
    result = seed_demo_data(engine, borrowers=0)

    assert result.products_created == 4
    assert set(result.staff_passwords) == {f"demo_{role}" for role in STAFF_ROLES}
    segments = {product.segment for product in list_product_terms(engine)}
    assert segments == {"consumer", "small_business", "agricultural", "education"}


def test_seed_stores_password_hashes(engine: sa.Engine) -> None:
    result = seed_demo_data(engine, borrowers=0)

    with Session(engine) as session:
        accounts = session.exec(select(UserAccount)).all()
    for account in accounts:
        password = result.staff_passwords[account.login]
        assert password not in account.password_hash
        assert account.password_hash.startswith("$argon2id$")
        assert verify_password(password, account.password_hash)[0]


def test_seed_twice_keeps_data(engine: sa.Engine) -> None:
    first = seed_demo_data(engine, borrowers=0)
    second = seed_demo_data(engine, borrowers=0)

    assert first.products_created == 4
    assert second.products_created == 0
    assert second.staff_passwords == {}
    with Session(engine) as session:
        assert len(session.exec(select(LoanProduct)).all()) == 4


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    """A registry with one active logistic scorecard trained on German Credit (about 5 s)."""
    frame, target, _ = load_german_credit()
    model_registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    model_registry.register(train(frame, target, kinds=(LOGISTIC,), n_jobs=1), file_sha256(DATA_PATH), activate=True)
    return model_registry


def _borrowers(engine: sa.Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(UserAccount).where(UserAccount.role == "borrower")).one()


def test_seed_adds_demo_book_once(engine: sa.Engine, registry: ModelRegistry) -> None:
    first = seed_demo_data(engine, borrowers=12, registry=registry)
    second = seed_demo_data(engine, borrowers=12, registry=registry)

    assert first.book is not None
    assert first.book.borrowers == 12
    assert second.book is None
    assert _borrowers(engine) == 12
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Loan)).one() == sum(first.book.loans.values())


def test_seed_without_model_skips_book(engine: sa.Engine, tmp_path: Path) -> None:
    result = seed_demo_data(engine, borrowers=12, registry=ModelRegistry(tmp_path / "empty"))

    assert result.products_created == 4
    assert result.book is None
    assert "model train" in result.book_skipped_reason
    assert _borrowers(engine) == 0
