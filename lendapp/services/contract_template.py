"""The versioned text of loan contracts and plan change agreements, as PDF blocks.

A contract is rendered from two parts: its disclosures (``terms``, plain
figures with no personal data) and its document (the blocks of
``lendapp.services.pdf.render_pdf`` with every sentence already translated).
The document is stored with the contract, so the signed PDF is rendered from
the very text the borrower reviewed even if the catalogs change later. The
sentences come from the ``contracts.pdf.*`` keys of the message catalogs; any
change to their meaning must come with a new ``LOAN_TEMPLATE_VERSION``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money, format_percent
from lendapp.services.quotes import ProductTerms, QuoteResult

logger = logging.getLogger(__name__)

LOAN_TEMPLATE_VERSION = "loan-2026-12"
PLAN_CHANGE_TEMPLATE_VERSION = "plan-change-2026-12"
DAYS_PER_YEAR = 365
# Every loan product has no prepayment fee today; the contract states the rate the payoff quote uses.
PREPAYMENT_FEE_RATE = Decimal("0")


@dataclasses.dataclass(frozen=True)
class Lender:
    """The lender's details as the public site's licence entries publish them."""

    operator: str
    licence_number: str
    regulator: str
    complaints: str


@dataclasses.dataclass(frozen=True)
class Borrower:
    """The borrower as the contract names them: full name, masked ID number and payout card."""

    full_name: str
    masked_id_number: str
    payout_card: str


@dataclasses.dataclass(frozen=True)
class Signature:
    """What the signature page records."""

    signer: str
    signed_at: dt.datetime
    client_ip: str
    method: str
    unsigned_sha256: str
    template_version: str
    version: int


def _money(value: str | Decimal, locale: str) -> str:
    return format_money(Decimal(value), locale)


def _percent(value: str | Decimal, locale: str, digits: int = 2) -> str:
    return format_percent(Decimal(value), locale, digits)


def loan_terms(
    *,
    application_number: str,
    product: ProductTerms,
    quote: QuoteResult,
    purpose: str,
    start_date: dt.date,
) -> dict:
    """Collect the disclosures of a loan offer as JSON-ready values (Decimals as strings)."""
    # Quotes deduct the upfront fee at disbursement, so it is what the borrower does not receive.
    upfront_fee = quote.amount - quote.amount_received
    return {
        "application_number": application_number,
        "product_code": product.code,
        "product_name_zh": product.name_zh,
        "product_name_en": product.name_en,
        "amount": str(quote.amount),
        "term": quote.days if quote.days is not None else quote.months,
        "term_unit": "days" if quote.days is not None else "months",
        "method": quote.method,
        "purpose": purpose,
        "annual_rate": str(quote.annual_rate),
        "apr_periodic_x_n": str(quote.apr_periodic_x_n),
        "apr_compounded": str(quote.apr_compounded),
        "upfront_fee": str(upfront_fee),
        "amount_received": str(quote.amount_received),
        "first_payment": str(quote.first_payment),
        "installment": None if quote.installment is None else str(quote.installment),
        "total_interest": str(quote.total_interest),
        "total_fees": str(quote.total_fees),
        "total_cost": str(quote.total_cost),
        "total_payment": str(quote.total_payment),
        "penalty_daily_rate": str(product.penalty_daily_rate),
        "grace_days": product.grace_days,
        "prepayment_fee_rate": str(PREPAYMENT_FEE_RATE),
        "start_date": start_date.isoformat(),
        "maturity_date": quote.rows[-1].due_date.isoformat(),
        "rows": [
            [row.number, row.due_date.isoformat(), str(row.principal), str(row.interest), str(row.fee), str(row.payment), str(row.closing_balance)]
            for row in quote.rows
        ],
    }


def _schedule_table(rows: list[list], locale: str) -> dict:
    header = [translate(f"contracts.pdf.col_{name}", locale) for name in ("number", "due_date", "principal", "interest", "fee", "payment", "balance")]
    body = [
        [str(number), format_date(dt.date.fromisoformat(due), locale), *(_money(value, locale) for value in amounts)]
        for number, due, *amounts in rows
    ]
    return {"kind": "table", "header": header, "rows": body, "col_widths": [0.6, 1.6, 1.3, 1.1, 0.9, 1.3, 1.4], "numeric_columns": [2, 3, 4, 5, 6]}


def _or_missing(value: str, locale: str) -> str:
    return value or translate("contracts.pdf.not_configured", locale)


def loan_document(terms: dict, lender: Lender, borrower: Borrower, *, contract_number: str, version: int, locale: str,
                  generated_at: dt.datetime, timezone: str) -> list[dict]:
    """Build the blocks of a loan contract from its disclosures, in ``locale``."""
    def text(key: str, **params: object) -> str:
        return translate(f"contracts.pdf.{key}", locale, **params)

    term_key = "term_days" if terms["term_unit"] == "days" else "term_months"
    penalty_annual = Decimal(terms["penalty_daily_rate"]) * DAYS_PER_YEAR
    product_name = terms["product_name_en"] if locale == "en" else terms["product_name_zh"]
    return [
        {"kind": "title", "text": text("title")},
        {"kind": "paragraph", "text": text("intro", contract_number=contract_number)},
        {"kind": "heading", "text": text("parties")},
        {"kind": "key_values", "rows": [
            [text("lender"), _or_missing(lender.operator, locale)],
            [text("lender_licence"), _or_missing(lender.licence_number, locale)],
            [text("lender_regulator"), _or_missing(lender.regulator, locale)],
            [text("lender_complaints"), _or_missing(lender.complaints, locale)],
            [text("borrower"), borrower.full_name],
            [text("borrower_id"), borrower.masked_id_number],
            [text("application"), terms["application_number"]],
        ]},
        {"kind": "heading", "text": text("loan")},
        {"kind": "key_values", "rows": [
            [text("product"), product_name],
            [text("amount"), _money(terms["amount"], locale)],
            [text("term"), text(term_key, term=terms["term"])],
            [text("method"), translate(f"apply.method.{terms['method']}", locale)],
            [text("purpose"), translate(f"apply.purpose.{terms['purpose']}", locale)],
            [text("start_date"), format_date(dt.date.fromisoformat(terms["start_date"]), locale)],
            [text("maturity_date"), format_date(dt.date.fromisoformat(terms["maturity_date"]), locale)],
            [text("payout_card"), borrower.payout_card],
        ]},
        {"kind": "paragraph", "text": text("purpose_clause")},
        {"kind": "heading", "text": text("cost")},
        {"kind": "key_values", "rows": [
            [text("nominal_rate"), _percent(terms["annual_rate"], locale)],
            [text("apr_simple"), _percent(terms["apr_periodic_x_n"], locale)],
            [text("apr_compounded"), _percent(terms["apr_compounded"], locale)],
            [text("upfront_fee"), _money(terms["upfront_fee"], locale)],
            [text("amount_received"), _money(terms["amount_received"], locale)],
            [text("total_interest"), _money(terms["total_interest"], locale)],
            [text("total_fees"), _money(terms["total_fees"], locale)],
            [text("total_payment"), _money(terms["total_payment"], locale)],
        ]},
        {"kind": "paragraph", "text": text("apr_clause")},
        {"kind": "heading", "text": text("schedule")},
        _schedule_table(terms["rows"], locale),
        {"kind": "note", "text": text("schedule_note", start_date=format_date(dt.date.fromisoformat(terms["start_date"]), locale))},
        {"kind": "heading", "text": text("overdue")},
        {"kind": "paragraph", "text": text(
            "overdue_clause", grace_days=terms["grace_days"], penalty_daily_rate=_percent(terms["penalty_daily_rate"], locale, 3),
            penalty_annual_rate=_percent(penalty_annual, locale),
        )},
        {"kind": "heading", "text": text("early")},
        {"kind": "paragraph", "text": text("early_clause", prepayment_fee_rate=_percent(terms["prepayment_fee_rate"], locale))},
        {"kind": "heading", "text": text("rights")},
        {"kind": "paragraph", "text": text("rights_information")},
        {"kind": "paragraph", "text": text("rights_privacy")},
        {"kind": "paragraph", "text": text("rights_automated")},
        {"kind": "paragraph", "text": text(
            "rights_complaints", complaints=_or_missing(lender.complaints, locale), regulator=_or_missing(lender.regulator, locale),
        )},
        {"kind": "heading", "text": text("other")},
        {"kind": "paragraph", "text": text("other_clause")},
        {"kind": "note", "text": text(
            "template_note", template_version=LOAN_TEMPLATE_VERSION, version=version,
            generated_at=format_datetime(generated_at, locale, timezone),
        )},
    ]


def plan_change_document(*, loan_number: str, change_kind_label: str, effective_date: dt.date, rows: list[list],
                         total_cost: Decimal, contract_number: str, version: int, locale: str,
                         generated_at: dt.datetime, timezone: str) -> list[dict]:
    """Build the blocks of an agreement that replaces a loan's schedule with ``rows``.

    ``rows`` has the same columns as a loan contract's schedule: number, due
    date (ISO), principal, interest, fee, payment and balance.
    """
    def text(key: str, **params: object) -> str:
        return translate(f"contracts.pdf.{key}", locale, **params)

    return [
        {"kind": "title", "text": text("plan_change_title")},
        {"kind": "paragraph", "text": text("plan_change_intro", contract_number=contract_number, loan_number=loan_number)},
        {"kind": "key_values", "rows": [
            [text("plan_change_kind"), change_kind_label],
            [text("plan_change_effective"), format_date(effective_date, locale)],
            [text("plan_change_cost"), _money(total_cost, locale)],
        ]},
        {"kind": "heading", "text": text("plan_change_schedule")},
        _schedule_table(rows, locale),
        {"kind": "paragraph", "text": text("other_clause")},
        {"kind": "note", "text": text(
            "template_note", template_version=PLAN_CHANGE_TEMPLATE_VERSION, version=version,
            generated_at=format_datetime(generated_at, locale, timezone),
        )},
    ]


def signature_blocks(signature: Signature, locale: str, timezone: str) -> list[dict]:
    """Build the signature page appended to a signed contract."""
    def text(key: str, **params: object) -> str:
        return translate(f"contracts.pdf.{key}", locale, **params)

    return [
        {"kind": "page_break"},
        {"kind": "heading", "text": text("signature")},
        {"kind": "key_values", "rows": [
            [text("signer"), signature.signer],
            [text("signed_at"), format_datetime(signature.signed_at, locale, timezone) + f" ({signature.signed_at.isoformat()})"],
            [text("client_address"), signature.client_ip or "-"],
            [text("signature_method"), text(f"method_{signature.method}")],
            [text("unsigned_sha256"), signature.unsigned_sha256],
            [text("template_version"), signature.template_version],
            [text("contract_version"), str(signature.version)],
        ]},
        {"kind": "paragraph", "text": text("signature_clause")},
    ]
