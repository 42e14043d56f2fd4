"""Benchmark of the staff review queue's first page on a million applications, on SQLite and PostgreSQL.

For each backend the script migrates an empty database with Alembic, fills
``loan_application`` with ROWS rows in one INSERT ... SELECT (a recursive
CTE on SQLite, generate_series on PostgreSQL), adds assignment entries to the
audit log, runs ANALYZE, and then times, case by case:

* bare: the SQL that a hand-written queue would send, with the same WHERE,
  ORDER BY and LIMIT as the service, on one open connection;
* service: ``review_queue.list_queue`` for the first page, which also joins
  the latest assignment from the audit log, counts each queue status and
  builds the DTOs.

Each case runs REPEATS times after WARMUP calls. A call so slow that REPEATS
calls would overrun BUDGET_SECONDS is timed at least MIN_REPEATS times
instead. The table shows the median, the p95 and the ratio of the medians. Targets: service at most 2 times the
bare query and under 50 ms. The cases are then timed again after creating
candidate indexes in the benchmark's own database (never in a migration), to
show what each would change. The script reports and always exits 0.

The data imitate a lender two years in: submissions one a minute, the newest
5% mostly waiting for review, older ones decided, withdrawn or expired, with
one in a thousand old applications still waiting.

Run: ``.venv/bin/python bench/queue.py [--rows 1000000] [--repeats 100] [--backends sqlite,postgresql]``
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts this script's folder first on sys.path, where this file would
# shadow the standard library's queue module that psycopg imports.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import dataclasses
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable

import sqlalchemy as sa

from lendapp.db import engine as engine_module  # noqa: E402
from lendapp.db.engine import create_engine_for  # noqa: E402
from lendapp.db.models import UserAccount  # noqa: E402
from lendapp.services import review_queue  # noqa: E402
from lendapp.services.review_queue import QUEUE_STATUSES, QueueFilter  # noqa: E402
from lendapp.services.sessions import Principal  # noqa: E402
from tests.support.migrations import upgrade_to_head  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

logger = logging.getLogger("bench.queue")

WARMUP = 5
# A case stops repeating after this many seconds per side once MIN_REPEATS calls are timed.
BUDGET_SECONDS = 30.0
MIN_REPEATS = 3
TARGET_RATIO = 2.0
TARGET_MS = 50.0
BORROWERS = 1000
PAGE_SIZE = review_queue.DEFAULT_PAGE_SIZE
PRODUCTS = ("consumer-flex", "business-working-capital", "agri-season", "education-study")
REVIEWER = Principal(user_id=1, role="reviewer", session_id=0, display_name="bench", must_change_password=False, totp_enabled=True)

_QUEUE_LIST = ", ".join(f"'{status}'" for status in QUEUE_STATUSES)

# Indexes the benchmark tries after the as-migrated run, so the report can name the ones that help.
# The migrations already create (status, submitted_at, id) and the partial index on the waiting rows.
CANDIDATE_INDEXES = (
    "CREATE INDEX bench_ix_application_queue_product ON loan_application (status, product_code, submitted_at, id)",
    f"CREATE INDEX bench_ix_application_waiting_score ON loan_application (submitted_at, id, score) WHERE status IN ({_QUEUE_LIST})",
)


# Status of row i (1-based, in submission order) out of n: the newest 5% mostly wait for review.
_STATUS = f"""
CASE
  WHEN i % 50 = 1 THEN 'draft'
  WHEN i > :rows * 0.95 THEN CASE (i * 7) % 20
    WHEN 0 THEN 'approved' WHEN 1 THEN 'auto_approved' WHEN 2 THEN 'auto_declined' WHEN 3 THEN 'declined'
    WHEN 4 THEN 'documents_requested' WHEN 5 THEN 'documents_requested' WHEN 6 THEN 'pending_second_approval'
    ELSE 'in_review' END
  WHEN i % 1000 = 0 THEN 'in_review'
  WHEN i % 1000 = 500 THEN 'documents_requested'
  ELSE CASE i % 5 WHEN 0 THEN 'disbursed' WHEN 1 THEN 'declined' WHEN 2 THEN 'auto_declined' WHEN 3 THEN 'withdrawn' ELSE 'expired' END
END"""
_PRODUCT = "CASE i % 4 " + " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(PRODUCTS)) + " END"
_SCORE = "CASE WHEN i % 10 = 0 THEN NULL ELSE 400 + (i * 7919) % 300 END"

_DIALECT_SQL = {
    "sqlite": {
        "number": "'LA-B-' || substr('000000000' || i, -9)",
        "time": "datetime('2025-01-01 00:00:00', '+' || i || ' minutes') || '.000000'",
        "source_head": "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :rows) ",
        "source_tail": " FROM seq",
        "text": "TEXT",
    },
    "postgresql": {
        "number": "'LA-B-' || lpad(i::text, 9, '0')",
        "time": "timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute'",
        "source_head": "",
        # bigint, because i * 7919 overflows a 32-bit integer at a million rows.
        "source_tail": " FROM generate_series(1::bigint, :rows) AS seq(i)",
        "text": "VARCHAR",
    },
}


def number_of(i: int) -> str:
    """Return the application number the fill gives row ``i``."""
    return f"LA-B-{i:09d}"


def _fill_sql(dialect: str) -> str:
    sql = _DIALECT_SQL[dialect]
    columns = {
        "number": sql["number"],
        "borrower_id": f"1 + i % {BORROWERS}",
        "status": _STATUS,
        "step": "7",
        "product_code": _PRODUCT,
        "segment": "'consumer'",
        "amount": "1000 + (i * 37) % 199 * 1000",
        "term": "12",
        "method": "'equal_installment'",
        "annual_rate": "0.12",
        "score": _SCORE,
        "submitted_at": f"CASE WHEN i % 50 = 1 THEN NULL ELSE {sql['time']} END",
        "created_at": sql["time"],
        "updated_at": sql["time"],
    }
    for name in (
        "purpose", "sex", "region_code", "province", "employment_type", "housing", "bank_card_last4", "bank_name",
        "bank_card_product", "bank_card_type", "device_id", "client_ip", "model_version", "decision_reason",
    ):
        columns[name] = "''"
    columns.update(channel="'web'", reason_codes="'[]'", rules_hit="'[]'")
    return (
        f"{sql['source_head']}INSERT INTO loan_application ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())}{sql['source_tail']}"
    )


def _assignments_sql(dialect: str) -> str:
    text_type = _DIALECT_SQL[dialect]["text"]
    now = "CURRENT_TIMESTAMP"
    # One in 40 waiting applications has a reviewer, as the service's assign action records it.
    return (
        "INSERT INTO audit_log (sequence, created_at, actor_id, actor_role, action, object_type, object_id, "
        "before, after, client_ip, prev_hash, entry_hash) "
        f"SELECT 10000000 + id, {now}, NULL, 'reviewer', 'application.assign', 'loan_application', CAST(id AS {text_type}), "
        # The backslash keeps SQLAlchemy from reading ":null" as a bind parameter.
        "'{\"assignee_id\"\\:null}', '{\"assignee_id\":' || (1 + id % 5) || '}', '', 'bench', 'bench-' || id "
        f"FROM loan_application WHERE status IN ({_QUEUE_LIST}) AND id % 40 = 0"
    )


def _assignees_sql() -> str:
    # The queue reads the current assignee from the application; the audit entries above record the change.
    return f"UPDATE loan_application SET assignee_id = 1 + id % 5 WHERE status IN ({_QUEUE_LIST}) AND id % 40 = 0"


def fill(engine: sa.Engine, rows: int) -> float:
    """Insert the borrowers, ``rows`` applications and the assignments, and return the seconds it took."""
    dialect = engine.dialect.name
    started = time.perf_counter()
    users = [
        {"role": "borrower", "login": f"bench{n}", "display_name": f"Bench {n}", "password_hash": "x",
         "is_active": True, "must_change_password": False}
        for n in range(1, BORROWERS + 1)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(UserAccount.__table__), users)
    with engine.begin() as connection:
        connection.execute(sa.text(_fill_sql(dialect)), {"rows": rows})
        connection.execute(sa.text(_assignments_sql(dialect)))
        connection.execute(sa.text(_assignees_sql()))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


@dataclasses.dataclass(frozen=True)
class Case:
    """One queue view: the service filter and the equivalent bare SQL."""

    name: str
    flt: QueueFilter
    where: str
    params: dict
    newest_first: bool = False


def cases(rows: int) -> list[Case]:
    """Return the measured views. The number search is included only when the service has a search filter."""
    queue = f"a.status IN ({_QUEUE_LIST})"
    found = [
        Case("all waiting, oldest first", QueueFilter(), queue, {}),
        Case("in_review, oldest first", QueueFilter(status="in_review"), "a.status = 'in_review'", {}),
        Case("in_review, one product", QueueFilter(status="in_review", product_code=PRODUCTS[2]),
             "a.status = 'in_review' AND a.product_code = :product", {"product": PRODUCTS[2]}),
        Case("all waiting, newest first", QueueFilter(newest_first=True), queue, {}, newest_first=True),
        Case("score 580 and above", QueueFilter(score_band="high"), f"{queue} AND a.score IS NOT NULL AND a.score >= 580", {}),
    ]
    search_field = next((field.name for field in dataclasses.fields(QueueFilter) if field.name in ("search", "number", "query")), None)
    if search_field:
        number = number_of(rows - rows // 50 + 3)
        found.append(Case("search by number", QueueFilter(**{search_field: number}), f"{queue} AND a.number = :number", {"number": number}))
    return found


def bare_sql(case: Case) -> str:
    """Return the hand-written query of a case: the columns the page shows, same WHERE, ORDER BY and LIMIT.

    Like the service, it fetches the assignee's name with a join, since a hand-written queue would show it too.
    """
    direction = "DESC" if case.newest_first else "ASC"
    return (
        "SELECT a.id, a.number, a.status, a.product_code, a.amount, a.term, a.method, a.score, a.pd, a.submitted_at, "
        "a.assignee_id, u.display_name FROM loan_application a LEFT OUTER JOIN user_account u ON u.id = a.assignee_id "
        f"WHERE a.submitted_at IS NOT NULL AND {case.where} "
        f"ORDER BY a.submitted_at {direction}, a.id {direction} LIMIT {PAGE_SIZE + 1}"
    )


def timings(call: Callable[[], object], repeats: int, budget: float = BUDGET_SECONDS) -> list[float]:
    """Return up to ``repeats`` durations of ``call`` in milliseconds, after untimed warm-up calls.

    A call so slow that ``repeats`` calls would overrun ``budget`` seconds is
    warmed up once and timed MIN_REPEATS times or until the budget is spent.
    """
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    for _ in range(WARMUP - 1 if first * repeats < budget else 0):
        call()
    durations: list[float] = []
    deadline = time.perf_counter() + budget
    while len(durations) < repeats and (len(durations) < MIN_REPEATS or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def p95(values: list[float]) -> float:
    """Return the 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


Result = tuple[str, float, float, float, float, int]


def measure(engine: sa.Engine, rows: int, repeats: int) -> list[Result]:
    """Time every case bare and through the service.

    Returns:
        (case, bare median, bare p95, service median, service p95, service calls timed) per case.
    """
    results = []
    with engine.connect() as connection:
        for case in cases(rows):
            statement = sa.text(bare_sql(case))
            bare_rows = connection.execute(statement, case.params).all()
            page = review_queue.list_queue(REVIEWER, case.flt)
            if [row.number for row in page.rows] != [row.number for row in bare_rows[:PAGE_SIZE]]:
                logger.error("Case %r: the service and the bare query return different rows", case.name)
            bare = timings(lambda: connection.execute(statement, case.params).all(), repeats)
            service = timings(lambda: review_queue.list_queue(REVIEWER, case.flt), repeats)
            results.append((case.name, statistics.median(bare), p95(bare), statistics.median(service), p95(service), len(service)))
            print(f"measured {case.name!r}", file=sys.stderr, flush=True)
        counts = sa.text(f"SELECT status, count(*) FROM loan_application WHERE status IN ({_QUEUE_LIST}) GROUP BY status")
        alone = timings(lambda: connection.execute(counts).all(), repeats)
        results.append(("(status counts query alone)", statistics.median(alone), p95(alone), float("nan"), float("nan"), 0))
    return results


def print_table(title: str, results: list[Result]) -> None:
    """Print one backend's results as a Markdown table."""
    print(f"\n### {title}\n")
    print("| case | bare median ms | bare p95 ms | service median ms | service p95 ms | service calls | ratio | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, bare_median, bare_p95, service_median, service_p95, calls in results:
        if not calls:
            print(f"| {name} | {bare_median:.2f} | {bare_p95:.2f} | | | | | |")
            continue
        ratio = service_median / bare_median
        met = "met" if ratio <= TARGET_RATIO and service_median < TARGET_MS else "missed"
        print(f"| {name} | {bare_median:.2f} | {bare_p95:.2f} | {service_median:.2f} | {service_p95:.2f} | {calls} | {ratio:.1f}x | {met} |")
    sys.stdout.flush()


def run_backend(name: str, url: str, rows: int, repeats: int) -> None:
    """Migrate, fill and measure one database, as migrated and with the candidate indexes."""
    engine = create_engine_for(url)
    engine_module.get_engine = lambda: engine  # The service opens its sessions on the configured engine.
    try:
        upgrade_to_head(engine)
        seconds = fill(engine, rows)
        print(f"\n{name}: {rows:,} applications inserted and analysed in {seconds:.0f} s", flush=True)
        print_table(f"{name}, indexes as migrated", measure(engine, rows, repeats))
        with engine.begin() as connection:
            for statement in CANDIDATE_INDEXES:
                connection.exec_driver_sql(statement)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        print_table(f"{name}, with the candidate indexes", measure(engine, rows, repeats))
    finally:
        engine.dispose()


def main() -> int:
    """Run the benchmark on each requested backend and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="applications to insert (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=100, help="timed calls per case and side (default 100)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"SQLAlchemy {sa.__version__}, sqlite {__import__('sqlite3').sqlite_version}")
    print("Candidate indexes:\n" + "\n".join(f"  {statement};" for statement in CANDIDATE_INDEXES))
    with tempfile.TemporaryDirectory(prefix="lendapp-bench-queue-") as work_dir:
        backends = args.backends.split(",")
        if "sqlite" in backends:
            run_backend("SQLite", f"sqlite:///{Path(work_dir) / 'queue.db'}", args.rows, args.repeats)
        if "postgresql" in backends:
            cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="lendapp-bench-pg-")))
            cluster.start()
            try:
                cluster.create_database("bench_queue")
                run_backend("PostgreSQL", cluster.url("bench_queue"), args.rows, args.repeats)
            finally:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
