"""The in-process scheduler: the daily job and notification delivery, started with the app.

``scheduler_lifespan`` is registered with ``app.register_lifespan_task``, so
it starts and stops with the Reflex backend. It runs APScheduler 3's
``AsyncIOScheduler`` with three jobs:

* catch-up shortly after start, so dates missed while the app was down run in order;
* the daily job at ``settings.daily_job_time`` in ``settings.timezone``;
* delivery of queued SMS and email every few minutes (reminders queued at
  night wait for 08:00 there).

Every worker process starts its own scheduler. ``JobRun`` is unique per
business date, so when several workers start the same date only one applies
it and the others report it as busy or done.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from lendapp.services import daily_job, notifications
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

STARTUP_DELAY_SECONDS = 30
DELIVERY_INTERVAL_MINUTES = 5
# A run that starts up to an hour late (the machine was asleep or busy) still runs.
MISFIRE_GRACE_SECONDS = 3600


async def run_catch_up() -> None:
    """Run every missed business date up to today, off the event loop."""
    today = daily_job.business_date()
    results = await asyncio.to_thread(daily_job.catch_up, today)
    logger.info("Scheduled catch-up to %s: %s", today, [(r.run_date.isoformat(), r.status) for r in results])


async def run_delivery() -> None:
    """Send queued SMS and email that are due, off the event loop."""
    await asyncio.to_thread(notifications.deliver_due)


def _report_failure(event: JobExecutionEvent) -> None:
    logger.error("Scheduled job %s failed: %r; it runs again at its next time", event.job_id, event.exception)


def build_scheduler(now: dt.datetime | None = None) -> AsyncIOScheduler:
    """Create the scheduler with the catch-up, daily and delivery jobs (not started)."""
    settings = get_settings()
    timezone = settings.timezone_info
    hour, minute = (int(part) for part in settings.daily_job_time.split(":"))
    scheduler = AsyncIOScheduler(timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1,
                                                                  "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    start = (now or dt.datetime.now(timezone)) + dt.timedelta(seconds=STARTUP_DELAY_SECONDS)
    scheduler.add_job(run_catch_up, DateTrigger(run_date=start, timezone=timezone), id="daily_catch_up_at_start")
    scheduler.add_job(run_catch_up, CronTrigger(hour=hour, minute=minute, timezone=timezone), id="daily_job")
    scheduler.add_job(run_delivery, IntervalTrigger(minutes=DELIVERY_INTERVAL_MINUTES, timezone=timezone), id="deliver_notifications")
    scheduler.add_listener(_report_failure, EVENT_JOB_ERROR)
    return scheduler


@contextlib.asynccontextmanager
async def scheduler_lifespan() -> AsyncIterator[None]:
    """Run the scheduler while the backend runs; disabled by SCHEDULER_ENABLED=false."""
    if not get_settings().scheduler_enabled:
        logger.info("Scheduler disabled by SCHEDULER_ENABLED; run `python -m lendapp jobs run-daily` from cron instead")
        yield
        return
    scheduler = build_scheduler()
    scheduler.start()
    logger.info("Scheduler started: daily job at %s %s, delivery every %s minutes",
                get_settings().daily_job_time, get_settings().timezone, DELIVERY_INTERVAL_MINUTES)
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        logger.info("Scheduler stopped")
