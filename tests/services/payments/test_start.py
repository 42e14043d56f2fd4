"""Starting repayments: amounts in fen, Checkout Session parameters, double clicks, payoff quotes, bank transfer."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from sqlmodel import func, select

from lendapp.db.engine import session_scope
from lendapp.db.models import Payment
from lendapp.domain.money import from_minor_units, to_minor_units
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.payments import PaymentGatewayError, start_payment
from lendapp.services.sessions import Principal
from tests.services.payments.helpers import PAY_DAY, payment


def _payment_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Payment)).one()


def test_minor_units_exact_in_fen() -> None:
    assert to_minor_units(Decimal("1066.19"), "CNY") == 106619
    assert to_minor_units(Decimal("0.01"), "CNY") == 1
    assert from_minor_units(106619, "CNY") == Decimal("1066.19")
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1066.195"), "CNY")


def test_installment_checkout_session_parameters(loan, stripe_server) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    assert started.provider == "stripe"
    assert started.amount == Decimal("1066.19")
    assert started.checkout_url and started.checkout_url.startswith("https://checkout.stripe.com/")
    [session] = stripe_server.sessions.values()
    assert session["amount_total"] == 106619
    assert session["currency"] == "cny"
    assert session["mode"] == "payment"
    assert session["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert session["payment_method_options"] == {"wechat_pay": {"client": "web"}}
    assert session["client_reference_id"] == started.reference
    assert session["metadata"] == {"payment_reference": started.reference, "loan_number": number}
    assert session["success_url"].endswith(f"/payments/{started.reference}?session_id={session['id']}")
    stored = payment(started.reference)
    assert stored.status == "pending"
    assert stored.provider_session_id == session["id"]
    assert stripe_server.requests[0][2] == stored.idempotency_key


def test_double_click_reuses_open_payment(loan, stripe_server) -> None:
    principal, number, _ = loan
    first = start_payment(principal, number, "installment", on=PAY_DAY)
    second = start_payment(principal, number, "installment", on=PAY_DAY)
    assert second.reference == first.reference
    assert second.reused is True
    assert second.checkout_url == first.checkout_url
    assert _payment_count() == 1
    assert len(stripe_server.sessions) == 1


def test_concurrent_clicks_create_one_payment(loan, stripe_server) -> None:
    principal, number, _ = loan
    results: list[str] = []
    errors: list[BaseException] = []

    def click() -> None:
        try:
            results.append(start_payment(principal, number, "installment", on=PAY_DAY).reference)
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure of a thread
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert _payment_count() == 1
    assert len(stripe_server.sessions) == 1


def test_payoff_stores_quote_with_validity_date(loan, stripe_server) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "payoff", on=PAY_DAY)
    quote = json.loads(payment(started.reference).payoff_quote_json)
    assert quote["on"] == PAY_DAY.isoformat()
    assert Decimal(quote["total"]) == started.amount
    assert started.amount > Decimal("12000.00")
    [session] = stripe_server.sessions.values()
    assert session["amount_total"] == to_minor_units(started.amount, "CNY")


def test_bank_transfer_without_stripe_keys(loan) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    assert started.provider == "bank_transfer"
    assert started.checkout_url is None
    assert started.transfer is not None
    assert started.transfer.reference == started.reference
    assert started.transfer.amount == Decimal("1066.19")
    assert started.transfer.account_number
    assert payment(started.reference).status == "pending"


def test_bank_transfer_beside_stripe(loan, stripe_server) -> None:
    principal, number, _ = loan
    transfer = start_payment(principal, number, "installment", on=PAY_DAY, provider="bank_transfer")
    assert transfer.provider == "bank_transfer"
    assert transfer.checkout_url is None
    assert transfer.transfer is not None
    online = start_payment(principal, number, "installment", on=PAY_DAY)
    assert online.provider == "stripe"
    assert online.checkout_url
    # The two ways are two payments; asking again for either returns the same one.
    assert online.reference != transfer.reference
    assert start_payment(principal, number, "installment", on=PAY_DAY, provider="bank_transfer").reference == transfer.reference
    assert _payment_count() == 2


def test_stripe_rejected_without_keys(loan) -> None:
    principal, number, _ = loan
    for provider in ("stripe", "paypal", ""):
        with pytest.raises(InvalidInputError) as error:
            start_payment(principal, number, "installment", on=PAY_DAY, provider=provider)
        assert error.value.key == "payments.error.provider"
    assert _payment_count() == 0


def test_start_rejects_other_borrower_and_bad_input(loan) -> None:
    principal, number, _ = loan
    stranger = Principal(principal.user_id + 1000, "borrower", 0, "x", False, False)
    with pytest.raises(NotFoundError):
        start_payment(stranger, number, "installment", on=PAY_DAY)
    with pytest.raises(InvalidInputError):
        start_payment(principal, number, "everything", on=PAY_DAY)
    with pytest.raises(InvalidInputError):
        start_payment(principal, number, "overdue", on=PAY_DAY)
    with pytest.raises(PermissionDeniedError):
        start_payment(Principal(principal.user_id, "reviewer", 0, "r", False, True), number, "installment", on=PAY_DAY)
    assert _payment_count() == 0


def test_gateway_failure_keeps_payment_for_retry(loan, stripe_server, monkeypatch) -> None:
    principal, number, _ = loan
    monkeypatch.setenv("STRIPE_SECRET_KEY", "rk_wrong_prefix")
    from lendapp.settings import get_settings

    get_settings.cache_clear()
    with pytest.raises(PaymentGatewayError):
        start_payment(principal, number, "installment", on=PAY_DAY)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_lendapp_local")
    get_settings.cache_clear()
    retried = start_payment(principal, number, "installment", on=PAY_DAY)
    assert retried.reused is True
    assert retried.checkout_url
    assert _payment_count() == 1


def test_expired_session_replaced_on_next_click(loan, stripe_server) -> None:
    principal, number, _ = loan
    first = start_payment(principal, number, "installment", on=PAY_DAY)
    stripe_server.expire(payment(first.reference).provider_session_id)
    # No expiry webhook has arrived yet: the click itself finds the session closed.
    second = start_payment(principal, number, "installment", on=PAY_DAY)
    assert second.reference != first.reference
    assert second.checkout_url
    assert payment(first.reference).status == "expired"
    assert payment(second.reference).status == "pending"
    assert len(stripe_server.sessions) == 2
