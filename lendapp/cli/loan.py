"""Loan calculator commands: ``calc`` (schedule and APR) and ``apr`` (APR of cash flows).

Invalid input exits with status 2 and one line on stderr that names the
option or field and its allowed range, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import NoReturn, TextIO

from lendapp.domain.apr import AnnualizedRate, CashFlow, annualized_rates, schedule_apr, to_percent
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.fees import NO_FEES, FeeTerms
from lendapp.domain.money import parse_decimal
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import MAX_DAYS, MAX_MONTHS, MIN_DAYS, MIN_MONTHS, LoanTerms, RepaymentMethod

EXIT_INVALID_INPUT = 2
MAX_CASH_FLOWS = 10_000
CENT = Decimal("0.01")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Domain field names and the options that set them, for error messages.
OPTION_OF_FIELD = {
    "principal": "--amount",
    "annual_rate": "--annual-rate",
    "months": "--months",
    "days": "--days",
    "daily_rate": "--daily-rate",
    "first_due": "--first-due",
    "start_date": "--disbursed",
    "upfront_fee": "--upfront-fee",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calc`` and ``apr`` commands to the operator command line."""
    calc = subparsers.add_parser("calc", help="print a repayment schedule and its annualized rate")
    calc.add_argument("--amount", required=True, help="principal, for example 10000.00")
    calc.add_argument("--annual-rate", help="nominal annual rate as a fraction: 0.0999 is 9.99%%")
    calc.add_argument("--months", help=f"term in months, {MIN_MONTHS} to {MAX_MONTHS}")
    calc.add_argument("--method", required=True, help="equal_installment, equal_principal, interest_only or bullet")
    calc.add_argument("--daily-rate", help="daily rate of a bullet loan by days as a fraction: 0.0005 is 0.05%% a day")
    calc.add_argument("--days", help=f"term in days of a bullet loan, {MIN_DAYS} to {MAX_DAYS}")
    calc.add_argument("--upfront-fee", help="service fee deducted from the amount paid out, for example 300.00")
    calc.add_argument("--disbursed", help="disbursement date, YYYY-MM-DD; defaults to today")
    calc.add_argument("--first-due", help="first due date, YYYY-MM-DD; defaults to one month after disbursement")
    calc.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    calc.set_defaults(func=run_calc)
    _use_one_line_errors(calc)

    apr = subparsers.add_parser(
        "apr",
        help="print the annualized rates of cash flows read from stdin",
        description='Reads a JSON list such as [{"date": "2026-01-01", "amount": "5000.00"}, ...] from stdin. '
        "Amounts are positive when the borrower receives money and negative when the borrower pays.",
    )
    apr.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    apr.set_defaults(func=run_apr)
    _use_one_line_errors(apr)


def run_calc(args: argparse.Namespace) -> int:
    """Build the schedule that the options describe and print it with its annualized rates."""
    try:
        schedule = build_schedule(_terms_from_args(args), _fees_from_args(args))
        rates = schedule_apr(schedule)
    except InvalidValueError as error:
        _fail(_option_name(error.field), error.value, error.allowed)
    if args.json:
        _write_line(json.dumps(_calc_json(schedule, rates), ensure_ascii=False))
    else:
        _print_calc_table(schedule, rates)
    return 0


def run_apr(args: argparse.Namespace) -> int:
    """Read cash flows as JSON from stdin and print their annualized rates."""
    flows = _read_cash_flows(sys.stdin.read())
    try:
        rates = annualized_rates(flows)
    except InvalidValueError as error:
        _fail(error.field, error.value, error.allowed)
    result = {
        "apr_periodic_x_n": str(to_percent(rates.periodic_x_n)),
        "apr_compounded": str(to_percent(rates.compounded)),
        "apr_actuarial": str(to_percent(rates.actuarial)),
    }
    if args.json:
        _write_line(json.dumps(result))
    else:
        _write_line(f"unit-period            {rates.unit_period.name} ({rates.periods_per_year.normalize()} a year)")
        _write_line(f"APR, periodic x n      {result['apr_periodic_x_n']}%")
        _write_line(f"APR, compounded        {result['apr_compounded']}%")
        _write_line(f"APR, actuarial (Reg Z) {result['apr_actuarial']}%")
    return 0


def _terms_from_args(args: argparse.Namespace) -> LoanTerms:
    try:
        method = RepaymentMethod(args.method)
    except ValueError:
        _fail("--method", args.method, ", ".join(method.value for method in RepaymentMethod))
    amount = parse_decimal(args.amount, "principal")
    daily_rate = None if args.daily_rate is None else parse_decimal(args.daily_rate, "daily_rate")
    if args.annual_rate is not None:
        annual_rate = parse_decimal(args.annual_rate, "annual_rate")
    elif daily_rate is not None:
        # The daily rate alone sets a bullet loan's interest, so the annual rate is unused.
        annual_rate = Decimal(0)
    else:
        _fail("--annual-rate", "missing", "0 to 1 (a fraction: 0.0999 is 9.99%)")
    months = None if args.months is None else _parse_int(args.months, "--months", MIN_MONTHS, MAX_MONTHS)
    days = None if args.days is None else _parse_int(args.days, "--days", MIN_DAYS, MAX_DAYS)
    if months is None and days is None:
        _fail("--months", "missing", f"an integer from {MIN_MONTHS} to {MAX_MONTHS}, or --days for a bullet loan")
    if months is not None and days is not None:
        _fail("--days", args.days, "only without --months")
    disbursed = _local_today() if args.disbursed is None else _parse_date(args.disbursed, "--disbursed")
    first_due = None if args.first_due is None else _parse_date(args.first_due, "--first-due")
    return LoanTerms(
        principal=amount,
        annual_rate=annual_rate,
        method=method,
        start_date=disbursed,
        months=months,
        days=days,
        daily_rate=daily_rate,
        first_due=first_due,
    )


def _fees_from_args(args: argparse.Namespace) -> FeeTerms:
    if args.upfront_fee is None:
        return NO_FEES
    return FeeTerms(upfront_fee=parse_decimal(args.upfront_fee, "upfront_fee"))


def _calc_json(schedule: Schedule, rates: AnnualizedRate) -> dict:
    regular = schedule.regular_payment
    return {
        "installment": None if regular is None else _money(regular),
        "total_interest": _money(schedule.total_interest),
        "total_fees": _money(schedule.total_fees),
        "total_payment": _money(schedule.total_payment),
        "apr_periodic_x_n": str(to_percent(rates.periodic_x_n)),
        "apr_compounded": str(to_percent(rates.compounded)),
        "schedule": [
            {
                "number": row.number,
                "due_date": row.due_date.isoformat(),
                "payment": _money(row.payment),
                "principal": _money(row.principal),
                "interest": _money(row.interest),
                "fee": _money(row.fee),
                "closing_balance": _money(row.closing_balance),
            }
            for row in schedule.rows
        ],
    }


def _print_calc_table(schedule: Schedule, rates: AnnualizedRate) -> None:
    regular = schedule.regular_payment
    _write_line(f"method            {schedule.method.value}")
    _write_line(f"installment       {'-' if regular is None else _money(regular)}")
    _write_line(f"total interest    {_money(schedule.total_interest)}")
    _write_line(f"total fees        {_money(schedule.total_fees)}")
    _write_line(f"total payment     {_money(schedule.total_payment)}")
    _write_line(f"APR periodic x n  {to_percent(rates.periodic_x_n)}%")
    _write_line(f"APR compounded    {to_percent(rates.compounded)}%")
    _write_line()
    header = ("no.", "due date", "payment", "principal", "interest", "fee", "balance")
    _write_line(f"{header[0]:>4}  {header[1]:<10}  " + "  ".join(f"{title:>14}" for title in header[2:]))
    for row in schedule.rows:
        amounts = (row.payment, row.principal, row.interest, row.fee, row.closing_balance)
        _write_line(f"{row.number:>4}  {row.due_date.isoformat():<10}  " + "  ".join(f"{_money(a):>14}" for a in amounts))


def _read_cash_flows(text: str) -> list[CashFlow]:
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as error:
        _write_line(f"error: stdin: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}", sys.stderr)
        sys.exit(EXIT_INVALID_INPUT)
    if not isinstance(data, list) or not 2 <= len(data) <= MAX_CASH_FLOWS:
        _fail("cash_flows", type(data).__name__, f'a JSON list of 2 to {MAX_CASH_FLOWS} {{"date", "amount"}} objects')
    flows = []
    for index, item in enumerate(data):
        field = f"cash_flows[{index}]"
        if not isinstance(item, dict) or "date" not in item or "amount" not in item:
            _fail(field, json.dumps(item, default=str)[:60], 'an object with "date" and "amount"')
        if not isinstance(item["date"], str):
            _fail(f"{field}.date", item["date"], "a date YYYY-MM-DD")
        on = _parse_date(item["date"], f"{field}.date")
        if not isinstance(item["amount"], (str, Decimal)):
            _fail(f"{field}.amount", item["amount"], "a decimal number such as 5000.00")
        try:
            amount = parse_decimal(item["amount"], f"{field}.amount")
        except InvalidValueError as error:
            _fail(error.field, error.value, error.allowed)
        if amount == 0 or abs(amount) > Decimal("1e12"):
            _fail(f"{field}.amount", item["amount"], "a non-zero amount up to 1000000000000 in size")
        flows.append(CashFlow(on, amount))
    return flows


def _parse_int(text: str, option: str, minimum: int, maximum: int) -> int:
    if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        _fail(option, text, f"an integer from {minimum} to {maximum}")
    value = int(text)
    if not minimum <= value <= maximum:
        _fail(option, text, f"an integer from {minimum} to {maximum}")
    return value


def _parse_date(text: str, option: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        _fail(option, text, "a date YYYY-MM-DD")


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _option_name(field: str) -> str:
    return OPTION_OF_FIELD.get(field, field)


def _fail(field: str, value: object, allowed: str) -> NoReturn:
    """Print one line naming the field and its allowed range, and exit with status 2."""
    _write_line(f"error: {field}: invalid value {value}; allowed {allowed}", sys.stderr)
    sys.exit(EXIT_INVALID_INPUT)


def _use_one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make argparse report a usage error in one line instead of the usage text."""

    def error(message: str) -> NoReturn:
        _write_line(f"error: {parser.prog}: {message}; see --help", sys.stderr)
        sys.exit(EXIT_INVALID_INPUT)

    parser.error = error  # type: ignore[method-assign]


def _local_today() -> date:
    """Return today's date in the display time zone, as the web calculator uses."""
    from lendapp.settings import get_settings

    return datetime.now(get_settings().timezone_info).date()


def _write_line(text: str = "", stream: TextIO | None = None) -> None:
    """Write one line of command output (stdout unless ``stream`` is given)."""
    (stream or sys.stdout).write(text + "\n")
