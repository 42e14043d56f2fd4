"""The synthetic demo book: every status and state, valid synthetic identities, a balanced ledger, real scores."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from stdnum import luhn

from lendapp.db.engine import create_engine_for
from lendapp.db.models import (
    ApplicationStatusEvent,
    BorrowerProfile,
    JobRun,
    LedgerEntry,
    Loan,
    LoanApplication,
    Payment,
    UserAccount,
)
from lendapp.domain.kyc import check_mobile
from lendapp.domain.ledger import EntryKind
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services import daily_job, loans
from lendapp.services.applications_lifecycle import ApplicationStatus
from lendapp.services.demo_book import DemoBookError, seed_demo_book
from lendapp.services.kyc import check_identity
from lendapp.services.payments_reconciliation import reconciliation_report
from lendapp.services.pii import BANK_CARD_COLUMN, ID_NUMBER_COLUMN, PHONE_COLUMN, decrypt
from lendapp.services.seed import seed_demo_data
from lendapp.services.sessions import Principal

BORROWERS = 60
TODAY = dt.date(2026, 11, 20)
LOAN_STATES = {"active", "overdue", "settled", "settled_early"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    """A registry with one active logistic scorecard trained on German Credit (about 5 s)."""
    frame, target, _ = load_german_credit()
    model_registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    model_registry.register(train(frame, target, kinds=(LOGISTIC,), n_jobs=1), file_sha256(DATA_PATH), activate=True)
    return model_registry


def _seed(engine: sa.Engine, registry: ModelRegistry, borrowers: int = BORROWERS):
    seed_demo_data(engine, borrowers=0)
    return seed_demo_book(borrowers, today=TODAY, seed=2026, engine=engine, registry=registry)


@pytest.fixture
def other_engine(engine: sa.Engine, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A second fresh database on the same backend as ``engine``."""
    if engine.dialect.name == "sqlite":
        path = tmp_path / "other.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        second = create_engine_for(f"sqlite:///{path}")
        yield second
        second.dispose()
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name = f"lendapp_demo_other_{tmp_path.name[-12:].replace('-', '_').lower()}"
    cluster.create_database(name, template=request.getfixturevalue("postgres_template"))
    second = create_engine_for(cluster.url(name))
    yield second
    second.dispose()
    cluster.drop_database(name)


def test_demo_book_covers_every_status_and_state(engine: sa.Engine, registry: ModelRegistry) -> None:
    result = _seed(engine, registry)

    assert result.borrowers == BORROWERS
    assert set(result.applications) == {status.value for status in ApplicationStatus}
    assert LOAN_STATES <= set(result.loans)
    assert {"M1", "M2", "M3", "M3+"} <= set(result.dpd_buckets)
    with Session(engine) as session:
        submitted = session.exec(select(sa.func.count()).select_from(LoanApplication).where(LoanApplication.submitted_at.is_not(None))).one()
        loan_count = session.exec(select(sa.func.count()).select_from(Loan)).one()
    assert 0.3 <= loan_count / submitted <= 0.7


def test_demo_book_events_follow_the_lifecycle(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry)

    with Session(engine) as session:
        applications = {row.id: row for row in session.exec(select(LoanApplication))}
        events = session.exec(select(ApplicationStatusEvent).order_by(ApplicationStatusEvent.application_id, ApplicationStatusEvent.id)).all()
        staff_roles = {account.id: account.role for account in session.exec(select(UserAccount).where(UserAccount.role != "borrower"))}
    last: dict[int, ApplicationStatusEvent] = {}
    for event in events:
        previous = last.get(event.application_id)
        assert event.from_status == (previous.to_status if previous else "")
        if previous is not None:
            assert event.created_at >= previous.created_at
        if event.actor_role not in ("borrower", "system"):
            assert staff_roles[event.actor_id] == event.actor_role
        last[event.application_id] = event
    for application_id, row in applications.items():
        assert last[application_id].to_status == row.status


def test_demo_book_identities_valid_and_distinct(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry)

    with Session(engine) as session:
        profiles = session.exec(select(BorrowerProfile)).all()
        accounts = session.exec(select(UserAccount).where(UserAccount.role == "borrower")).all()
    assert len(profiles) == len(accounts) == BORROWERS
    id_numbers = [decrypt(profile.id_number_enc, ID_NUMBER_COLUMN) for profile in profiles]
    cards = [decrypt(profile.bank_card_enc, BANK_CARD_COLUMN) for profile in profiles]
    phones = [decrypt(account.phone_enc, PHONE_COLUMN) for account in accounts]
    for number in id_numbers:
        assert check_identity(number, today=TODAY).ok, number[:6]
    for card in cards:
        assert luhn.is_valid(card)
    for phone in phones:
        assert check_mobile(phone).ok
    assert len(set(id_numbers)) == BORROWERS
    assert len(set(phones)) == BORROWERS
    assert len({account.login for account in accounts}) == BORROWERS
    assert len({account.password_hash for account in accounts}) == 1


def test_demo_book_ledger_balances(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry)

    with Session(engine) as session:
        assert loans.ledger_is_balanced(session)
        for loan in session.exec(select(Loan)).all():
            balances = loans.balances_of(session, loan.id)
            assert min(balances.principal, balances.interest, balances.fees, balances.penalty, balances.credit) >= 0, loan.number
            if loan.state in ("settled", "settled_early"):
                assert balances.total_receivable == 0, loan.number
            if loan.state == "overdue":
                assert loan.dpd > 0
        repayment_keys = set(session.exec(select(LedgerEntry.idempotency_key).where(LedgerEntry.kind == EntryKind.REPAYMENT.value)).all())
        payments = session.exec(select(Payment)).all()
        finance = session.exec(select(UserAccount).where(UserAccount.role == "finance")).first()
    assert repayment_keys == {payment.ledger_key for payment in payments}
    assert {payment.status for payment in payments} == {"succeeded"}
    principal = Principal(finance.id, "finance", 0, "finance", False, True)
    assert reconciliation_report(principal, now=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)) == []


def test_demo_book_scores_from_model(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry)

    with Session(engine) as session:
        scored = session.exec(select(LoanApplication).where(LoanApplication.score.is_not(None))).all()
        stuck = session.exec(select(LoanApplication).where(LoanApplication.status.in_(("submitted", "scoring")))).all()
    assert scored
    for row in scored:
        assert row.model_version == registry.active_version()
        assert 0 < row.pd < 1
        assert row.reason_codes.startswith("[")
        if row.status == "auto_approved":
            assert row.score >= 580
    assert all(row.score is None for row in stuck)


def test_demo_book_daily_job_runs_today_only(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry)

    with Session(engine) as session:
        last_run = session.exec(select(JobRun).where(JobRun.job == daily_job.JOB_NAME)).one()
    results = daily_job.catch_up(TODAY, now=dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), engine=engine, deliver=False)

    assert last_run.run_date == TODAY - dt.timedelta(days=1)
    assert [(result.run_date, result.status) for result in results] == [(TODAY, "done")]
    with Session(engine) as session:
        assert loans.ledger_is_balanced(session)


def test_demo_book_same_seed_same_book(engine: sa.Engine, other_engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry, borrowers=25)
    _seed(other_engine, registry, borrowers=25)

    def snapshot(database: sa.Engine) -> tuple[list, list]:
        with Session(database) as session:
            applications = session.execute(sa.select(
                LoanApplication.number, LoanApplication.status, LoanApplication.amount, LoanApplication.score,
                LoanApplication.id_number_hash, LoanApplication.created_at,
            ).order_by(LoanApplication.id)).all()
            book = session.execute(sa.select(Loan.number, Loan.state, Loan.principal, Loan.dpd).order_by(Loan.id)).all()
        return applications, book

    assert snapshot(engine) == snapshot(other_engine)


def test_demo_book_second_run_adds_nothing(engine: sa.Engine, registry: ModelRegistry) -> None:
    _seed(engine, registry, borrowers=20)
    with Session(engine) as session:
        before = session.exec(select(sa.func.count()).select_from(LedgerEntry)).one()

    second = seed_demo_book(20, today=TODAY, engine=engine, registry=registry)

    assert second.borrowers == 0
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(UserAccount).where(UserAccount.role == "borrower")).one() == 20
        assert session.exec(select(sa.func.count()).select_from(LedgerEntry)).one() == before


def test_demo_book_without_model_raises(engine: sa.Engine, tmp_path: Path) -> None:
    seed_demo_data(engine, borrowers=0)

    with pytest.raises(DemoBookError, match="model train"):
        seed_demo_book(10, today=TODAY, engine=engine, registry=ModelRegistry(tmp_path / "empty"))
