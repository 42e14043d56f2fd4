"""Journal entries for each loan event.

Each function builds one balanced entry and leaves out lines of zero amount.
The caller supplies the idempotency key, which should name the event that
caused the posting (a payment id, or the loan id, job name and date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lendapp.domain.allocation import Allocation
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.ledger import Account, EntryKind, JournalEntry, JournalLine, LoanBalances, credit, debit
from lendapp.domain.schedule import Schedule


def _entry(
    key: str, loan_id: str, kind: EntryKind, on: date, currency: str, lines: list[JournalLine | None], memo: str
) -> JournalEntry:
    nonzero_lines = tuple(line for line in lines if line is not None)
    return JournalEntry(key, loan_id, kind, on, currency, nonzero_lines, memo)


def _debit(account: Account, amount: Decimal) -> JournalLine | None:
    return debit(account, amount) if amount else None


def _credit(account: Account, amount: Decimal) -> JournalLine | None:
    return credit(account, amount) if amount else None


def _check_positive(field: str, amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise InvalidValueError(field, amount, "a Decimal above 0")


def disbursement_entry(key: str, loan_id: str, schedule: Schedule, memo: str = "") -> JournalEntry:
    """Post a disbursement: the principal becomes receivable and the upfront_fee is income.

    The bank pays out the principal less a deducted upfront_fee. A financed
    upfront_fee is already inside the schedule's principal.

    NOTE: the whole upfront_fee is recognized as fee_income at disbursement.
    Spreading it over the term (the effective interest method) is not implemented.
    """
    fee = schedule.fees.upfront_fee
    lines = [
        _debit(Account.LOAN_PRINCIPAL_RECEIVABLE, schedule.principal),
        _credit(Account.CASH_CLEARING, schedule.amount_received),
        _credit(Account.FEE_INCOME, fee),
    ]
    return _entry(key, loan_id, EntryKind.DISBURSEMENT, schedule.start_date, schedule.currency, lines, memo)


def interest_accrual_entry(
    key: str, loan_id: str, on: date, amount: Decimal, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post interest that has accrued: it becomes receivable and earned."""
    _check_positive("amount", amount)
    lines = [_debit(Account.INTEREST_RECEIVABLE, amount), _credit(Account.INTEREST_INCOME, amount)]
    return _entry(key, loan_id, EntryKind.INTEREST_ACCRUAL, on, currency, lines, memo)


def fee_charge_entry(
    key: str, loan_id: str, on: date, amount: Decimal, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post a fee charged to the borrower (installment fee, late fee, prepayment fee)."""
    _check_positive("amount", amount)
    lines = [_debit(Account.FEE_RECEIVABLE, amount), _credit(Account.FEE_INCOME, amount)]
    return _entry(key, loan_id, EntryKind.FEE_CHARGE, on, currency, lines, memo)


def penalty_charge_entry(
    key: str, loan_id: str, on: date, amount: Decimal, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post penalty_interest charged on overdue principal."""
    _check_positive("amount", amount)
    lines = [_debit(Account.PENALTY_RECEIVABLE, amount), _credit(Account.PENALTY_INCOME, amount)]
    return _entry(key, loan_id, EntryKind.PENALTY_CHARGE, on, currency, lines, memo)


def repayment_entry(
    key: str, loan_id: str, on: date, allocation: Allocation, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post a repayment as allocated by the waterfall.

    Cash received and credit balance used are debited. The receivables paid
    are credited, and an overpayment is credited to the borrower's credit
    balance. A zero ``allocation.amount`` posts an application of existing credit.
    """
    applied = allocation.applied
    change = allocation.credit_change
    lines = [
        _debit(Account.CASH_CLEARING, allocation.amount),
        _debit(Account.BORROWER_CREDIT_BALANCE, -change if change < 0 else Decimal(0)),
        _credit(Account.PENALTY_RECEIVABLE, applied.penalty),
        _credit(Account.FEE_RECEIVABLE, applied.fees),
        _credit(Account.INTEREST_RECEIVABLE, applied.interest),
        _credit(Account.LOAN_PRINCIPAL_RECEIVABLE, applied.principal),
        _credit(Account.BORROWER_CREDIT_BALANCE, change if change > 0 else Decimal(0)),
    ]
    return _entry(key, loan_id, EntryKind.REPAYMENT, on, currency, lines, memo)


def refund_entry(
    key: str, loan_id: str, on: date, amount: Decimal, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post a refund of the borrower's credit balance to the borrower's bank account."""
    _check_positive("amount", amount)
    lines = [_debit(Account.BORROWER_CREDIT_BALANCE, amount), _credit(Account.CASH_CLEARING, amount)]
    return _entry(key, loan_id, EntryKind.REFUND, on, currency, lines, memo)


def write_off_entry(
    key: str, loan_id: str, on: date, balances: LoanBalances, currency: str = "CNY", memo: str = ""
) -> JournalEntry:
    """Post a write-off of every receivable in ``balances`` to write_off_expense.

    Raises:
        InvalidValueError: Nothing is receivable, or the borrower has a credit
            balance that must be applied or refunded first.
    """
    if balances.credit:
        raise InvalidValueError("credit", balances.credit, "0; apply or refund the credit balance before a write-off")
    _check_positive("total receivable", balances.total_receivable)
    lines = [
        _debit(Account.WRITE_OFF_EXPENSE, balances.total_receivable),
        _credit(Account.LOAN_PRINCIPAL_RECEIVABLE, balances.principal),
        _credit(Account.INTEREST_RECEIVABLE, balances.interest),
        _credit(Account.FEE_RECEIVABLE, balances.fees),
        _credit(Account.PENALTY_RECEIVABLE, balances.penalty),
    ]
    return _entry(key, loan_id, EntryKind.WRITE_OFF, on, currency, lines, memo)
