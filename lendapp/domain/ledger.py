"""Double-entry journal of loan events, balances derived from it, and invariant checks.

Chart of accounts (normal side in brackets):

* cash_clearing [debit]: the bank clearing account that disbursements leave
  and repayments reach.
* loan_principal_receivable, interest_receivable, fee_receivable,
  penalty_receivable [debit]: what borrowers owe.
* borrower_credit_balance [credit]: overpayments owed back to borrowers.
* interest_income, fee_income, penalty_income [credit].
* write_off_expense [debit].

Entries are immutable values with an idempotency key, so a retried job or a
redelivered payment notification cannot post twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from lendapp.domain.errors import IdempotencyConflictError, UnbalancedEntryError
from lendapp.domain.money import MINOR_UNITS, ZERO, is_exact_amount


class Account(str, Enum):
    """A ledger account of the loan book."""

    CASH_CLEARING = "cash_clearing"
    LOAN_PRINCIPAL_RECEIVABLE = "loan_principal_receivable"
    INTEREST_RECEIVABLE = "interest_receivable"
    FEE_RECEIVABLE = "fee_receivable"
    PENALTY_RECEIVABLE = "penalty_receivable"
    BORROWER_CREDIT_BALANCE = "borrower_credit_balance"
    INTEREST_INCOME = "interest_income"
    FEE_INCOME = "fee_income"
    PENALTY_INCOME = "penalty_income"
    WRITE_OFF_EXPENSE = "write_off_expense"

    @property
    def is_debit_normal(self) -> bool:
        """Whether the account's balance grows with debits (assets and expenses)."""
        return self in DEBIT_NORMAL


DEBIT_NORMAL = frozenset(
    {
        Account.CASH_CLEARING,
        Account.LOAN_PRINCIPAL_RECEIVABLE,
        Account.INTEREST_RECEIVABLE,
        Account.FEE_RECEIVABLE,
        Account.PENALTY_RECEIVABLE,
        Account.WRITE_OFF_EXPENSE,
    }
)

# Accounts of one borrower's loan. check_invariants reports any that goes negative.
LOAN_ACCOUNTS = (
    Account.LOAN_PRINCIPAL_RECEIVABLE,
    Account.INTEREST_RECEIVABLE,
    Account.FEE_RECEIVABLE,
    Account.PENALTY_RECEIVABLE,
    Account.BORROWER_CREDIT_BALANCE,
)


class EntryKind(str, Enum):
    """The loan event a journal entry records."""

    DISBURSEMENT = "disbursement"
    INTEREST_ACCRUAL = "interest_accrual"
    FEE_CHARGE = "fee_charge"
    PENALTY_CHARGE = "penalty_charge"
    REPAYMENT = "repayment"
    REFUND = "refund"
    WRITE_OFF = "write_off"


@dataclass(frozen=True)
class JournalLine:
    """One debit or one credit to an account. Exactly one of the two is positive."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    def __post_init__(self) -> None:
        for side in (self.debit, self.credit):
            if not isinstance(side, Decimal) or not side.is_finite() or side < 0:
                raise UnbalancedEntryError(f"line on {self.account.value}: amount {side} must be a Decimal of 0 or more")
        if (self.debit > 0) == (self.credit > 0):
            raise UnbalancedEntryError(
                f"line on {self.account.value}: exactly one of debit {self.debit} and credit {self.credit} must be positive"
            )

    @property
    def signed_amount(self) -> Decimal:
        """The line's effect on the account's normal balance."""
        change = self.debit - self.credit
        return change if self.account.is_debit_normal else -change


@dataclass(frozen=True)
class JournalEntry:
    """A balanced posting of one loan event.

    Attributes:
        idempotency_key: Unique key of the event, for example
            ``"loan-42:repayment:pay_123"``. ``append_entry`` skips an entry
            whose key and content are already in the journal.
        loan_id: The loan the entry belongs to.
        kind: The loan event.
        posted_on: Accounting date.
        currency: ISO 4217 code of every line.
        lines: Debits and credits; their totals are equal.
        memo: Free text for people reading the journal.
    """

    idempotency_key: str
    loan_id: str
    kind: EntryKind
    posted_on: date
    currency: str
    lines: tuple[JournalLine, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        problem = entry_problem(self)
        if problem:
            raise UnbalancedEntryError(problem)

    @property
    def total(self) -> Decimal:
        """Total of the debits, equal to the total of the credits."""
        return sum((line.debit for line in self.lines), ZERO)


def entry_problem(entry: JournalEntry) -> str | None:
    """Return why ``entry`` is invalid, or None when it is a valid balanced entry."""
    key = entry.idempotency_key
    if not key or not key.strip():
        return "entry has an empty idempotency_key"
    if entry.currency not in MINOR_UNITS:
        return f"entry {key}: unknown currency {entry.currency}"
    if len(entry.lines) < 2:
        return f"entry {key}: needs at least one debit and one credit line"
    debits = sum((line.debit for line in entry.lines), ZERO)
    credits = sum((line.credit for line in entry.lines), ZERO)
    if debits != credits:
        return f"entry {key}: debits {debits} differ from credits {credits}"
    for line in entry.lines:
        if not is_exact_amount(line.debit + line.credit, entry.currency):
            return f"entry {key}: {line.account.value} amount has digits below the {entry.currency} minor unit"
    return None


def debit(account: Account, amount: Decimal) -> JournalLine:
    """Return a debit line."""
    return JournalLine(account, debit=amount)


def credit(account: Account, amount: Decimal) -> JournalLine:
    """Return a credit line."""
    return JournalLine(account, credit=amount)


def append_entry(journal: list[JournalEntry], entry: JournalEntry) -> bool:
    """Append ``entry`` unless an entry with its idempotency key is already in ``journal``.

    Returns:
        True when appended, False when the identical entry was already there.

    Raises:
        IdempotencyConflictError: The key is used by a different entry.
    """
    for existing in journal:
        if existing.idempotency_key == entry.idempotency_key:
            if existing == entry:
                return False
            raise IdempotencyConflictError(
                f"idempotency_key {entry.idempotency_key} is already used by a different entry; use a new key"
            )
    journal.append(entry)
    return True


def account_balances(entries: Iterable[JournalEntry], loan_id: str | None = None) -> dict[Account, Decimal]:
    """Return each account's normal balance over ``entries``, of one loan when ``loan_id`` is given."""
    balances = {account: ZERO for account in Account}
    for entry in entries:
        if loan_id is not None and entry.loan_id != loan_id:
            continue
        for line in entry.lines:
            balances[line.account] += line.signed_amount
    return balances


@dataclass(frozen=True)
class LoanBalances:
    """A loan's balances derived from its journal entries."""

    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    credit: Decimal

    @property
    def total_receivable(self) -> Decimal:
        """Principal, interest, fees and penalty owed by the borrower."""
        return self.principal + self.interest + self.fees + self.penalty

    @property
    def is_zero(self) -> bool:
        """Whether every receivable and the credit balance are zero (a settled loan)."""
        return self.total_receivable == 0 and self.credit == 0


def loan_balances(entries: Iterable[JournalEntry], loan_id: str) -> LoanBalances:
    """Derive one loan's receivable and credit balances from the journal."""
    balances = account_balances(entries, loan_id)
    return LoanBalances(
        principal=balances[Account.LOAN_PRINCIPAL_RECEIVABLE],
        interest=balances[Account.INTEREST_RECEIVABLE],
        fees=balances[Account.FEE_RECEIVABLE],
        penalty=balances[Account.PENALTY_RECEIVABLE],
        credit=balances[Account.BORROWER_CREDIT_BALANCE],
    )


def check_invariants(entries: Sequence[JournalEntry]) -> list[str]:
    """Check the journal and return every violation found, or an empty list.

    Each entry must be balanced and well formed, and each idempotency key
    unique. Each loan must use one currency. Total debits must equal total
    credits. No loan's receivable or credit balance may go negative after any
    entry, taken in journal order.
    """
    problems: list[str] = []
    seen_keys: set[str] = set()
    loan_currency: dict[str, str] = {}
    running: dict[str, dict[Account, Decimal]] = defaultdict(lambda: {account: ZERO for account in LOAN_ACCOUNTS})
    total_debits = total_credits = ZERO
    for entry in entries:
        problem = entry_problem(entry)
        if problem:
            problems.append(problem)
        if entry.idempotency_key in seen_keys:
            problems.append(f"idempotency_key {entry.idempotency_key} is used more than once")
        seen_keys.add(entry.idempotency_key)
        currency = loan_currency.setdefault(entry.loan_id, entry.currency)
        if currency != entry.currency:
            problems.append(f"entry {entry.idempotency_key}: loan {entry.loan_id} mixes {currency} and {entry.currency}")
        balances = running[entry.loan_id]
        for line in entry.lines:
            total_debits += line.debit
            total_credits += line.credit
            if line.account in balances:
                balances[line.account] += line.signed_amount
        for account, balance in balances.items():
            if balance < 0:
                problems.append(
                    f"entry {entry.idempotency_key}: loan {entry.loan_id} {account.value} is negative ({balance})"
                )
    if total_debits != total_credits:
        problems.append(f"journal debits {total_debits} differ from credits {total_credits}")
    return problems
