"""The SQLAlchemy engine and session factory shared by services and jobs."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.settings import get_settings

logger = logging.getLogger(__name__)


def create_engine_for(url: str) -> sa.Engine:
    """Create an engine for ``url`` with the options each backend needs."""
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _configure_sqlite)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(dbapi_connection, _record) -> None:
    # WAL lets page reads proceed while a job writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@functools.cache
def get_engine() -> sa.Engine:
    """Return the process-wide engine for the configured DATABASE_URL."""
    url = get_settings().database_url
    logger.info("Opening database %s", sa.engine.make_url(url).render_as_string(hide_password=True))
    engine = create_engine_for(url)
    # The production server imports the app once and then forks its workers. A pooled
    # connection inherited across the fork would carry two processes' queries on one
    # socket (psycopg then reports "unexpected result ... from command 'BEGIN'"), so each
    # child starts with an empty pool and leaves the parent's connections to the parent.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


@contextlib.contextmanager
def session_scope(engine: sa.Engine | None = None) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on any error.

    Args:
        engine: The engine to use; the configured one when omitted.
    """
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def database_status(engine: sa.Engine | None = None) -> dict[str, str]:
    """Check that the database responds and report its backend and migration revision."""
    engine = engine or get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            revision = None
            if sa.inspect(connection).has_table("alembic_version"):
                revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return {"status": "ok", "backend": engine.dialect.name, "revision": revision or "none"}
    except sa.exc.SQLAlchemyError as exc:
        logger.error("Database health check failed: %s", exc.__class__.__name__)
        return {"status": "error", "backend": engine.dialect.name, "error": exc.__class__.__name__}
