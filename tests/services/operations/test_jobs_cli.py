"""The jobs command line and the in-process scheduler."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from lendapp import scheduler
from lendapp.cli import main
from lendapp.db.engine import session_scope
from lendapp.db.models import JobRun
from lendapp.settings import get_settings
from tests.services.loans.helpers import book_test_loan


@pytest.mark.usefixtures("engine")
def test_run_daily_command_catches_up_and_prints(capsys: pytest.CaptureFixture[str]) -> None:
    book_test_loan()
    assert main(["jobs", "run-daily", "--date", "2026-02-14", "--no-deliver"]) == 0
    assert capsys.readouterr().out.startswith("2026-02-14 done: ")
    assert main(["jobs", "run-daily", "--date", "2026-02-16", "--no-deliver"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["2026-02-15", "done:"], ["2026-02-16", "done:"]]
    assert "loans_newly_overdue=1" in lines[1]
    assert main(["jobs", "run-daily", "--date", "2026-02-16"]) == 0
    assert capsys.readouterr().out == "2026-02-16 skipped\n"
    with session_scope() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(JobRun)).scalar_one() == 3


@pytest.mark.parametrize("value", ["2026-02-30", "yesterday", ""])
def test_run_daily_command_rejects_bad_date(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "run-daily", "--date", value]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "YYYY-MM-DD" in error


@pytest.mark.usefixtures("engine")
def test_deliver_command_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "deliver-notifications"]) == 0
    assert capsys.readouterr().out == "sent=0 suppressed=0 deferred=0 retried=0 failed=0\n"


def test_scheduler_has_catch_up_daily_and_delivery_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILY_JOB_TIME", "01:15")
    get_settings.cache_clear()
    zone = get_settings().timezone_info
    now = dt.datetime(2026, 3, 1, 10, 0, tzinfo=zone)
    built = scheduler.build_scheduler(now)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"daily_catch_up_at_start", "daily_job", "deliver_notifications"}
    assert jobs["daily_job"].trigger.get_next_fire_time(None, now) == dt.datetime(2026, 3, 2, 1, 15, tzinfo=zone)
    assert jobs["daily_catch_up_at_start"].trigger.get_next_fire_time(None, now) == now + dt.timedelta(seconds=30)


def test_scheduler_lifespan_starts_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lendapp.scheduler")

    async def enter_and_leave() -> None:
        async with scheduler.scheduler_lifespan():
            await asyncio.sleep(0)

    asyncio.run(enter_and_leave())
    messages = [record.getMessage() for record in caplog.records if record.name == "lendapp.scheduler"]
    assert messages[0].startswith("Scheduler started")
    assert messages[-1] == "Scheduler stopped"


def test_scheduler_can_be_disabled(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    get_settings.cache_clear()
    caplog.set_level(logging.INFO, logger="lendapp.scheduler")

    async def enter_and_leave() -> None:
        async with scheduler.scheduler_lifespan():
            pass

    asyncio.run(enter_and_leave())
    assert "Scheduler disabled" in caplog.text
    assert "Scheduler started" not in caplog.text
