"""Contract PDF downloads: ``GET /api/contracts/{contract_id}/pdf``.

The borrower downloads their own contracts, and staff with the
application-detail or disbursement permission download any. Because
``requires_permission`` checks one permission, and ownership is a property of
the row, the route resolves the session itself and the service decides. Every
caller who may not read a contract, signed in or not, gets the same 404, so a
response never confirms that an id exists. The route is therefore listed in
``PUBLIC_ROUTES`` with that reason.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lendapp.services.auth_errors import NotFoundError
from lendapp.services.contracts import ContractIntegrityError, read_contract_pdf
from lendapp.services.session_cookie import token_from_cookie_header
from lendapp.services.sessions import resolve_session

logger = logging.getLogger(__name__)

CONTRACT_PDF_PATH = "/api/contracts/{contract_id}/pdf"
MAX_ID_DIGITS = 12


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "not_found"}, status_code=404, headers={"Cache-Control": "no-store"})


async def contract_pdf(request: Request) -> Response:
    """Send a contract PDF as an attachment: the signed file once signed, otherwise the draft."""
    raw_id = request.path_params["contract_id"]
    if not raw_id.isdigit() or len(raw_id) > MAX_ID_DIGITS:
        return _not_found()
    token = token_from_cookie_header(request.headers.get("cookie"))
    principal = await asyncio.to_thread(resolve_session, token) if token else None
    if principal is None:
        return _not_found()
    client_ip = request.client.host if request.client else ""
    try:
        filename, data = await asyncio.to_thread(read_contract_pdf, principal, int(raw_id), client_ip=client_ip)
    except NotFoundError:
        logger.info("Contract %s not found for user %s (%s)", raw_id, principal.user_id, principal.role)
        return _not_found()
    except ContractIntegrityError:
        return JSONResponse({"error": "file_damaged"}, status_code=500, headers={"Cache-Control": "no-store"})
    headers = {
        # File names are ASCII (application number and version), so no RFC 5987 encoding is needed.
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type="application/pdf", headers=headers)


CONTRACT_ROUTES = [
    Route(CONTRACT_PDF_PATH, contract_pdf, methods=["GET"]),
]
