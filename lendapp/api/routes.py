"""The Starlette app whose routes take precedence over Reflex's own."""

from __future__ import annotations

import asyncio
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from lendapp.api.account import ACCOUNT_ROUTES
from lendapp.api.auth import AUTH_ROUTES
from lendapp.api.contracts import CONTRACT_ROUTES
from lendapp.api.risk_exports import RISK_EXPORT_ROUTES
from lendapp.api.payments import PAYMENT_ROUTES
from lendapp.api.staff_documents import STAFF_DOCUMENT_ROUTES
from lendapp.db.engine import database_status
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)


async def health(_request: Request) -> JSONResponse:
    """Report whether the database responds, with status 503 when it does not."""
    status = await asyncio.to_thread(database_status)
    code = 200 if status["status"] == "ok" else 503
    return JSONResponse({"status": status["status"], "database": status}, status_code=code)


def robots_txt(_request: Request) -> PlainTextResponse:
    """Serve robots.txt with an absolute Sitemap URL, as the sitemaps.org protocol requires.

    The address comes from PUBLIC_URL, the same setting rxconfig uses for the
    sitemap's links. Staff and account pages are kept out of crawls.
    """
    public_url = get_settings().public_url.rstrip("/")
    lines = ["User-agent: *", "Allow: /", "Disallow: /staff", "Disallow: /account", f"Sitemap: {public_url}/sitemap.xml"]
    return PlainTextResponse("\n".join(lines) + "\n")


def build_api() -> Starlette:
    """Build the API app; Reflex mounts itself underneath it."""
    return Starlette(
        routes=[
            Route("/api/health", health, methods=["GET"]),
            Route("/robots.txt", robots_txt, methods=["GET"]),
            *AUTH_ROUTES,
            *CONTRACT_ROUTES,
            *RISK_EXPORT_ROUTES,
            *ACCOUNT_ROUTES,
            *PAYMENT_ROUTES,
            *STAFF_DOCUMENT_ROUTES,
        ]
    )
