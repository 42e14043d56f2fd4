"""Training on lendapp's own matured loans: outcome collection, thresholds and the time-split CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from lendapp.cli import main as cli_main
from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services import platform_training
from tests.services.accounts.helpers import register
from tests.services.loans.helpers import book_test_loan

pytestmark = pytest.mark.usefixtures("engine")
TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def trained_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with one logistic scorecard on German Credit, whose baseline fills uncollected inputs."""
    frame, target, _ = load_german_credit(DATA_PATH)
    root = tmp_path_factory.mktemp("models")
    ModelRegistry(root).register(train(frame, target, kinds=(LOGISTIC,)), file_sha256(DATA_PATH), activate=True)
    return root


def _book(count: int, defaults_every: int) -> None:
    """Book ``count`` short loans that matured, every ``defaults_every``-th one reaching 90 dpd; incomes vary with the outcome."""
    borrower = register("13800138000")
    for index in range(count):
        defaulted = index % defaults_every == 0
        start = dt.date(2024, 1, 1) + dt.timedelta(days=7 * index)
        _, loan_id = book_test_loan("13800138000", borrower_id=borrower, start=start, months=6, principal="6000.00")
        with session_scope() as session:
            loan = session.get(Loan, loan_id)
            application = session.get(LoanApplication, loan.application_id)
            application.birth_date = dt.date(1990, 1, 1)
            application.monthly_income = Decimal("3000") if defaulted else Decimal("20000")
            application.employment_type, application.housing, application.sex = "employee", "rent", "female"
            application.decided_at = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)
            loan.max_dpd = 120 if defaulted else 0
            loan.state = "written_off" if defaulted else "settled"


def test_outcomes_pair_each_matured_loan_with_its_features(trained_registry: Path) -> None:
    _book(12, defaults_every=4)
    records = platform_training.outcome_records(TODAY, ModelRegistry(trained_registry))
    assert len(records) == 12
    assert sum(r.defaulted for r in records) == 3
    assert [r.decision_date for r in records] == sorted(r.decision_date for r in records)
    assert {float(r.features.monthly_income) for r in records} == {3000.0, 20000.0}


def test_platform_data_small_book_rejected(trained_registry: Path) -> None:
    _book(6, defaults_every=3)
    with pytest.raises(platform_training.InsufficientOutcomesError, match="6 matured loans with 2 defaults"):
        platform_training.platform_training_data(TODAY, ModelRegistry(trained_registry))


def test_cli_platform_training_time_split(trained_registry: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _book(60, defaults_every=4)
    monkeypatch.setattr(platform_training.platform_training_data, "__defaults__", (None, None, 50, 10))
    code = cli_main(["model", "train", "--source", "platform", "--registry", str(trained_registry), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["source"] == "platform"
    split = summary["time_split"]
    assert split["rows"] == 12
    assert split["defaults"] == 3
    assert split["cutoff"] == "2024-12-02"
    # Income separates the outcomes completely in this book, so the later decisions rank perfectly.
    assert split["auc"] == 1.0
    assert summary["training_rows"] == 48


def test_cli_refuses_the_platform_source_without_enough_loans(trained_registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _book(4, defaults_every=2)
    code = cli_main(["model", "train", "--source", "platform", "--registry", str(trained_registry)])
    assert code == 2
    assert "at least 500 loans" in capsys.readouterr().err
