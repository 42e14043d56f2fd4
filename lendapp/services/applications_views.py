"""Frozen views that the application services return, with personal values masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal

from lendapp.db.models import ApplicationStatusEvent, LoanApplication
from lendapp.domain.masking import mask_id_number, mask_name
from lendapp.integrations.regions import lookup_region
from lendapp.services.pii import decrypt

logger = logging.getLogger(__name__)

FULL_NAME_COLUMN = "loan_application.full_name"
ID_NUMBER_COLUMN = "loan_application.id_number"
CONTACT_PHONE_COLUMN = "loan_application.contact_phone"
ADDRESS_COLUMN = "loan_application.address"
EMPLOYER_COLUMN = "loan_application.employer"
BANK_CARD_COLUMN = "loan_application.bank_card"


@dataclasses.dataclass(frozen=True)
class ApplicationView:
    """A borrower's own application as the wizard and status page show it.

    The name, ID number and card number are masked. The contact phone,
    address and employer are the borrower's own editable values and are returned in full.
    """

    number: str
    status: str
    step: int
    product_code: str
    amount: Decimal | None
    term: int | None
    method: str
    purpose: str
    annual_rate: Decimal | None
    masked_name: str
    masked_id_number: str
    birth_date: dt.date | None
    sex: str
    province: str
    city: str
    county: str
    contact_phone: str
    address: str
    employment_type: str
    employer: str
    monthly_income: Decimal | None
    employment_months: int | None
    housing: str
    residence_years: int | None
    dependants: int | None
    masked_bank_card: str
    bank_name: str
    bank_card_product: str
    bank_card_type: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_reason: str
    borrower_reason_keys: tuple[str, ...]

    @property
    def has_identity(self) -> bool:
        """Whether step 2 has been saved."""
        return bool(self.masked_id_number)


@dataclasses.dataclass(frozen=True)
class StatusEventView:
    """One entry of an application's status timeline."""

    from_status: str
    to_status: str
    reason: str
    created_at: dt.datetime


def to_view(row: LoanApplication) -> ApplicationView:
    """Build the masked view of an application row; decrypts only inside the service layer."""
    name = decrypt(row.full_name_enc, FULL_NAME_COLUMN)
    id_number = decrypt(row.id_number_enc, ID_NUMBER_COLUMN)
    region = lookup_region(row.region_code, row.birth_date.year) if row.region_code and row.birth_date else None
    reasons = json.loads(row.reason_codes or "[]")
    return ApplicationView(
        number=row.number,
        status=row.status,
        step=row.step,
        product_code=row.product_code,
        amount=row.amount,
        term=row.term,
        method=row.method,
        purpose=row.purpose,
        annual_rate=row.annual_rate,
        masked_name=mask_name(name) if name else "",
        masked_id_number=mask_id_number(id_number) if id_number else "",
        birth_date=row.birth_date,
        sex=row.sex,
        province=region.province if region else row.province,
        city=region.city if region else "",
        county=region.county if region else "",
        contact_phone=decrypt(row.contact_phone_enc, CONTACT_PHONE_COLUMN).removeprefix("+86"),
        address=decrypt(row.address_enc, ADDRESS_COLUMN),
        employment_type=row.employment_type,
        employer=decrypt(row.employer_enc, EMPLOYER_COLUMN),
        monthly_income=row.monthly_income,
        employment_months=row.employment_months,
        housing=row.housing,
        residence_years=row.residence_years,
        dependants=row.dependants,
        masked_bank_card=f"**** {row.bank_card_last4}" if row.bank_card_last4 else "",
        bank_name=row.bank_name,
        bank_card_product=row.bank_card_product,
        bank_card_type=row.bank_card_type,
        created_at=row.created_at,
        expires_at=row.expires_at,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        borrower_reason_keys=tuple(reason["borrower_key"] for reason in reasons if "borrower_key" in reason),
    )


def to_event_view(row: ApplicationStatusEvent) -> StatusEventView:
    """Build the timeline entry of a status event."""
    return StatusEventView(from_status=row.from_status, to_status=row.to_status, reason=row.reason, created_at=row.created_at)
