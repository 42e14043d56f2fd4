"""The Stripe webhook endpoint and payment file downloads.

``POST /api/stripe/webhook`` is public because Stripe calls it without a
session. It trusts a request only after checking the Stripe-Signature header
against the raw body with the endpoint secret (bad, missing or stale: 400).
Responses: 200 when the event was applied, ignored or is a duplicate. 503
when the event names a payment this database does not know yet (deferred), so
Stripe redelivers it. 500 when the database failed, so Stripe retries too.

``GET /api/payments/{reference}/receipt.pdf`` returns the receipt of a
succeeded payment to its borrower or finance staff, and 404 to anyone else.
``GET /api/payments/{reference}/transfer-receipt`` returns the uploaded bank
transfer receipt to finance staff.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lendapp.api.auth import requires_permission
from lendapp.domain.permissions import Permission
from lendapp.i18n.catalog import normalize_locale
from lendapp.integrations.stripe_gateway import WebhookSignatureError, verify_webhook
from lendapp.services.auth_errors import NotFoundError, PermissionDeniedError
from lendapp.services.payments_events import handle_stripe_event
from lendapp.services.payments_receipts import receipt_pdf
from lendapp.services.payments_transfers import read_transfer_receipt
from lendapp.services.session_cookie import token_from_cookie_header
from lendapp.services.sessions import resolve_session

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/stripe/webhook"
# Checkout events are a few kilobytes; a much larger body is not from Stripe.
MAX_BODY_BYTES = 256 * 1024


async def stripe_webhook(request: Request) -> JSONResponse:
    """Verify a Stripe event on the raw body and apply it off the event loop."""
    payload = await request.body()
    if len(payload) > MAX_BODY_BYTES:
        return JSONResponse({"error": "payload_too_large"}, status_code=413)
    try:
        event = verify_webhook(payload, request.headers.get("stripe-signature"))
    except WebhookSignatureError as exc:
        logger.warning("Rejected a Stripe webhook from %s: %s", request.client.host if request.client else "?", exc)
        return JSONResponse({"error": "invalid_signature"}, status_code=400)
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        return JSONResponse({"error": "invalid_event"}, status_code=400)
    try:
        result = await asyncio.to_thread(handle_stripe_event, event)
    except Exception:
        # Nothing was committed; a 500 makes Stripe deliver the event again later.
        logger.exception("Processing Stripe event %s (%s) failed", event.get("id"), event.get("type"))
        return JSONResponse({"error": "processing_failed"}, status_code=500)
    status = 503 if result.outcome == "deferred" else 200
    return JSONResponse({"event": result.event_id, "outcome": result.outcome}, status_code=status)


def _private_file(data: bytes, content_type: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=content_type, headers=headers)


async def payment_receipt(request: Request) -> Response:
    """Return the PDF receipt of a succeeded payment to its borrower or finance staff, in the caller's language.

    Like the contract download, any other caller (no session included) gets 404,
    so the route does not reveal which references exist.
    """
    reference = request.path_params["reference"][:32]
    token = token_from_cookie_header(request.headers.get("cookie"))
    principal = await asyncio.to_thread(resolve_session, token) if token else None
    if principal is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    locale = normalize_locale(request.cookies.get("lendapp_locale"))
    try:
        data = await asyncio.to_thread(receipt_pdf, principal, reference, locale)
    except (NotFoundError, PermissionDeniedError):
        return JSONResponse({"error": "not_found"}, status_code=404)
    return _private_file(data, "application/pdf", f"{reference}.pdf")


@requires_permission(Permission.TRANSFER_CONFIRM)
async def transfer_receipt(request: Request) -> Response:
    """Return a borrower's uploaded bank transfer receipt to finance; each read is audited."""
    reference = request.path_params["reference"][:32]
    client_ip = request.client.host if request.client else ""
    try:
        content_type, data = await asyncio.to_thread(read_transfer_receipt, request.state.principal, reference, client_ip=client_ip)
    except NotFoundError:
        return JSONResponse({"error": "not_found"}, status_code=404)
    return _private_file(data, content_type, f"{reference}-receipt")


PAYMENT_ROUTES = [
    Route(WEBHOOK_PATH, stripe_webhook, methods=["POST"]),
    Route("/api/payments/{reference}/receipt.pdf", payment_receipt, methods=["GET"]),
    Route("/api/payments/{reference}/transfer-receipt", transfer_receipt, methods=["GET"]),
]
