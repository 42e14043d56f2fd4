"""Build the Reflex app: pages, API routes and table registration."""

from __future__ import annotations

import logging

import reflex as rx
from sqlmodel import SQLModel

from lendapp.api.routes import build_api
import lendapp.db.models  # noqa: F401  (defines every table on SQLModel.metadata)
from lendapp.logging_setup import configure_logging
from lendapp.pages import register_pages
from lendapp.settings import get_settings

settings = get_settings()
configure_logging(settings.log_level)
logger = logging.getLogger(__name__)

# Every table shares SQLModel.metadata. Registering each table class would make
# Reflex merge that metadata once per class and warn, so the base class stands
# for all of them. Alembic reads SQLModel.metadata directly.
rx.ModelRegistry.register(SQLModel)

app = rx.App(
    api_transformer=build_api(),
    html_lang=settings.default_locale,
)
register_pages(app)
