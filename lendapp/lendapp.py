"""Build the Reflex app: pages and API routes."""

from __future__ import annotations

import logging

import reflex as rx

from lendapp.api.routes import build_api
from lendapp.components.connection import connection_notice
from lendapp.integrations import reflex_reconnect
import lendapp.db.models  # noqa: F401  (defines every table on SQLModel.metadata)
from lendapp.logging_setup import configure_logging
from lendapp.pages import register_pages
from lendapp.scheduler import scheduler_lifespan
from lendapp.settings import get_settings
from lendapp.state.error_toast import unexpected_error_toast

settings = get_settings()
configure_logging(settings.log_level)
logger = logging.getLogger(__name__)

# Reflex 0.10.1 registers its own rx.Model base, whose metadata is
# SQLModel.metadata, so `reflex db` already sees every table. Registering any
# other class would make Reflex merge that metadata twice and warn about each
# table. Alembic reads SQLModel.metadata directly.

# Before the app creates its token manager: a reconnecting tab keeps its state.
reflex_reconnect.install()

app = rx.App(
    api_transformer=build_api(),
    html_lang=settings.default_locale,
    backend_exception_handler=unexpected_error_toast,
)
register_pages(app)
# Replace Reflex's English connection toast with a notice from the message catalogs.
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_notice() if stateful else None
# The daily job and notification delivery run inside the backend process.
app.register_lifespan_task(scheduler_lifespan)
