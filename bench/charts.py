"""Benchmark the risk dashboard on a large book in a private PostgreSQL cluster.

Builds ``1,000,000 * scale`` loans with 10 installments each (10,000,000 at
scale 1), one application per loan plus 20 % declined applications, status
events, disbursement and repayment ledger lines and some collection actions,
all with ``generate_series`` inside the database. Then it times
``refresh_snapshots`` once (the daily job runs it once a day), the whole
dashboard read from the snapshot tables (target: under 1 s, best of
``--repeats``), the live dashboard once (checking that both give the same
charts), and each snapshot chart against the bare live GROUP BY queries of
that chart. The load average is printed before and after, because other
work on the machine slows every figure.

Foreign-key triggers are off while loading (``session_replication_role =
replica``), so the book needs no borrower accounts.

Run from the repository root: ``.venv/bin/python bench/charts.py --scale 0.1``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lendapp.db.engine import create_engine_for  # noqa: E402
from lendapp.risk.monitoring import BinnedReference  # noqa: E402
from lendapp.services import risk_dashboard as rd  # noqa: E402
from lendapp.services import risk_snapshot_charts, risk_snapshots  # noqa: E402
from sqlmodel import Session  # noqa: E402
from tests.support.migrations import upgrade_to_head  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

TARGET_SECONDS = 1.0
AS_OF = dt.date(2026, 6, 30)
REFERENCE = BinnedReference("score", (480.0, 520.0, 560.0, 600.0), (), (0.2, 0.2, 0.2, 0.2, 0.2))

# Each statement takes :n (loans). Loans are disbursed over 24 months before AS_OF.
# The score multiplies in bigint, because g * 7919 overflows integer beyond 271,000 applications.
LOAD = [
    """INSERT INTO loan_application (id, number, borrower_id, status, step, product_code, channel, score, pd,
           created_at, submitted_at, decided_at, updated_at)
       SELECT g, 'LA-' || g, 1, CASE WHEN g <= :n THEN 'disbursed' ELSE 'auto_declined' END, 7,
              CASE WHEN g % 3 = 0 THEN 'biz' ELSE 'consumer' END, CASE WHEN g % 4 = 0 THEN 'app' ELSE 'web' END,
              400 + (g::bigint * 7919) % 300, ((g::bigint * 7919) % 300) / 1000.0,
              TIMESTAMPTZ '2024-07-01' + (g % 730) * INTERVAL '1 day', TIMESTAMPTZ '2024-07-01' + (g % 730) * INTERVAL '1 day',
              TIMESTAMPTZ '2024-07-01' + (g % 730) * INTERVAL '1 day', now()
       FROM generate_series(1, :n + :n / 5) AS g""",
    """INSERT INTO application_status_event (application_id, from_status, to_status, actor_role, created_at)
       SELECT a.id, '', s.status, 'system', a.submitted_at + s.step * INTERVAL '1 day'
       FROM loan_application a CROSS JOIN (VALUES (0, 'submitted'), (0, 'auto_approved'), (3, 'contract_signed'), (5, 'disbursed')) AS s(step, status)
       WHERE a.id <= :n OR s.status = 'submitted'""",
    """INSERT INTO application_status_event (application_id, from_status, to_status, actor_role, created_at)
       SELECT id, 'scoring', 'auto_declined', 'system', submitted_at FROM loan_application WHERE id > :n""",
    """INSERT INTO loan (id, number, application_id, borrower_id, product_code, segment, currency, principal, annual_rate, method,
           term, terms_json, schedule_version, start_date, maturity_date, state, dpd, dpd_bucket, max_dpd, disbursed_at, updated_at)
       SELECT g, 'LN-' || g, g, 1, CASE WHEN g % 3 = 0 THEN 'biz' ELSE 'consumer' END, 'consumer', 'CNY', 10000, 0.12, 'equal_principal',
              10, '{}', 1, d, d + INTERVAL '10 months', CASE WHEN g % 10 = 0 THEN 'overdue' ELSE 'active' END,
              CASE WHEN g % 10 = 0 THEN (g % 120) + 1 ELSE 0 END,
              CASE WHEN g % 10 <> 0 THEN 'M0' WHEN g % 120 < 30 THEN 'M1' WHEN g % 120 < 60 THEN 'M2' WHEN g % 120 < 90 THEN 'M3' ELSE 'M3+' END,
              CASE WHEN g % 10 = 0 THEN (g % 120) + 1 ELSE 0 END, d, now()
       FROM (SELECT g, (DATE '2024-07-01' + (g % 730)) AS d FROM generate_series(1, :n) AS g) AS s""",
    """INSERT INTO loan_installment (loan_id, schedule_version, seq, due_date, principal, interest, fee, paid_principal,
           paid_interest, paid_fee, status, paid_at)
       SELECT l.id, 1, k, l.start_date + k * INTERVAL '1 month', 1000, 100, 0,
              CASE WHEN paid THEN 1000 ELSE 0 END, CASE WHEN paid THEN 100 ELSE 0 END, 0,
              CASE WHEN paid THEN 'paid' ELSE 'upcoming' END,
              CASE WHEN paid THEN l.start_date + k * INTERVAL '1 month' + ((l.id * k) % 7 = 0)::int * 40 * INTERVAL '1 day' END
       FROM loan l CROSS JOIN generate_series(1, 10) AS k
       CROSS JOIN LATERAL (SELECT (l.start_date + k * INTERVAL '1 month') < DATE '2026-06-30' AND NOT (l.id % 10 = 0 AND k >= 3) AS paid) AS p""",
    """INSERT INTO ledger_entry (id, idempotency_key, loan_id, kind, posted_on, currency, memo, created_at)
       SELECT g, 'disb-' || g, g, 'disbursement', DATE '2024-07-01', 'CNY', '', now() FROM generate_series(1, :n) AS g""",
    """INSERT INTO ledger_line (entry_id, loan_id, account, debit, credit)
       SELECT g, g, 'loan_principal_receivable', 10000, 0 FROM generate_series(1, :n) AS g
       UNION ALL SELECT g, g, 'cash_clearing', 0, 10000 FROM generate_series(1, :n) AS g""",
    """INSERT INTO ledger_line (entry_id, loan_id, account, debit, credit)
       SELECT loan_id, loan_id, 'loan_principal_receivable', 0, SUM(paid_principal) FROM loan_installment GROUP BY loan_id""",
    """INSERT INTO collection_action (loan_id, collector_id, kind, outcome, note, created_at)
       SELECT id, 1, CASE WHEN id % 20 = 0 THEN 'promise_to_pay' ELSE 'call' END, '', '', disbursed_at + INTERVAL '100 days'
       FROM loan WHERE state = 'overdue'""",
]


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _once(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _best(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


# Throwaway defaults for NOT NULL columns the load leaves out, by data type; only this benchmark's database gets them.
_FILLERS = {"character varying": "''", "text": "''", "integer": "0", "numeric": "0", "boolean": "false", "double precision": "0",
            "date": "CURRENT_DATE", "timestamp with time zone": "now()", "bigint": "0"}
TABLES = ("loan_application", "application_status_event", "loan", "loan_installment", "ledger_entry", "ledger_line", "collection_action")


def _fill_defaults(connection: sa.Connection) -> None:
    columns = connection.execute(sa.text(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ANY(:tables) AND is_nullable = 'NO' AND column_default IS NULL"
    ), {"tables": list(TABLES)}).all()
    for table, column, data_type in columns:
        if data_type in _FILLERS:
            connection.execute(sa.text(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {_FILLERS[data_type]}'))


def _load(engine: sa.Engine, loans: int) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("SET session_replication_role = replica"))
        _fill_defaults(connection)
        for statement in LOAD:
            started = time.perf_counter()
            connection.execute(sa.text(statement), {"n": loans})
            print(f"  loaded in {time.perf_counter() - started:6.1f} s: {statement.split()[2]}")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def main() -> int:
    """Build the book, time the snapshot refresh, the dashboard and each chart, and print a report; always exits 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 loans (10 installments each)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per snapshot measurement; the best is kept")
    parser.add_argument("--live-repeats", type=int, default=1, help="timed runs of each chart's bare live queries; the best is kept")
    args = parser.parse_args()
    loans = max(1000, int(1_000_000 * args.scale))
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="lendapp-bench-charts-")))
    cluster.start()
    try:
        cluster.create_database("bench")
        engine = create_engine_for(cluster.url("bench"))
        upgrade_to_head(engine)
        print(f"Loading {loans:,} loans and {loans * 10:,} installments ...")
        _load(engine, loans)
        filters = rd.DashboardFilters(dt.date(2025, 7, 1), dt.date(2026, 6, 30), as_of=AS_OF)
        print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, scale {args.scale}, "
              f"best of {args.repeats} (snapshot) and {args.live_repeats} (live); load average {_load_average()}")
        with Session(engine) as session:
            seconds, refresh = _once(lambda: risk_snapshots.refresh_snapshots(session, AS_OF, REFERENCE, load_reference=False))
            session.commit()
            print(f"refresh_snapshots: {seconds:.1f} s; rows {refresh.rows}")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))
        with Session(engine) as session:
            total = _best(lambda: risk_snapshot_charts.build_snapshot_dashboard(session, filters, REFERENCE), args.repeats)
            print(f"full dashboard from snapshots: {total:.3f} s (target under {TARGET_SECONDS} s): "
                  f"{'met' if total < TARGET_SECONDS else 'MISSED'}")
            live_seconds, live_board = _once(lambda: rd.build_dashboard(session, filters, REFERENCE))
            snapshot_board = risk_snapshot_charts.build_snapshot_dashboard(session, filters, REFERENCE)
            differ = [name for name in rd.CHART_NAMES if getattr(snapshot_board, name) != getattr(live_board, name)]
            print(f"full live dashboard: {live_seconds:.3f} s; charts that differ from the live ones: {differ or 'none'}")
            print(f"{'chart':<15}{'snapshot s':>12}{'bare live s':>13}{'speed-up':>10}")
            for name in rd.CHART_NAMES:
                extra = (REFERENCE,) if name == "psi" else ()
                queries = rd.BARE_QUERIES[name](filters, *extra)
                bare = _best(lambda: [session.execute(query).all() for query in queries], args.live_repeats)
                snapshot = _best(lambda: risk_snapshot_charts.SNAPSHOT_CHART_FUNCTIONS[name](session, filters, *extra), args.repeats)
                print(f"{name:<15}{snapshot:>12.4f}{bare:>13.3f}{bare / snapshot:>10.0f}")
        print(f"load average after: {_load_average()}")
        engine.dispose()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
