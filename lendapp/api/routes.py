"""The Starlette app whose routes take precedence over Reflex's own."""

from __future__ import annotations

import asyncio
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lendapp.db.engine import database_status

logger = logging.getLogger(__name__)


async def health(_request: Request) -> JSONResponse:
    """Report whether the database answers; 503 when it does not."""
    status = await asyncio.to_thread(database_status)
    code = 200 if status["status"] == "ok" else 503
    return JSONResponse({"status": status["status"], "database": status}, status_code=code)


def build_api() -> Starlette:
    """Build the API app; Reflex mounts itself underneath it."""
    return Starlette(routes=[Route("/api/health", health, methods=["GET"])])
