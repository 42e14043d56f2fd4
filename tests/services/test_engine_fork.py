"""The configured engine survives the production server's fork into workers."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from lendapp.db.engine import get_engine as configured_engine
from lendapp.settings import get_settings


def test_forked_child_gets_its_own_connections(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    # Imported before the fixture replaced it; ``__wrapped__`` skips the process-wide cache.
    shared = configured_engine.__wrapped__()
    try:
        with shared.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        assert shared.pool.checkedin() == 1, "the parent holds a pooled connection before the fork"
        pid = os.fork()
        if pid == 0:
            # The child must not reuse the parent's pooled connection: it opens a fresh one.
            code = 1
            try:
                code = 0 if shared.pool.checkedin() == 0 else 2
                with shared.connect() as connection:
                    for _ in range(20):
                        connection.execute(sa.text("SELECT 1")).scalar_one()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with shared.connect() as connection:
            for _ in range(20):
                assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        shared.dispose()
        get_settings.cache_clear()
