"""Running the project's Alembic migrations against a test engine."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(connection: sa.Connection) -> Config:
    """Return an Alembic config that migrates over ``connection``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["skip_logging_config"] = True
    return config


def upgrade_to_head(engine: sa.Engine) -> None:
    """Apply every migration to ``engine``'s database."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def downgrade_to_base(engine: sa.Engine) -> None:
    """Revert every migration on ``engine``'s database."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
