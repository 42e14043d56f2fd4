"""Stripe Checkout behind a small interface, on the official ``stripe`` SDK (16.1.0).

Every call goes through one ``StripeClient`` built from the settings, so
``STRIPE_API_BASE`` can point the SDK at a local Stripe-compatible server in
tests. Amounts cross this boundary as integer minor units (fen for CNY);
callers convert with ``lendapp.domain.money.to_minor_units``, the one
conversion used for every payment.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import stripe

from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

PAYMENT_METHOD_TYPES = ("card", "alipay", "wechat_pay")
# Stripe's default tolerance: a signature older than five minutes is rejected as a possible replay.
WEBHOOK_TOLERANCE_SECONDS = 300


class GatewayError(RuntimeError):
    """Stripe could not be reached or rejected a request."""


class WebhookSignatureError(ValueError):
    """A webhook body does not carry a valid, fresh signature of the configured secret."""


@dataclasses.dataclass(frozen=True)
class CheckoutSession:
    """The fields of a Stripe Checkout Session that payments use.

    Attributes:
        status: open, complete or expired.
        payment_status: paid, unpaid or no_payment_required.
        payment_intent_status: The PaymentIntent's status when Stripe expanded it, else "".
    """

    id: str
    url: str | None
    status: str
    payment_status: str
    amount_total: int | None
    currency: str
    client_reference_id: str | None
    payment_intent: str | None
    payment_intent_status: str
    metadata: dict[str, str]


def _client() -> stripe.StripeClient:
    settings = get_settings()
    if settings.stripe_secret_key is None:
        raise GatewayError("Stripe is not configured: set STRIPE_SECRET_KEY or use bank transfer")
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    # Retries reuse the request's Idempotency-Key, so a retried create never makes a second session.
    return stripe.StripeClient(settings.stripe_secret_key.get_secret_value(), base_addresses=base, max_network_retries=2)


def _session_of(obj: stripe.StripeObject) -> CheckoutSession:
    # stripe 16 objects are not dicts; a plain dict keeps the parsing below simple.
    raw = obj.to_dict()
    intent = raw.get("payment_intent")
    intent_id, intent_status = (intent, "") if isinstance(intent, str) or intent is None else (intent.get("id"), intent.get("status") or "")
    return CheckoutSession(
        id=raw["id"],
        url=raw.get("url"),
        status=raw.get("status") or "",
        payment_status=raw.get("payment_status") or "",
        amount_total=raw.get("amount_total"),
        currency=(raw.get("currency") or "").upper(),
        client_reference_id=raw.get("client_reference_id"),
        payment_intent=intent_id,
        payment_intent_status=intent_status,
        metadata=dict(raw.get("metadata") or {}),
    )


def create_checkout_session(
    *, reference: str, loan_number: str, amount_minor: int, currency: str, description: str, idempotency_key: str
) -> CheckoutSession:
    """Create a Checkout Session (mode payment) for one repayment.

    The Idempotency-Key makes a repeated call (a double click, a retry after a
    timeout) return the first session instead of creating another. Stripe
    rejects a reused key whose parameters differ, so every parameter comes from
    the arguments. For that reason no ``expires_at`` is sent, and the session
    keeps Stripe's default lifetime of 24 hours.

    Raises:
        GatewayError: Stripe is not configured, unreachable or rejected the request.
    """
    public_url = get_settings().public_url.rstrip("/")
    metadata = {"payment_reference": reference, "loan_number": loan_number}
    params: dict[str, Any] = {
        "mode": "payment",
        "payment_method_types": list(PAYMENT_METHOD_TYPES),
        "payment_method_options": {"wechat_pay": {"client": "web"}},
        "line_items": [{
            "quantity": 1,
            "price_data": {"currency": currency.lower(), "unit_amount": amount_minor, "product_data": {"name": description}},
        }],
        "client_reference_id": reference,
        "metadata": metadata,
        # The PaymentIntent carries the reference too, so its events find the payment before the session's do.
        "payment_intent_data": {"metadata": metadata},
        "success_url": f"{public_url}/payments/{reference}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{public_url}/payments/{reference}?cancelled=1",
    }
    try:
        raw = _client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        logger.error("Creating a Checkout Session for payment %s failed: %s", reference, exc)
        raise GatewayError(f"Stripe rejected the Checkout Session for {reference}: {exc}") from exc
    logger.info("Created Checkout Session %s for payment %s", raw["id"], reference)
    return _session_of(raw)


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    """Read a Checkout Session from Stripe with its PaymentIntent expanded.

    Raises:
        GatewayError: Stripe is not configured, unreachable or does not know the session.
    """
    try:
        raw = _client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]})
    except stripe.StripeError as exc:
        logger.error("Reading Checkout Session %s failed: %s", session_id, exc)
        raise GatewayError(f"reading Checkout Session {session_id} failed: {exc}") from exc
    return _session_of(raw)


def create_refund(*, payment_intent: str, amount_minor: int, idempotency_key: str) -> str:
    """Refund part or all of a PaymentIntent; return the refund's id.

    Raises:
        GatewayError: Stripe is not configured, unreachable or rejected the refund.
    """
    params = {"payment_intent": payment_intent, "amount": amount_minor}
    try:
        raw = _client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        logger.error("Refunding %s on %s failed: %s", amount_minor, payment_intent, exc)
        raise GatewayError(f"Stripe rejected the refund on {payment_intent}: {exc}") from exc
    logger.info("Created refund %s of %s minor units on %s", raw["id"], amount_minor, payment_intent)
    return raw["id"]


def verify_webhook(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature header against the raw body and return the event as a dict.

    The signature is an HMAC-SHA256 of ``"{timestamp}.{body}"`` with the
    endpoint secret; a timestamp older than ``WEBHOOK_TOLERANCE_SECONDS`` is rejected.

    Raises:
        WebhookSignatureError: No secret is configured, or the header is missing,
            malformed, signed with another secret, stale, or the body is not JSON.
    """
    secret = get_settings().stripe_webhook_secret
    if secret is None:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set, so no webhook can be verified")
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret.get_secret_value(), tolerance=WEBHOOK_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureError(f"invalid Stripe signature: {exc.user_message or exc}") from exc
    except ValueError as exc:
        raise WebhookSignatureError(f"the webhook body is not valid JSON: {exc}") from exc
    # The signature covers these exact bytes, so parsing them again yields the verified event.
    return json.loads(payload)
