"""Benchmark the daily job on a book of 250,000, 500,000 and 1,000,000 loans (SQLite file).

The book: 12-month equal_installment loans disbursed on each of the 360 days
before the run date, so about 1/30 of them have an installment due on any
day. Every earlier installment is paid, except for 3% of the loans, whose
installments of the last 90 days are unpaid (dpd 1 to 90). The job for the
run date then accrues the rows due that day, charges penalty interest on the
overdue loans, updates their dpd and state, and queues the reminders due 3
days ahead, today and after the due date.

Each size is built once into a growing SQLite file with bulk inserts. The
job runs on a copy, so every size starts from the same state of the
previous day. Target: a day's run on 1,000,000 loans in under 60 s, growing
about linearly with the book. The script reports and always exits 0.

Run from the repository root: ``.venv/bin/python bench/daily_job.py [--sizes 250000,500000,1000000]``
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

# Replace the bench folder (sys.path[0]) with the repository root, so that a
# bench script named like a standard module (bench/queue.py) cannot shadow it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from lendapp.db.engine import create_engine_for, session_scope  # noqa: E402
from lendapp.db.models import JobRun  # noqa: E402  (also defines every table on SQLModel.metadata)
from lendapp.domain.fees import FeeTerms  # noqa: E402
from lendapp.domain.schedule import Schedule, build_schedule  # noqa: E402
from lendapp.domain.terms import LoanTerms, RepaymentMethod  # noqa: E402
from lendapp.services import daily_job, loans  # noqa: E402
from lendapp.services.notifications import QUIET_START  # noqa: E402

RUN_DATE = dt.date(2026, 6, 15)
DEFAULT_SIZES = (250_000, 500_000, 1_000_000)
OVERDUE_EVERY = 33  # one loan in 33, about 3%, is overdue
OVERDUE_WINDOW_DAYS = 90
PRINCIPALS = (Decimal("3000.00"), Decimal("8000.00"), Decimal("12000.00"), Decimal("20000.00"))
FEES = FeeTerms(penalty_daily_rate=Decimal("0.0005"), grace_days=3)
CHUNK = 20_000
TARGET_SECONDS = 60.0


@dataclasses.dataclass(frozen=True)
class Template:
    """A schedule shared by many loans, with its values already in SQLite's stored form."""

    terms_json: str
    principal: float
    start: str
    maturity: str
    disbursed_at: str
    rows: tuple[tuple[int, dt.date, str, float, float, float], ...]


def _templates() -> dict[tuple[int, int], Template]:
    """Build one schedule per start day and principal, which many loans share."""
    templates = {}
    for day in range(360):
        start = RUN_DATE - dt.timedelta(days=day + 1)
        for index, principal in enumerate(PRINCIPALS):
            terms = LoanTerms(principal=principal, annual_rate=Decimal("0.18"), method=RepaymentMethod.EQUAL_INSTALLMENT,
                              start_date=start, months=12)
            schedule = build_schedule(terms, FEES)
            disbursed = dt.datetime.combine(start, dt.time(2), tzinfo=dt.timezone.utc)
            templates[(day, index)] = Template(
                terms_json=loans.schedule_to_json(schedule), principal=float(schedule.principal), start=start.isoformat(),
                maturity=schedule.maturity_date.isoformat(), disbursed_at=_sqlite_value(disbursed),
                rows=tuple((r.number, r.due_date, r.due_date.isoformat(), float(r.principal), float(r.interest), float(r.fee))
                           for r in schedule.rows),
            )
    return templates


def _loan_rows(number: int, templates: dict[tuple[int, int], Template]) -> tuple[dict, dict, dict, list[dict], dict, list[dict]]:
    """Build the rows of loan ``number``, with values in SQLite's stored form."""
    template = templates[(number % 360, number % len(PRINCIPALS))]
    overdue = number % OVERDUE_EVERY == 0
    yesterday = RUN_DATE - dt.timedelta(days=1)
    unpaid_since = RUN_DATE - dt.timedelta(days=OVERDUE_WINDOW_DAYS)
    user = {"id": number, "role": "borrower", "login": f"bench-{number}", "display_name": f"138****{number % 10000:04d}",
            "password_hash": "x"}
    application = {"id": number, "number": f"LA-BENCH-{number:07d}", "borrower_id": number, "status": "disbursed", "step": 7,
                   "product_code": "bench", "amount": template.principal, "term": 12, "method": "equal_installment", "annual_rate": 0.18}
    rows, oldest_unpaid = [], None
    for seq, due, due_text, principal, interest, fee in template.rows:
        paid = due < RUN_DATE and not (overdue and due >= unpaid_since)
        if paid:
            status = "paid"
        elif due < yesterday:
            status = "overdue"
        elif due == yesterday:
            status = "due"
        else:
            status = "upcoming"
        if status in ("overdue", "due") and oldest_unpaid is None:
            oldest_unpaid = due
        rows.append({"loan_id": number, "schedule_version": 1, "seq": seq, "due_date": due_text, "principal": principal,
                     "interest": interest, "fee": fee, "paid_principal": principal if paid else 0.0,
                     "paid_interest": interest if paid else 0.0, "paid_fee": 0.0, "status": status})
    dpd = (yesterday - oldest_unpaid).days if oldest_unpaid and oldest_unpaid < yesterday else 0
    loan = {"id": number, "number": f"LN-BENCH-{number:07d}", "application_id": number, "borrower_id": number, "product_code": "bench",
            "segment": "consumer", "currency": "CNY", "principal": template.principal, "annual_rate": 0.18,
            "method": "equal_installment", "term": 12, "terms_json": template.terms_json, "schedule_version": 1,
            "start_date": template.start, "maturity_date": template.maturity,
            "state": "overdue" if dpd else "active", "dpd": dpd, "dpd_bucket": loans.dpd_bucket(dpd), "max_dpd": dpd,
            "disbursed_at": template.disbursed_at}
    entry = {"id": number, "idempotency_key": f"loan-{number}:disbursement", "loan_id": number, "kind": "disbursement",
             "posted_on": template.start, "currency": "CNY", "memo": loan["number"]}
    lines = [{"entry_id": number, "loan_id": number, "account": "loan_principal_receivable", "debit": template.principal, "credit": 0.0},
             {"entry_id": number, "loan_id": number, "account": "cash_clearing", "debit": 0.0, "credit": template.principal}]
    return user, application, loan, rows, entry, lines


def _sqlite_value(value: object) -> object:
    # The values SQLAlchemy would bind on SQLite: Numeric as float, dates and timestamps as ISO text.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _defaults(table: str, now: dt.datetime) -> dict[str, object]:
    """Return the Python-side column defaults SQLAlchemy would fill in for ``table``, in stored form."""
    defaults = {}
    for column in SQLModel.metadata.tables[table].columns:
        if column.default is None or column.primary_key:
            continue
        defaults[column.name] = _sqlite_value(now if column.default.is_callable else column.default.arg)
    return defaults


def _insert(cursor: sqlite3.Cursor, table: str, rows: list[dict], now: dt.datetime) -> None:
    defaults = _defaults(table, now)
    columns = list(dict.fromkeys([*rows[0], *defaults]))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    cursor.executemany(statement, (tuple(row.get(column, defaults.get(column)) for column in columns) for row in rows))


def grow(path: Path, first: int, last: int, templates: dict) -> None:
    """Insert loans ``first`` to ``last - 1`` with their borrowers, applications, rows and disbursements.

    The rows go in through the sqlite3 module directly, about ten times faster
    than SQLAlchemy's per-value type processing, in the formats SQLAlchemy writes.
    """
    now = dt.datetime.now(dt.timezone.utc)
    tables = ("user_account", "loan_application", "loan", "loan_installment", "ledger_entry", "ledger_line")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    try:
        for start in range(first, last, CHUNK):
            batches: list[list[dict]] = [[] for _ in tables]
            for number in range(start, min(start + CHUNK, last)):
                user, application, loan, rows, entry, lines = _loan_rows(number, templates)
                batches[0].append(user)
                batches[1].append(application)
                batches[2].append(loan)
                batches[3].extend(rows)
                batches[4].append(entry)
                batches[5].extend(lines)
            cursor = connection.cursor()
            for table, batch in zip(tables, batches):
                _insert(cursor, table, batch, now)
            connection.commit()
    finally:
        connection.close()


def run_day(path: Path) -> tuple[float, dict[str, int]]:
    """Run the job for RUN_DATE on a copy of the book and return seconds and its counts."""
    engine = create_engine_for(f"sqlite:///{path}")
    with session_scope(engine) as session:
        session.add(JobRun(job=daily_job.JOB_NAME, run_date=RUN_DATE - dt.timedelta(days=1), status="done"))
    # 01:00 in Shanghai is inside quiet hours, so text reminders wait for 08:00 and no sending is timed.
    night = dt.datetime.combine(RUN_DATE, dt.time(1), tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.timezone.utc)
    assert night.astimezone(dt.timezone(dt.timedelta(hours=8))).time() < QUIET_START
    started = time.perf_counter()
    result = daily_job.run_daily(RUN_DATE, now=night, engine=engine, deliver=False)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = daily_job.run_daily(RUN_DATE, now=night, engine=engine, deliver=False)
    repeat_ms = (time.perf_counter() - started) * 1000
    engine.dispose()
    if result.status != "done" or again.status != "skipped":
        raise SystemExit(f"unexpected job results {result.status} / {again.status}")
    return seconds, {**result.stats, "repeat_ms": round(repeat_ms, 1)}


def main() -> int:
    """Build each size, run one day on a copy and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(size) for size in DEFAULT_SIZES), help="comma-separated book sizes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the SQLite files")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    logging.basicConfig(level=logging.WARNING)

    from tests.support.migrations import upgrade_to_head

    folder = Path(tempfile.mkdtemp(prefix="lendapp-bench-daily-"))
    base = folder / "book.db"
    engine = create_engine_for(f"sqlite:///{base}")
    upgrade_to_head(engine)
    engine.dispose()
    templates = _templates()
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}, run date {RUN_DATE}")
    print(f"{'loans':>10} {'build s':>8} {'job s':>7} {'us/loan':>8} {'rows due':>9} {'overdue':>8} {'penalties':>9} {'queued':>8} {'repeat ms':>9}")
    built, results = 0, []
    for size in sizes:
        started = time.perf_counter()
        grow(base, built + 1, size + 1, templates)
        built = size
        build_seconds = time.perf_counter() - started
        copy = folder / "run.db"
        shutil.copyfile(base, copy)
        seconds, stats = run_day(copy)
        copy.unlink()
        results.append((size, seconds))
        print(f"{size:>10,} {build_seconds:>8.1f} {seconds:>7.2f} {seconds / size * 1e6:>8.1f} {stats.get('rows_due', 0):>9,} "
              f"{stats.get('loans_delinquent', 0):>8,} {stats.get('penalties_charged', 0):>9,} {stats.get('notifications_queued', 0):>8,} "
              f"{stats['repeat_ms']:>9}")
    smallest_size, smallest_seconds = results[0]
    for size, seconds in results[1:]:
        print(f"growth {smallest_size:,} -> {size:,}: {size / smallest_size:.1f}x loans, {seconds / smallest_seconds:.2f}x time")
    largest_size, largest_seconds = results[-1]
    verdict = "met" if largest_seconds < TARGET_SECONDS else "missed"
    print(f"target: {largest_size:,} loans in under {TARGET_SECONDS:.0f} s: {verdict} ({largest_seconds:.1f} s)")
    if args.keep:
        print(f"files kept in {folder}")
    else:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
