"""Journal entries, balances derived from them, invariants, and a payoff settling a loan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.domain.allocation import allocate
from lendapp.domain.errors import IdempotencyConflictError, InvalidValueError, UnbalancedEntryError
from lendapp.domain.fees import FeeTerms, FeeTiming, penalty_interest
from lendapp.domain.ledger import (
    Account,
    EntryKind,
    JournalEntry,
    JournalLine,
    account_balances,
    append_entry,
    check_invariants,
    credit,
    debit,
    loan_balances,
)
from lendapp.domain.payoff import payoff_quote
from lendapp.domain.position import PaidToDate, dues_on, overdue_installments
from lendapp.domain.postings import (
    disbursement_entry,
    fee_charge_entry,
    interest_accrual_entry,
    penalty_charge_entry,
    refund_entry,
    repayment_entry,
    write_off_entry,
)
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod

from .strategies import monthly_terms

LOAN = "loan-1"
ON = date(2026, 1, 15)


def _schedule(fees: FeeTerms | None = None) -> Schedule:
    terms = LoanTerms(Decimal("10000.00"), Decimal("0.24"), RepaymentMethod.EQUAL_INSTALLMENT, ON, months=12)
    return build_schedule(terms, fees or FeeTerms())


def test_journal_line_one_side_only() -> None:
    with pytest.raises(UnbalancedEntryError):
        JournalLine(Account.CASH_CLEARING, Decimal("1"), Decimal("1"))
    with pytest.raises(UnbalancedEntryError):
        JournalLine(Account.CASH_CLEARING)
    with pytest.raises(UnbalancedEntryError):
        JournalLine(Account.CASH_CLEARING, Decimal("-1"))


def test_unbalanced_entry_rejected() -> None:
    lines = (debit(Account.CASH_CLEARING, Decimal("10.00")), credit(Account.FEE_INCOME, Decimal("9.99")))
    with pytest.raises(UnbalancedEntryError) as raised:
        JournalEntry("k1", LOAN, EntryKind.FEE_CHARGE, ON, "CNY", lines)
    assert "debits 10.00 differ from credits 9.99" in str(raised.value)


def test_entry_rejects_sub_cent_and_empty_key() -> None:
    lines = (debit(Account.CASH_CLEARING, Decimal("0.001")), credit(Account.FEE_INCOME, Decimal("0.001")))
    with pytest.raises(UnbalancedEntryError):
        JournalEntry("k1", LOAN, EntryKind.FEE_CHARGE, ON, "CNY", lines)
    good = (debit(Account.CASH_CLEARING, Decimal("1.00")), credit(Account.FEE_INCOME, Decimal("1.00")))
    with pytest.raises(UnbalancedEntryError):
        JournalEntry(" ", LOAN, EntryKind.FEE_CHARGE, ON, "CNY", good)
    with pytest.raises(UnbalancedEntryError):
        JournalEntry("k1", LOAN, EntryKind.FEE_CHARGE, ON, "CNY", good[:1])


def test_disbursement_deducted_fee() -> None:
    entry = disbursement_entry(f"{LOAN}:disbursement", LOAN, _schedule(FeeTerms(upfront_fee=Decimal("300.00"))))
    balances = account_balances([entry])
    assert balances[Account.LOAN_PRINCIPAL_RECEIVABLE] == Decimal("10000.00")
    assert balances[Account.CASH_CLEARING] == Decimal("-9700.00")
    assert balances[Account.FEE_INCOME] == Decimal("300.00")


def test_disbursement_financed_fee() -> None:
    fees = FeeTerms(upfront_fee=Decimal("300.00"), upfront_fee_timing=FeeTiming.FINANCED)
    entry = disbursement_entry(f"{LOAN}:disbursement", LOAN, _schedule(fees))
    balances = account_balances([entry])
    assert balances[Account.LOAN_PRINCIPAL_RECEIVABLE] == Decimal("10300.00")
    assert balances[Account.CASH_CLEARING] == Decimal("-10000.00")


def test_append_entry_idempotent() -> None:
    journal: list[JournalEntry] = []
    entry = interest_accrual_entry("accrual-1", LOAN, ON, Decimal("12.00"))
    assert append_entry(journal, entry)
    assert not append_entry(journal, entry)
    assert len(journal) == 1
    with pytest.raises(IdempotencyConflictError) as raised:
        append_entry(journal, interest_accrual_entry("accrual-1", LOAN, ON, Decimal("13.00")))
    assert "accrual-1" in str(raised.value)


def test_overpayment_refund_cycle() -> None:
    schedule = _schedule()
    journal = [disbursement_entry("d", LOAN, schedule)]
    row = schedule.rows[0]
    journal.append(interest_accrual_entry("i1", LOAN, row.due_date, row.interest))
    allocation = allocate(row.payment + Decimal("50.00"), dues_on(schedule, row.due_date))
    journal.append(repayment_entry("r1", LOAN, row.due_date, allocation))
    assert loan_balances(journal, LOAN).credit == Decimal("50.00")
    assert account_balances(journal)[Account.INTEREST_INCOME] == row.interest

    journal.append(refund_entry("refund-1", LOAN, row.due_date, Decimal("50.00")))
    balances = loan_balances(journal, LOAN)
    assert balances.credit == 0
    assert balances.principal == row.closing_balance
    assert check_invariants(journal) == []


def test_credit_pays_next_installment() -> None:
    schedule = _schedule()
    first, second = schedule.rows[0], schedule.rows[1]
    journal = [disbursement_entry("d", LOAN, schedule), interest_accrual_entry("i1", LOAN, first.due_date, first.interest)]
    paid_early = allocate(first.payment + second.payment, dues_on(schedule, first.due_date))
    journal.append(repayment_entry("r1", LOAN, first.due_date, paid_early))
    assert paid_early.credit_after == second.payment

    journal.append(interest_accrual_entry("i2", LOAN, second.due_date, second.interest))
    paid = PaidToDate(first.principal, first.interest)
    applied = allocate(Decimal(0), dues_on(schedule, second.due_date, paid), credit_balance=paid_early.credit_after)
    journal.append(repayment_entry("credit-2", LOAN, second.due_date, applied))
    balances = loan_balances(journal, LOAN)
    assert balances.credit == 0
    assert balances.interest == 0
    assert balances.principal == second.closing_balance
    assert check_invariants(journal) == []


def test_write_off_clears_receivables() -> None:
    schedule = _schedule()
    journal = [disbursement_entry("d", LOAN, schedule)]
    journal.append(interest_accrual_entry("i1", LOAN, schedule.rows[0].due_date, schedule.rows[0].interest))
    journal.append(penalty_charge_entry("p1", LOAN, date(2026, 3, 1), Decimal("7.50")))
    journal.append(fee_charge_entry("f1", LOAN, date(2026, 3, 1), Decimal("20.00")))
    before = loan_balances(journal, LOAN)
    journal.append(write_off_entry("w1", LOAN, date(2026, 6, 1), before))
    assert loan_balances(journal, LOAN).is_zero
    assert account_balances(journal)[Account.WRITE_OFF_EXPENSE] == before.total_receivable
    assert check_invariants(journal) == []


def test_write_off_requires_no_credit() -> None:
    schedule = _schedule()
    journal = [disbursement_entry("d", LOAN, schedule)]
    journal.append(repayment_entry("r", LOAN, ON, allocate(Decimal("5.00"), dues_on(schedule, ON))))
    with pytest.raises(InvalidValueError) as raised:
        write_off_entry("w", LOAN, ON, loan_balances(journal, LOAN))
    assert raised.value.field == "credit"


def test_posting_rejects_zero_amount() -> None:
    with pytest.raises(InvalidValueError):
        interest_accrual_entry("i", LOAN, ON, Decimal("0"))
    with pytest.raises(InvalidValueError):
        refund_entry("r", LOAN, ON, Decimal("-1.00"))


def test_check_invariants_finds_problems() -> None:
    schedule = _schedule()
    journal = [disbursement_entry("d", LOAN, schedule)]
    journal.append(refund_entry("refund", LOAN, ON, Decimal("10.00")))
    journal.append(fee_charge_entry("d", "loan-2", ON, Decimal("1.00"), currency="USD"))
    journal.append(fee_charge_entry("usd", LOAN, ON, Decimal("1.00"), currency="USD"))
    problems = check_invariants(journal)
    assert any("borrower_credit_balance is negative" in problem for problem in problems)
    assert any("idempotency_key d is used more than once" in problem for problem in problems)
    assert any("mixes CNY and USD" in problem for problem in problems)


def test_check_invariants_detects_tampered_entry() -> None:
    entry = fee_charge_entry("f", LOAN, ON, Decimal("1.00"))
    # Simulate a row altered in storage after it was posted.
    object.__setattr__(entry, "lines", (debit(Account.FEE_RECEIVABLE, Decimal("1.00")), credit(Account.FEE_INCOME, Decimal("2.00"))))
    problems = check_invariants([entry])
    assert any("differ" in problem for problem in problems)


def _pay_installments(schedule: Schedule, count: int, journal: list[JournalEntry]) -> PaidToDate:
    """Post accrual, fee and a repayment on each of the first ``count`` due dates."""
    paid = PaidToDate()
    for row in schedule.rows[:count]:
        if row.interest:
            journal.append(interest_accrual_entry(f"interest-{row.number}", LOAN, row.due_date, row.interest))
        if row.fee:
            journal.append(fee_charge_entry(f"fee-{row.number}", LOAN, row.due_date, row.fee))
        if not row.payment:
            continue  # An interest-only row of a zero-rate loan requests no payment.
        allocation = allocate(row.payment, dues_on(schedule, row.due_date, paid))
        journal.append(repayment_entry(f"repayment-{row.number}", LOAN, row.due_date, allocation))
        applied = allocation.applied
        paid = PaidToDate(paid.principal + applied.principal, paid.interest + applied.interest, paid.fees + applied.fees)
    return paid


@settings(max_examples=60, deadline=None)
@given(
    terms=monthly_terms(max_months=48),
    installment_fee=st.sampled_from([Decimal("0.00"), Decimal("3.50")]),
    prepayment_fee_rate=st.sampled_from([Decimal(0), Decimal("0.02")]),
    penalty_daily_rate=st.sampled_from([Decimal(0), Decimal("0.0005")]),
    paid_fraction=st.floats(min_value=0, max_value=1),
    days_after=st.integers(min_value=0, max_value=120),
)
def test_payoff_leaves_ledger_at_zero(
    terms: LoanTerms,
    installment_fee: Decimal,
    prepayment_fee_rate: Decimal,
    penalty_daily_rate: Decimal,
    paid_fraction: float,
    days_after: int,
) -> None:
    fees = FeeTerms(
        upfront_fee=Decimal("10.00"),
        installment_fee=installment_fee,
        prepayment_fee_rate=prepayment_fee_rate,
        penalty_daily_rate=penalty_daily_rate,
        grace_days=3,
    )
    schedule = build_schedule(terms, fees)
    journal = [disbursement_entry("disbursement", LOAN, schedule)]
    paid_count = int(paid_fraction * len(schedule.rows))
    paid = _pay_installments(schedule, paid_count, journal)
    last_paid = schedule.rows[paid_count - 1].due_date if paid_count else schedule.start_date
    on = last_paid + timedelta(days=days_after)

    # Post what the loan has earned by the payoff date, as the daily jobs would.
    penalty = sum(
        (penalty_interest(b.principal, b.row.due_date, on, fees) for b in overdue_installments(schedule, on, paid)),
        Decimal(0),
    )
    quote = payoff_quote(schedule, on, paid, penalty_due=penalty)
    for row in schedule.rows[paid_count:]:
        if row.due_date <= on and row.interest:
            journal.append(interest_accrual_entry(f"interest-{row.number}", LOAN, row.due_date, row.interest))
        if row.due_date <= on and row.fee:
            journal.append(fee_charge_entry(f"fee-{row.number}", LOAN, row.due_date, row.fee))
    if quote.accrued_interest:
        journal.append(interest_accrual_entry("interest-payoff", LOAN, on, quote.accrued_interest))
    if quote.prepayment_fee:
        journal.append(fee_charge_entry("prepayment-fee", LOAN, on, quote.prepayment_fee))
    if penalty:
        journal.append(penalty_charge_entry("penalty", LOAN, on, penalty))

    before = loan_balances(journal, LOAN)
    assert before.total_receivable == quote.total
    allocation = allocate(quote.total, quote.as_dues())
    assert allocation.credit_after == 0
    # A loan whose every installment is paid has nothing left to pay off.
    if quote.total:
        journal.append(repayment_entry("payoff", LOAN, on, allocation))

    after = loan_balances(journal, LOAN)
    assert after.principal == 0
    assert after.interest == 0
    assert after.fees == 0
    assert after.penalty == 0
    assert after.credit == 0
    assert check_invariants(journal) == []
