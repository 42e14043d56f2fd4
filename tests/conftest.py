"""Fixtures shared by every test: databases on SQLite and on a private PostgreSQL cluster.

The ``engine`` fixture gives each test a freshly migrated database, once on
SQLite and once on PostgreSQL, and points ``lendapp.db.engine.get_engine`` at
it so services called without an explicit engine use it too. Set
``LENDAPP_TEST_BACKENDS=sqlite`` to skip PostgreSQL while iterating locally.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lendapp.db import engine as engine_module
from lendapp.db.engine import create_engine_for
from tests.support.migrations import upgrade_to_head
from tests.support.postgres import PostgresCluster

BACKENDS = tuple(os.environ.get("LENDAPP_TEST_BACKENDS", "sqlite,postgresql").split(","))
_database_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep generated keys and files of every test out of the project's var/ folder."""
    from lendapp.settings import get_settings

    var_dir = tmp_path_factory.mktemp("var")
    monkeypatch.setenv("VAR_DIR", str(var_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Start a private PostgreSQL cluster on a free loopback port for the whole run."""
    # pytest's temporary folders are private to root, and the server may run as another user.
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="lendapp-pg-")))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file once; each test copies it, which is faster than migrating again."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    template_engine = create_engine_for(f"sqlite:///{path}")
    upgrade_to_head(template_engine)
    template_engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster: PostgresCluster) -> str:
    """Migrate a template database once; each test clones it with CREATE DATABASE ... TEMPLATE."""
    name = "lendapp_template"
    postgres_cluster.create_database(name)
    template_engine = create_engine_for(postgres_cluster.url(name))
    upgrade_to_head(template_engine)
    template_engine.dispose()
    return name


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """A freshly migrated database for one test, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        test_engine = create_engine_for(f"sqlite:///{path}")
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        template = request.getfixturevalue("postgres_template")
        name = f"lendapp_test_{next(_database_numbers)}"
        cluster.create_database(name, template=template)
        test_engine = create_engine_for(cluster.url(name))
    monkeypatch.setattr(engine_module, "get_engine", lambda: test_engine)
    try:
        yield test_engine
    finally:
        test_engine.dispose()
        if request.param == "postgresql":
            cluster.drop_database(name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread from
    the first browser test until the session ends, and tests that call
    asyncio.run() fail while it runs. A stable sort keeps every other order.
    """
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))
