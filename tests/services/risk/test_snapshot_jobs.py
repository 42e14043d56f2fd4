"""Who refreshes the risk snapshots: the daily job, its catch-up and the ``jobs refresh-risk`` command."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from lendapp.cli import main
from lendapp.db.engine import session_scope
from lendapp.db.models import JobRun, RiskApplicationDay, RiskSnapshotRun
from lendapp.services import daily_job, risk_snapshots
from tests.services.loans.helpers import book_test_loan


def _runs() -> list[dt.date]:
    with session_scope() as session:
        return list(session.execute(sa.select(RiskSnapshotRun.as_of).order_by(RiskSnapshotRun.id)).scalars())


@pytest.mark.usefixtures("engine")
def test_daily_job_refreshes_snapshots() -> None:
    book_test_loan()

    result = daily_job.run_daily(dt.date(2026, 2, 14), deliver=False, monitor=False)

    assert result.status == "done"
    assert _runs() == [dt.date(2026, 2, 14)]
    with session_scope() as session:
        assert session.execute(sa.select(sa.func.sum(RiskApplicationDay.started))).scalar_one() == 1


@pytest.mark.usefixtures("engine")
def test_catch_up_refreshes_once_at_end() -> None:
    book_test_loan()
    daily_job.run_daily(dt.date(2026, 2, 13), deliver=False, monitor=False, refresh=False)

    results = daily_job.catch_up(dt.date(2026, 2, 16), deliver=False)

    assert [result.status for result in results] == ["done", "done", "done"]
    assert _runs() == [dt.date(2026, 2, 16)]


@pytest.mark.usefixtures("engine")
def test_daily_job_survives_failed_refresh(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    book_test_loan()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(risk_snapshots, "refresh_snapshots", broken)

    with caplog.at_level(logging.ERROR, logger=risk_snapshots.__name__):
        result = daily_job.run_daily(dt.date(2026, 2, 14), deliver=False, monitor=False)

    assert result.status == "done"
    assert "Risk snapshot refresh as of 2026-02-14 failed" in caplog.text
    with session_scope() as session:
        assert session.execute(sa.select(JobRun.status)).scalar_one() == "done"
    assert _runs() == []


@pytest.mark.usefixtures("engine")
def test_refresh_risk_command(capsys: pytest.CaptureFixture[str]) -> None:
    book_test_loan()

    assert main(["jobs", "refresh-risk", "--date", "2026-02-14"]) == 0

    output = capsys.readouterr().out
    assert output.startswith("2026-02-14 refreshed in ")
    assert "risk_snapshot_application_day=1" in output
    assert _runs() == [dt.date(2026, 2, 14)]


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow"])
def test_refresh_risk_command_rejects_bad_date(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "refresh-risk", "--date", value]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
