"""Payment allocation through the waterfall, and the credit balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.domain.allocation import DEFAULT_ORDER, Bucket, Dues, Waterfall, allocate
from lendapp.domain.errors import InvalidValueError

DUES = Dues(
    penalty=Decimal("3.00"),
    fees=Decimal("5.00"),
    overdue_interest=Decimal("20.00"),
    overdue_principal=Decimal("100.00"),
    current_interest=Decimal("18.00"),
    current_principal=Decimal("101.00"),
)
cents = st.integers(min_value=0, max_value=1_000_000).map(lambda value: Decimal(value).scaleb(-2))


def test_default_waterfall_order() -> None:
    assert DEFAULT_ORDER == (
        Bucket.PENALTY,
        Bucket.FEES,
        Bucket.OVERDUE_INTEREST,
        Bucket.OVERDUE_PRINCIPAL,
        Bucket.CURRENT_INTEREST,
        Bucket.CURRENT_PRINCIPAL,
    )


def test_allocate_partial_payment_in_order() -> None:
    allocation = allocate(Decimal("50.00"), DUES)
    assert allocation.applied.penalty == Decimal("3.00")
    assert allocation.applied.fees == Decimal("5.00")
    assert allocation.applied.overdue_interest == Decimal("20.00")
    assert allocation.applied.overdue_principal == Decimal("22.00")
    assert allocation.applied.current_interest == 0
    assert allocation.credit_after == 0


def test_allocate_overpayment_becomes_credit() -> None:
    allocation = allocate(Decimal("300.00"), DUES)
    assert allocation.applied == DUES
    assert allocation.credit_after == Decimal("53.00")
    assert allocation.credit_change == Decimal("53.00")
    assert allocation.applied.interest == Decimal("38.00")


def test_allocate_uses_credit_first_time() -> None:
    allocation = allocate(Decimal("0"), DUES, credit_balance=Decimal("30.00"))
    assert allocation.applied.total == Decimal("30.00")
    assert allocation.credit_after == 0
    assert allocation.credit_change == Decimal("-30.00")


def test_allocate_custom_waterfall() -> None:
    order = (
        Bucket.OVERDUE_PRINCIPAL,
        Bucket.OVERDUE_INTEREST,
        Bucket.CURRENT_PRINCIPAL,
        Bucket.CURRENT_INTEREST,
        Bucket.FEES,
        Bucket.PENALTY,
    )
    allocation = allocate(Decimal("110.00"), DUES, Waterfall(order))
    assert allocation.applied.overdue_principal == Decimal("100.00")
    assert allocation.applied.overdue_interest == Decimal("10.00")
    assert allocation.applied.penalty == 0


def test_waterfall_rejects_missing_bucket() -> None:
    with pytest.raises(InvalidValueError) as raised:
        Waterfall((Bucket.PENALTY, Bucket.FEES))
    assert raised.value.field == "order"
    with pytest.raises(InvalidValueError):
        Waterfall(DEFAULT_ORDER + (Bucket.FEES,))


def test_allocate_rejects_negative_amount() -> None:
    with pytest.raises(InvalidValueError):
        allocate(Decimal("-1.00"), DUES)
    with pytest.raises(InvalidValueError):
        allocate(Decimal("1.00"), DUES, credit_balance=Decimal("-1"))
    with pytest.raises(InvalidValueError):
        Dues(fees=Decimal("-1"))


@settings(max_examples=200, deadline=None)
@given(
    amount=cents,
    credit=cents,
    buckets=st.lists(cents, min_size=6, max_size=6),
    order=st.permutations(list(Bucket)),
)
def test_allocation_conserves_money(amount: Decimal, credit: Decimal, buckets: list[Decimal], order: list[Bucket]) -> None:
    dues = Dues(*buckets)
    allocation = allocate(amount, dues, Waterfall(tuple(order)), credit)
    assert amount + credit == allocation.applied.total + allocation.credit_after
    assert allocation.credit_after >= 0
    for bucket in Bucket:
        assert 0 <= allocation.applied.amount(bucket) <= dues.amount(bucket)
    if allocation.credit_after > 0:
        assert allocation.applied == dues
