"""Parsing the wizard's typed numbers; each failure names its field and catalog key."""

from __future__ import annotations

import re
from decimal import Decimal

from lendapp.services.applications import FormErrors
from lendapp.state.calculator import normalize_number

# Every field a wizard step can show an error next to; "form" errors sit above the form.
FIELDS = (
    "product", "amount", "term", "method", "purpose", "full_name", "id_number", "contact_phone", "address",
    "employment_type", "employer", "monthly_income", "employment_months", "housing", "residence_years",
    "dependants", "bank_card", "documents", "consents", "steps", "id_card_photo",
)
_MONEY = re.compile(r"\d{1,12}(\.\d{1,2})?")
_WHOLE = re.compile(r"\d{1,6}")
_RATE = re.compile(r"\d{1,3}(\.\d{1,4})?")


class InputError(ValueError):
    """Typed text that is not a number of the expected form."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key

    def as_form_errors(self) -> FormErrors:
        """Return the error in the form the wizard shows service errors."""
        return FormErrors({self.field: (self.key, {})})


def parse_amount(text: str) -> Decimal:
    """Parse an amount in yuan (full-width digits, commas and ¥ allowed), above zero."""
    normalized = normalize_number(text)
    if not _MONEY.fullmatch(normalized) or Decimal(normalized) <= 0:
        raise InputError("amount", "apply.error.amount.invalid")
    return Decimal(normalized)


def parse_money(text: str) -> Decimal:
    """Parse a monthly income in yuan; zero is allowed."""
    normalized = normalize_number(text)
    if not _MONEY.fullmatch(normalized):
        raise InputError("monthly_income", "apply.error.income.invalid")
    return Decimal(normalized)


def parse_whole(text: str, field: str) -> int:
    """Parse a whole number for ``field``."""
    normalized = normalize_number(text)
    if not _WHOLE.fullmatch(normalized):
        raise InputError(field, "apply.error.term.invalid" if field == "term" else "apply.error.number.invalid")
    return int(normalized)


def parse_rate(text: str) -> Decimal:
    """Parse a nominal annual rate in percent (as the calculator's link carries it) into a fraction."""
    normalized = normalize_number(text)
    if not _RATE.fullmatch(normalized):
        raise InputError("amount", "apply.error.rate.range")
    return Decimal(normalized) / 100
