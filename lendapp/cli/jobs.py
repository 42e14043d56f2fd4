"""Scheduled-job commands: ``jobs run-daily``, ``jobs deliver-notifications`` and ``jobs refresh-risk``.

``run-daily`` runs every business date after the last finished one up to
``--date`` (today in TIMEZONE by default), in order, and prints one line per
date. A date already done is reported as skipped and changes nothing.
``refresh-risk`` rebuilds the risk dashboard's snapshot tables, which the
daily job also does after each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from lendapp.services import daily_job, notifications, risk_snapshots

EXIT_INVALID_INPUT = 2
EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``jobs`` command group to the operator command line."""
    jobs = subparsers.add_parser("jobs", help="run scheduled jobs by hand")
    commands = jobs.add_subparsers(dest="jobs_command", metavar="JOB")
    run = commands.add_parser("run-daily", help="run the daily servicing job, catching up missed dates in order")
    run.add_argument("--date", help="business date to run up to, YYYY-MM-DD; defaults to today in TIMEZONE")
    run.add_argument("--no-deliver", action="store_true", help="queue reminders without sending SMS or email now")
    run.set_defaults(func=run_daily_command)
    deliver = commands.add_parser("deliver-notifications", help="send queued SMS and email that are due now")
    deliver.add_argument("--limit", type=int, default=500, help="maximum messages to send, default 500")
    deliver.set_defaults(func=deliver_command)
    refresh = commands.add_parser("refresh-risk", help="rebuild the risk dashboard's snapshot tables from the live book")
    refresh.add_argument("--date", help="as-of date for the stored roll rates, YYYY-MM-DD; defaults to today in TIMEZONE")
    refresh.set_defaults(func=refresh_risk_command)
    jobs.set_defaults(func=lambda _args: _usage(jobs))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_INVALID_INPUT


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return daily_job.business_date()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def run_daily_command(args: argparse.Namespace) -> int:
    """Run the daily job up to ``--date`` and print what each date did."""
    until = _parse_date(args.date)
    if until is None:
        sys.stderr.write(f"error: --date {args.date!r} is not a valid date; expected YYYY-MM-DD, for example 2026-02-15\n")
        return EXIT_INVALID_INPUT
    results = daily_job.catch_up(until, deliver=not args.no_deliver)
    if not results:
        results = [daily_job.run_daily(until, deliver=not args.no_deliver)]
    for result in results:
        counts = ", ".join(f"{key}={value}" for key, value in sorted(result.stats.items()))
        sys.stdout.write(f"{result.run_date.isoformat()} {result.status}{': ' + counts if counts else ''}\n")
    if any(result.status in ("failed", "busy") for result in results):
        return EXIT_FAILED
    return 0


def deliver_command(args: argparse.Namespace) -> int:
    """Send queued SMS and email whose time has come and print the counts."""
    if not 1 <= args.limit <= 100_000:
        sys.stderr.write(f"error: --limit {args.limit} is out of range; expected 1 to 100000\n")
        return EXIT_INVALID_INPUT
    report = notifications.deliver_due(limit=args.limit)
    sys.stdout.write(f"sent={report.sent} suppressed={report.suppressed} deferred={report.deferred} "
                     f"retried={report.retried} failed={report.failed}\n")
    return 0


def refresh_risk_command(args: argparse.Namespace) -> int:
    """Rebuild the risk snapshot tables as of ``--date`` and print the rows written per table."""
    as_of = _parse_date(args.date)
    if as_of is None:
        sys.stderr.write(f"error: --date {args.date!r} is not a valid date; expected YYYY-MM-DD, for example 2026-02-15\n")
        return EXIT_INVALID_INPUT
    result = risk_snapshots.refresh_in_own_transaction(as_of)
    if result is None:
        sys.stderr.write("error: the risk snapshot refresh failed; see the log for the cause, then run the command again\n")
        return EXIT_FAILED
    counts = ", ".join(f"{table}={rows}" for table, rows in sorted(result.rows.items()))
    sys.stdout.write(f"{as_of.isoformat()} refreshed in {result.seconds:.1f} s (run {result.run_id}): {counts}\n")
    return 0
