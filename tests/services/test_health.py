"""The database status that GET /api/health reports."""

from __future__ import annotations

import sqlalchemy as sa

from lendapp.db.engine import create_engine_for, database_status


def test_database_status_ok(engine: sa.Engine) -> None:
    status = database_status(engine)
    assert status["status"] == "ok"
    assert status["backend"] == engine.dialect.name
    assert status["revision"] != "none"


def test_database_status_unreachable() -> None:
    unreachable = create_engine_for("postgresql+psycopg://nobody@127.0.0.1:1/none")
    status = database_status(unreachable)
    assert status["status"] == "error"
    assert "error" in status
