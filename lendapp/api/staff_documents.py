"""Documents of an application for the review page: ``GET /api/staff/applications/{number}/documents/{document_id}``.

The file is sent inline, so the page can show an image in a dialog and open a
PDF in a new tab. Only staff with the application-detail permission reach the
handler, and the service serves a document only through the application it
belongs to and audits every read.
"""

from __future__ import annotations

import asyncio
import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lendapp.api.auth import requires_permission
from lendapp.domain.permissions import Permission
from lendapp.services.auth_errors import NotFoundError
from lendapp.services.review_context import read_application_document

logger = logging.getLogger(__name__)

DOCUMENT_PATH = "/api/staff/applications/{number}/documents/{document_id}"
# Application numbers look like LA-20261204-000123; anything else cannot name an application.
NUMBER_PATTERN = re.compile(r"[A-Z0-9-]{1,32}")
MAX_ID_DIGITS = 12
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "not_found"}, status_code=404, headers={"Cache-Control": "no-store"})


@requires_permission(Permission.APPLICATION_DETAIL)
async def application_document(request: Request) -> Response:
    """Send one document of an application inline with its stored content type."""
    number = request.path_params["number"]
    raw_id = request.path_params["document_id"]
    if not NUMBER_PATTERN.fullmatch(number) or not raw_id.isdigit() or len(raw_id) > MAX_ID_DIGITS:
        return _not_found()
    principal = request.state.principal
    client_ip = request.client.host if request.client else ""
    try:
        content_type, data = await asyncio.to_thread(read_application_document, principal, number, int(raw_id), client_ip)
    except NotFoundError:
        logger.info("Document %s of application %s not found for user %s", raw_id, number, principal.user_id)
        return _not_found()
    # The number matched NUMBER_PATTERN, so the file name is plain ASCII and safe in the header.
    filename = f"{number}-{raw_id}.{EXTENSIONS.get(content_type, 'bin')}"
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=content_type, headers=headers)


STAFF_DOCUMENT_ROUTES = [
    Route(DOCUMENT_PATH, application_document, methods=["GET"]),
]
