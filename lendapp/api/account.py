"""The borrower's own data archive as a download."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lendapp.api.auth import requires_permission
from lendapp.domain.permissions import Permission
from lendapp.services.data_rights import export_personal_data

logger = logging.getLogger(__name__)


@requires_permission(Permission.OWN_DATA_EXPORT)
async def export_data(request: Request) -> Response:
    """Send the signed-in borrower's personal data archive."""
    principal = request.state.principal
    client_ip = request.client.host if request.client else ""
    name, data = await asyncio.to_thread(export_personal_data, principal, client_ip)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


ACCOUNT_ROUTES = [Route("/api/account/export", export_data, methods=["GET"])]
