"""Migrations match the SQLModel tables and run both ways on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import lendapp.db.models  # noqa: F401
from tests.support.migrations import downgrade_to_base, upgrade_to_head


def test_autogenerate_finds_no_difference(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrations_downgrade_and_upgrade(engine: sa.Engine) -> None:
    downgrade_to_base(engine)
    tables_after_downgrade = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables_after_downgrade == set()

    upgrade_to_head(engine)
    tables_after_upgrade = set(sa.inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables_after_upgrade
