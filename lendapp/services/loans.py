"""Loan servicing on the database: booking a disbursed loan, the stored ledger,
positions, repayments and the daily delinquency steps.

The loan engine in lendapp.domain decides every amount; this module only loads
what it needs, calls it and stores the result. Every function takes an open
``Session`` and never commits, so callers put a loan change, its journal
entries and the event that caused them (a payment, a webhook event or a job
run) into one transaction.

Accrual policy: a row's interest and installment fee become receivable when
the row falls due (the daily job) or when a payment reaches the row, whichever
comes first. Both paths post under the same idempotency key per row, so the
amount is booked once. Penalty interest is charged by the daily job, one entry
per loan and day. A payoff books the accrued interest and prepayment fee it
quoted, then closes the loan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import LedgerEntry, LedgerLine, Loan, LoanInstallment
from lendapp.db.types import utc_now
from lendapp.domain.allocation import Allocation, Dues, allocate
from lendapp.domain.errors import IdempotencyConflictError
from lendapp.domain.fees import FeeTerms, FeeTiming, penalty_interest
from lendapp.domain.ledger import Account, JournalEntry, LoanBalances
from lendapp.domain.loan_lifecycle import LoanState
from lendapp.domain.money import ZERO
from lendapp.domain.payoff import PayoffQuote, payoff_quote
from lendapp.domain.position import PaidToDate, RowBalance, dues_from_balances, row_balances
from lendapp.domain.postings import (
    disbursement_entry,
    fee_charge_entry,
    interest_accrual_entry,
    penalty_charge_entry,
    repayment_entry,
)
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import DayCount, LoanTerms, RepaymentMethod

logger = logging.getLogger(__name__)

OPEN_STATES = frozenset({LoanState.ACTIVE.value, LoanState.OVERDUE.value, LoanState.RESTRUCTURED.value})
CLOSED_STATES = frozenset({LoanState.SETTLED.value, LoanState.SETTLED_EARLY.value, LoanState.WRITTEN_OFF.value})


# --- Terms as stored -------------------------------------------------------------------------


def schedule_to_json(schedule: Schedule) -> str:
    """Serialize the terms and fee terms a schedule was built from; ``schedule_from_json`` rebuilds it exactly."""
    terms = dataclasses.asdict(schedule.terms)
    fees = dataclasses.asdict(schedule.fees)
    return json.dumps({"terms": terms, "fees": fees}, default=_json_value, sort_keys=True)


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (RepaymentMethod, DayCount, FeeTiming)):
        return value.value
    raise TypeError(f"cannot serialize {type(value).__name__}")


@functools.lru_cache(maxsize=4096)
def schedule_from_json(text: str) -> Schedule:
    """Rebuild the schedule stored by ``schedule_to_json``.

    Schedules are immutable, so each stored text is rebuilt once per process
    and shared; servicing a loan rebuilds it on every payment otherwise.
    """
    data = json.loads(text)
    raw = data["terms"]
    terms = LoanTerms(
        principal=Decimal(raw["principal"]),
        annual_rate=Decimal(raw["annual_rate"]),
        method=RepaymentMethod(raw["method"]),
        start_date=dt.date.fromisoformat(raw["start_date"]),
        months=raw["months"],
        days=raw["days"],
        daily_rate=Decimal(raw["daily_rate"]) if raw["daily_rate"] is not None else None,
        first_due=dt.date.fromisoformat(raw["first_due"]) if raw["first_due"] else None,
        due_day=raw["due_day"],
        deferred_periods=raw["deferred_periods"],
        day_count=DayCount(raw["day_count"]),
        currency=raw["currency"],
    )
    fee_raw = data["fees"]
    fees = FeeTerms(
        upfront_fee=Decimal(fee_raw["upfront_fee"]),
        upfront_fee_timing=FeeTiming(fee_raw["upfront_fee_timing"]),
        installment_fee=Decimal(fee_raw["installment_fee"]),
        late_fee=Decimal(fee_raw["late_fee"]),
        penalty_daily_rate=Decimal(fee_raw["penalty_daily_rate"]),
        grace_days=fee_raw["grace_days"],
        prepayment_fee_rate=Decimal(fee_raw["prepayment_fee_rate"]),
    )
    return build_schedule(terms, fees)


def loan_schedule(loan: Loan) -> Schedule:
    """Rebuild the loan's current schedule from the terms stored with it."""
    return schedule_from_json(loan.terms_json)


# --- Ledger ----------------------------------------------------------------------------------


def post_entry(session: Session, loan_id: int, entry: JournalEntry) -> bool:
    """Store a balanced journal entry once.

    Returns:
        True when the entry was stored, False when an identical entry with the
        same idempotency key already exists (a retry).

    Raises:
        IdempotencyConflictError: The key is already used by an entry with other lines.
    """
    existing = session.exec(select(LedgerEntry).where(LedgerEntry.idempotency_key == entry.idempotency_key)).first()
    wanted = sorted((line.account.value, line.debit, line.credit) for line in entry.lines)
    if existing is not None:
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == existing.id)).all()
        stored = sorted((line.account, line.debit, line.credit) for line in lines)
        if stored != wanted or existing.loan_id != loan_id:
            raise IdempotencyConflictError(f"idempotency_key {entry.idempotency_key} is already used by a different entry")
        return False
    row = LedgerEntry(
        idempotency_key=entry.idempotency_key,
        loan_id=loan_id,
        kind=entry.kind.value,
        posted_on=entry.posted_on,
        currency=entry.currency,
        memo=entry.memo[:256],
    )
    session.add(row)
    session.flush()
    for account, debit, credit in wanted:
        session.add(LedgerLine(entry_id=row.id, loan_id=loan_id, account=account, debit=debit, credit=credit))
    session.flush()
    return True


def account_totals(session: Session, loan_id: int | None = None) -> dict[Account, Decimal]:
    """Sum each account's normal balance in the database, for one loan or the whole book."""
    query = sa.select(LedgerLine.account, sa.func.sum(LedgerLine.debit), sa.func.sum(LedgerLine.credit)).group_by(
        LedgerLine.account
    )
    if loan_id is not None:
        query = query.where(LedgerLine.loan_id == loan_id)
    totals = {account: ZERO for account in Account}
    for name, debits, credits in session.execute(query):
        account = Account(name)
        change = Decimal(str(debits or 0)) - Decimal(str(credits or 0))
        totals[account] = change if account.is_debit_normal else -change
    return {account: amount.quantize(Decimal("0.01")) for account, amount in totals.items()}


def balances_of(session: Session, loan_id: int) -> LoanBalances:
    """Return the loan's receivable and credit balances from the stored ledger."""
    totals = account_totals(session, loan_id)
    return LoanBalances(
        principal=totals[Account.LOAN_PRINCIPAL_RECEIVABLE],
        interest=totals[Account.INTEREST_RECEIVABLE],
        fees=totals[Account.FEE_RECEIVABLE],
        penalty=totals[Account.PENALTY_RECEIVABLE],
        credit=totals[Account.BORROWER_CREDIT_BALANCE],
    )


def ledger_is_balanced(session: Session) -> bool:
    """Check that total debits equal total credits over the whole stored ledger."""
    debits, credits = session.execute(sa.select(sa.func.sum(LedgerLine.debit), sa.func.sum(LedgerLine.credit))).one()
    return Decimal(str(debits or 0)) == Decimal(str(credits or 0))


# --- Booking ---------------------------------------------------------------------------------


def book_loan(
    session: Session,
    *,
    application_id: int,
    borrower_id: int,
    product_code: str,
    product_version: int | None,
    segment: str,
    schedule: Schedule,
    apr: Decimal | None,
    now: dt.datetime | None = None,
) -> Loan:
    """Create the loan, store its installments and post the disbursement entry.

    The schedule is fixed here: later product changes never touch it.
    """
    now = now or utc_now()
    terms = schedule.terms
    loan = Loan(
        number="tmp-" + now.strftime("%H%M%S%f") + str(application_id),
        application_id=application_id,
        borrower_id=borrower_id,
        product_code=product_code,
        product_version=product_version,
        segment=segment,
        currency=terms.currency,
        principal=schedule.principal,
        annual_rate=terms.annual_rate,
        method=terms.method.value,
        term=terms.months or terms.days or 0,
        apr=apr,
        terms_json=schedule_to_json(schedule),
        start_date=schedule.start_date,
        maturity_date=schedule.maturity_date,
        state=LoanState.ACTIVE.value,
        disbursed_at=now,
    )
    session.add(loan)
    session.flush()
    loan.number = f"LN-{now:%Y%m%d}-{loan.id:06d}"
    _store_rows(session, loan, schedule, version=1)
    post_entry(session, loan.id, disbursement_entry(f"loan-{loan.id}:disbursement", str(loan.id), schedule, loan.number))
    logger.info("Booked loan %s for application %s: principal %s", loan.number, application_id, schedule.principal)
    return loan


def _store_rows(session: Session, loan: Loan, schedule: Schedule, version: int) -> None:
    for row in schedule.rows:
        session.add(
            LoanInstallment(
                loan_id=loan.id,
                schedule_version=version,
                seq=row.number,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                fee=row.fee,
            )
        )
    session.flush()


def installments_of(session: Session, loan: Loan) -> list[LoanInstallment]:
    """Return the rows of the loan's current schedule in due-date order."""
    query = (
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan.id, LoanInstallment.schedule_version == loan.schedule_version)
        .order_by(LoanInstallment.seq)
    )
    return list(session.exec(query).all())


def paid_to_date(rows: list[LoanInstallment]) -> PaidToDate:
    """Return the running totals paid toward the rows, as the loan engine expects them."""
    return PaidToDate(
        principal=sum((row.paid_principal for row in rows), ZERO),
        interest=sum((row.paid_interest for row in rows), ZERO),
        fees=sum((row.paid_fee for row in rows), ZERO),
    )


# --- Position --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanPosition:
    """The position of a loan on one date, for screens and payments."""

    on: dt.date
    dues: Dues
    balances: LoanBalances
    outstanding_principal: Decimal
    dpd: int
    next_due_date: dt.date | None
    next_due_amount: Decimal
    overdue_amount: Decimal
    paid_principal: Decimal
    row_balances: tuple[RowBalance, ...]

    @property
    def repaid_share(self) -> float:
        """Share of the principal repaid, 0 to 1, for a progress bar."""
        total = self.paid_principal + self.outstanding_principal
        return float(self.paid_principal / total) if total else 1.0


def late_fees_due(balances: LoanBalances, rows: list[LoanInstallment], on: dt.date) -> Decimal:
    """Return the fees receivable on ``on`` beyond the installment fees of rows already due (late and other fees)."""
    accrued_row_fees = sum((r.fee - r.paid_fee for r in rows if r.due_date <= on), ZERO)
    return max(balances.fees - accrued_row_fees, ZERO)


def position_of(session: Session, loan: Loan, on: dt.date) -> LoanPosition:
    """Compute the loan's dues, dpd, next installment and balances on ``on``."""
    schedule = loan_schedule(loan)
    rows = installments_of(session, loan)
    paid = paid_to_date(rows)
    balances = balances_of(session, loan.id)
    remaining = row_balances(schedule, paid)
    dues = dues_from_balances(remaining, on, balances.penalty, late_fees_due(balances, rows, on))
    dpd = 0
    for balance in remaining:
        if balance.row.due_date < on and balance.total:
            dpd = (on - balance.row.due_date).days
            break
    upcoming = [b for b in remaining if b.total and b.row.due_date >= on]
    next_balance = upcoming[0] if upcoming else None
    overdue = dues.penalty + dues.fees + dues.overdue_interest + dues.overdue_principal
    return LoanPosition(
        on=on,
        dues=dues,
        balances=balances,
        outstanding_principal=schedule.principal - paid.principal,
        dpd=dpd,
        next_due_date=next_balance.row.due_date if next_balance else None,
        next_due_amount=next_balance.total if next_balance else ZERO,
        overdue_amount=overdue,
        paid_principal=paid.principal,
        row_balances=tuple(remaining),
    )


def quote_payoff(session: Session, loan: Loan, on: dt.date) -> PayoffQuote:
    """Quote the amount that settles the loan on ``on``, from the loan engine."""
    schedule = loan_schedule(loan)
    rows = installments_of(session, loan)
    balances = balances_of(session, loan.id)
    return payoff_quote(schedule, on, paid_to_date(rows), balances.penalty, late_fees_due(balances, rows, on))


def row_status(due_date: dt.date, on: dt.date) -> str:
    """Return the status of an unpaid row on ``on``: overdue, due or upcoming."""
    if due_date < on:
        return "overdue"
    if due_date == on:
        return "due"
    return "upcoming"


def dpd_bucket(dpd: int) -> str:
    """Return the collections band of a dpd: M0 current, M1 1-30, M2 31-60, M3 61-90, M3+ above."""
    if dpd <= 0:
        return "M0"
    if dpd <= 30:
        return "M1"
    if dpd <= 60:
        return "M2"
    if dpd <= 90:
        return "M3"
    return "M3+"


# --- Repayment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepaymentResult:
    """The outcome of applying one payment."""

    applied: bool
    allocation: Allocation | None
    state: str
    credit_balance: Decimal


def _row_key(loan: Loan, row: LoanInstallment, part: str) -> str:
    return f"loan-{loan.id}:s{loan.schedule_version}:row-{row.seq}:{part}"


def _accrue_row(session: Session, loan: Loan, row: LoanInstallment, on: dt.date) -> None:
    """Book a row's interest and installment fee as receivable, once per row."""
    if row.interest:
        entry = interest_accrual_entry(_row_key(loan, row, "interest"), str(loan.id), on, row.interest, loan.currency)
        post_entry(session, loan.id, entry)
    if row.fee:
        entry = fee_charge_entry(_row_key(loan, row, "fee"), str(loan.id), on, row.fee, loan.currency)
        post_entry(session, loan.id, entry)


def _distribute(rows: list[LoanInstallment], applied: Dues, now: dt.datetime) -> None:
    """Spread the applied principal, interest and fees over the rows, oldest first."""
    principal, interest, fee = applied.principal, applied.interest, applied.fees
    for row in rows:
        take = min(principal, row.principal - row.paid_principal)
        row.paid_principal += take
        principal -= take
        take = min(interest, row.interest - row.paid_interest)
        row.paid_interest += take
        interest -= take
        take = min(fee, row.fee - row.paid_fee)
        row.paid_fee += take
        fee -= take
        if row.status != "paid" and row.paid_principal + row.paid_interest + row.paid_fee == row.principal + row.interest + row.fee:
            row.status = "paid"
            row.paid_at = now


def apply_repayment(
    session: Session,
    loan: Loan,
    amount: Decimal,
    on: dt.date,
    key: str,
    *,
    through: dt.date | None = None,
    payoff: PayoffQuote | None = None,
    memo: str = "",
    now: dt.datetime | None = None,
) -> RepaymentResult:
    """Apply money received (and any credit balance) through the waterfall and post it.

    Args:
        session: Open session; the caller commits.
        loan: The loan, loaded in ``session``.
        amount: Money received, in yuan. 0 applies only the credit balance.
        on: Accounting date of the payment.
        key: Idempotency key of the payment; a second call with it changes nothing.
        through: Treat rows due up to this date as due, so paying the next
            installment before its due date pays that row instead of becoming credit.
        payoff: A payoff quote the payment settles; the loan closes when it is covered.
        memo: Text for the journal.
        now: Time of the change.
    """
    now = now or utc_now()
    if session.exec(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)).first() is not None:
        balances = balances_of(session, loan.id)
        return RepaymentResult(False, None, loan.state, balances.credit)
    rows = installments_of(session, loan)
    balances = balances_of(session, loan.id)
    schedule = loan_schedule(loan)
    as_of = max(on, through) if through else on
    if payoff is not None:
        dues = payoff.as_dues()
    else:
        remaining = row_balances(schedule, paid_to_date(rows))
        dues = dues_from_balances(remaining, as_of, balances.penalty, late_fees_due(balances, rows, as_of))
    allocation = allocate(amount, dues, credit_balance=balances.credit)
    applied = allocation.applied
    # Make sure everything the payment reaches is receivable before it is credited.
    for row in rows:
        if row.due_date <= as_of and row.status != "paid":
            _accrue_row(session, loan, row, on)
    receivable = balances_of(session, loan.id)
    if applied.interest > receivable.interest:
        entry = interest_accrual_entry(f"{key}:accrual", str(loan.id), on, applied.interest - receivable.interest, loan.currency)
        post_entry(session, loan.id, entry)
    if applied.fees > receivable.fees:
        entry = fee_charge_entry(f"{key}:fee", str(loan.id), on, applied.fees - receivable.fees, loan.currency)
        post_entry(session, loan.id, entry)
    if allocation.amount or applied.total:
        post_entry(session, loan.id, repayment_entry(key, str(loan.id), on, allocation, loan.currency, memo))
    if payoff is not None and applied.total >= dues.total:
        for row in rows:
            row.paid_principal = row.principal
            if row.status != "paid":
                row.status = "paid"
                row.paid_at = now
    else:
        _distribute(rows, applied, now)
    refresh_state(session, loan, on, now=now, settled_early=payoff is not None)
    logger.info("Applied %s to loan %s under %s: state %s", amount, loan.number, key, loan.state)
    return RepaymentResult(True, allocation, loan.state, allocation.credit_after)


def refresh_state(session: Session, loan: Loan, on: dt.date, *, now: dt.datetime | None = None, settled_early: bool = False) -> None:
    """Update dpd, the dpd bucket and the loan state from its rows and ledger on ``on``."""
    now = now or utc_now()
    if loan.state in CLOSED_STATES:
        return
    rows = installments_of(session, loan)
    balances = balances_of(session, loan.id)
    for row in rows:
        if row.status == "paid":
            continue
        row.status = row_status(row.due_date, on)
    if all(row.status == "paid" for row in rows) and balances.total_receivable == 0:
        loan.state = LoanState.SETTLED_EARLY.value if settled_early else LoanState.SETTLED.value
        loan.closed_at = now
        loan.dpd = 0
        loan.dpd_bucket = "M0"
    else:
        unpaid = [row for row in rows if row.status == "overdue"]
        loan.dpd = (on - unpaid[0].due_date).days if unpaid else 0
        loan.max_dpd = max(loan.max_dpd, loan.dpd)
        loan.dpd_bucket = dpd_bucket(loan.dpd)
        if loan.dpd > 0 and loan.state == LoanState.ACTIVE.value:
            loan.state = LoanState.OVERDUE.value
        elif loan.dpd == 0 and loan.state in (LoanState.OVERDUE.value, LoanState.RESTRUCTURED.value):
            loan.state = LoanState.ACTIVE.value
    loan.updated_at = now
    session.add(loan)


# --- Daily steps -----------------------------------------------------------------------------


def accrue_due_rows(session: Session, loan: Loan, on: dt.date) -> int:
    """Book the interest and fees of every row due on or before ``on``; return how many rows were booked."""
    count = 0
    for row in installments_of(session, loan):
        if row.due_date <= on and row.status != "paid":
            _accrue_row(session, loan, row, on)
            count += 1
    return count


def charge_penalty(session: Session, loan: Loan, on: dt.date) -> Decimal:
    """Charge one day of penalty interest for ``on`` on principal overdue past the grace period.

    The entry's key names the loan and the day, so running a day twice charges once.
    """
    schedule = loan_schedule(loan)
    fees = schedule.fees
    if not fees.penalty_daily_rate:
        return ZERO
    total = ZERO
    for row in installments_of(session, loan):
        overdue_principal = row.principal - row.paid_principal
        if row.due_date >= on or not overdue_principal:
            continue
        # One day's penalty: the accrued amount to ``on`` less the amount to the day before.
        total += penalty_interest(overdue_principal, row.due_date, on, fees, loan.currency) - penalty_interest(
            overdue_principal, row.due_date, on - dt.timedelta(days=1), fees, loan.currency
        )
    if total > 0:
        post_entry(session, loan.id, penalty_charge_entry(f"loan-{loan.id}:penalty:{on.isoformat()}", str(loan.id), on, total, loan.currency))
    return total


def apply_credit(session: Session, loan: Loan, on: dt.date, now: dt.datetime | None = None) -> RepaymentResult | None:
    """Apply the borrower's credit balance to what fell due on ``on``, once per loan and day."""
    balances = balances_of(session, loan.id)
    if not balances.credit:
        return None
    return apply_repayment(session, loan, ZERO, on, f"loan-{loan.id}:credit:{on.isoformat()}", memo="credit balance", now=now)
