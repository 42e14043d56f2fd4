"""Product settings for staff: list, create, edit, deactivate and version history of loan products.

Admins (product_manage) may change every field. Risk managers (product_rates)
may change only the pricing fields: the nominal rate range, the upfront fee,
the penalty rate and the grace period. Every saved change bumps the product's
version, stores a snapshot of the new version in ``loan_product_version`` and
writes an audit entry with the changed fields before and after.

Booked loans never read the product again: ``loans.book_loan`` stores the
signed schedule in ``loan.terms_json``, so an edit here changes only future
quotes and applications.

Public product pages read the database on every page load, so a change shows
there after the next page load. The static HTML that the server renders for
products known at startup keeps the startup values until the app restarts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct, LoanProductVersion, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.apr import to_percent
from lendapp.domain.errors import FeePolicyError, InvalidValueError
from lendapp.domain.fees import FeePolicy, FeeTerms
from lendapp.domain.permissions import Permission, has_permission
from lendapp.domain.rate_cap import DEFAULT_RATE_CAP
from lendapp.domain.terms import MAX_ANNUAL_RATE, MAX_MONTHS, MAX_PRINCIPAL, MIN_MONTHS, MIN_PRINCIPAL, RepaymentMethod
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.quotes import ProductTerms, QuoteError, product_apr_range
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

OBJECT_TYPE = "loan_product"
SEGMENTS = ("consumer", "small_business", "agricultural", "education")
# Codes become URL segments of /products/<code>, so they are lower-case slugs.
CODE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])")
MIN_BORROWER_AGE = 18
MAX_BORROWER_AGE = 75
MAX_SORT_ORDER = 9999
DEFAULT_FEE_POLICY = FeePolicy()

TEXT_FIELDS = {"code": 64, "name_zh": 128, "name_en": 128, "summary_zh": 512, "summary_en": 512}
CHOICE_FIELDS = {"segment": SEGMENTS, "method": tuple(method.value for method in RepaymentMethod)}
AMOUNT_FIELDS = ("min_amount", "max_amount")
# Rates are entered in percent on the form and stored as fractions (18 on the form is 0.18).
PERCENT_FIELDS = ("min_annual_rate", "max_annual_rate", "upfront_fee_rate", "penalty_daily_rate")
INTEGER_FIELDS = ("min_term_months", "max_term_months", "grace_days", "min_age", "max_age", "sort_order")
EDITABLE_FIELDS = (
    "code", "segment", "method", "name_zh", "name_en", "summary_zh", "summary_en",
    "min_amount", "max_amount", "min_term_months", "max_term_months", "min_annual_rate", "max_annual_rate",
    "upfront_fee_rate", "penalty_daily_rate", "grace_days", "min_age", "max_age", "sort_order",
)
# Rate columns keep 6 decimal places of the fraction, 4 of the percentage.
RATE_QUANTUM = Decimal("0.000001")
# The fields a risk manager may change: pricing, fees and penalty rules.
PRICING_FIELDS = frozenset({"min_annual_rate", "max_annual_rate", "upfront_fee_rate", "penalty_daily_rate", "grace_days"})
_OPTIONAL_FIELDS = frozenset({"summary_zh", "summary_en", "sort_order"})


@dataclasses.dataclass(frozen=True)
class ProductDraft:
    """The editable fields of a product, parsed; rates are fractions and amounts yuan."""

    code: str
    segment: str
    method: str
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    upfront_fee_rate: Decimal
    penalty_daily_rate: Decimal
    grace_days: int
    min_age: int
    max_age: int
    sort_order: int = 0


@dataclasses.dataclass(frozen=True)
class ProductSettings:
    """A product as the settings page shows it: its draft fields plus version and state."""

    id: int
    draft: ProductDraft
    version: int
    is_active: bool
    updated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ProductVersionView:
    """One stored version of a product.

    Attributes:
        changed_fields: Fields that differ from the previous stored version; empty for the first.
        changed_by: Display name of the person who saved it, or "" for the system.
    """

    version: int
    changed_fields: tuple[str, ...]
    changed_by: str
    created_at: dt.datetime
    snapshot: dict[str, str]


class ProductValidationError(InvalidInputError):
    """One or more product fields are invalid; nothing was written.

    Attributes:
        errors: Field name to (catalog key, parameters), one message per field.
    """

    def __init__(self, errors: Mapping[str, tuple[str, dict[str, object]]]) -> None:
        first_field, (first_key, first_params) = next(iter(errors.items()))
        super().__init__(first_key, field=first_field, **first_params)
        self.errors = dict(errors)


def _require_any(actor: Principal, *permissions: Permission) -> None:
    if not any(has_permission(actor.role, permission) for permission in permissions):
        logger.warning("Denied product settings to user %s (%s)", actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def editable_fields(role: str) -> frozenset[str]:
    """Return the product fields ``role`` may change: every field, the pricing fields, or none."""
    if has_permission(role, Permission.PRODUCT_MANAGE):
        return frozenset(EDITABLE_FIELDS)
    if has_permission(role, Permission.PRODUCT_RATES):
        return PRICING_FIELDS
    return frozenset()


# Parsing the form.


def parse_product_form(form: Mapping[str, object], base: ProductDraft | None = None) -> ProductDraft:
    """Parse submitted form text into a draft; a field missing from ``form`` keeps its value in ``base``.

    Rates are read in percent (``18`` is 18%, ``0.05`` a day is 0.05%).

    Raises:
        ProductValidationError: A value is missing or is not a number of the right kind.
    """
    values: dict[str, object] = {}
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    for name in EDITABLE_FIELDS:
        raw = form.get(name)
        if raw is None and base is not None:
            values[name] = getattr(base, name)
            continue
        text = raw.strip() if isinstance(raw, str) else ""
        if not text and name not in _OPTIONAL_FIELDS:
            errors[name] = ("settings.error.required", {})
            continue
        try:
            values[name] = _parse_value(name, text)
        except (InvalidOperation, ValueError):
            key = "settings.error.integer" if name in INTEGER_FIELDS else "settings.error.number"
            errors[name] = (key, {})
    if errors:
        raise ProductValidationError(errors)
    return ProductDraft(**values)


def _parse_value(name: str, text: str) -> object:
    if name in INTEGER_FIELDS:
        return int(text or "0")
    if name in AMOUNT_FIELDS or name in PERCENT_FIELDS:
        number = Decimal(text.replace(",", ""))
        if not number.is_finite():
            raise ValueError(text)
        return number / 100 if name in PERCENT_FIELDS else number
    return text


def draft_to_form(draft: ProductDraft) -> dict[str, str]:
    """Return the draft as form text, rates in percent without trailing zeros."""
    form = {}
    for name in EDITABLE_FIELDS:
        value = getattr(draft, name)
        if name in PERCENT_FIELDS:
            value = _plain(value * 100)
        elif name in AMOUNT_FIELDS:
            value = f"{value:.2f}"
        form[name] = str(value)
    return form


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# Validation.


def validate_draft(draft: ProductDraft) -> None:
    """Check a draft's ranges, the fee policy and the rate cap.

    Raises:
        ProductValidationError: With one message per invalid field.
    """
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    _check_texts(draft, errors)
    _check_ranges(draft, errors)
    if not errors:
        _check_fees(draft, errors)
    if not errors:
        _check_rate_cap(draft, errors)
    if errors:
        raise ProductValidationError(errors)


def _check_texts(draft: ProductDraft, errors: dict) -> None:
    for name, limit in TEXT_FIELDS.items():
        if len(getattr(draft, name)) > limit:
            errors[name] = ("settings.error.too_long", {"maximum": limit})
    if "code" not in errors and not CODE_PATTERN.fullmatch(draft.code):
        errors["code"] = ("settings.product.error.code_format", {})
    for name in ("name_zh", "name_en"):
        if name not in errors and not getattr(draft, name).strip():
            errors[name] = ("settings.error.required", {})
    for name, choices in CHOICE_FIELDS.items():
        if getattr(draft, name) not in choices:
            errors[name] = ("settings.error.choice", {})


def _range_error(minimum: object, maximum: object) -> tuple[str, dict[str, object]]:
    return "settings.error.range", {"minimum": minimum, "maximum": maximum}


def _check_pair(draft: ProductDraft, low: str, high: str, minimum, maximum, errors: dict, shown=str) -> None:
    for name in (low, high):
        if not minimum <= getattr(draft, name) <= maximum:
            errors[name] = _range_error(shown(minimum), shown(maximum))
    if low not in errors and high not in errors and getattr(draft, low) > getattr(draft, high):
        errors[high] = ("settings.error.below_minimum", {})


def _percent_text(rate: Decimal) -> str:
    return f"{_plain(rate * 100)}%"


def _check_ranges(draft: ProductDraft, errors: dict) -> None:
    _check_pair(draft, "min_amount", "max_amount", MIN_PRINCIPAL, MAX_PRINCIPAL, errors)
    for name in AMOUNT_FIELDS:
        if name not in errors and getattr(draft, name) != getattr(draft, name).quantize(Decimal("0.01")):
            errors[name] = ("settings.error.cents", {})
    _check_pair(draft, "min_term_months", "max_term_months", MIN_MONTHS, MAX_MONTHS, errors)
    _check_pair(draft, "min_annual_rate", "max_annual_rate", Decimal(0), MAX_ANNUAL_RATE, errors, _percent_text)
    if not Decimal(0) <= draft.upfront_fee_rate < Decimal("0.5"):
        errors["upfront_fee_rate"] = _range_error("0%", "50%")
    if draft.penalty_daily_rate < 0:
        errors["penalty_daily_rate"] = _range_error("0%", _percent_text(Decimal("0.01")))
    _check_pair(draft, "min_age", "max_age", MIN_BORROWER_AGE, MAX_BORROWER_AGE, errors)
    if "max_age" not in errors and draft.min_age == draft.max_age:
        errors["max_age"] = ("settings.error.below_minimum", {})
    if not 0 <= draft.grace_days <= DEFAULT_FEE_POLICY.max_grace_days:
        errors["grace_days"] = _range_error(0, DEFAULT_FEE_POLICY.max_grace_days)
    for name in PERCENT_FIELDS:
        if name not in errors and getattr(draft, name) != getattr(draft, name).quantize(RATE_QUANTUM):
            errors[name] = ("settings.error.decimals", {"places": 4})
    if not 0 <= draft.sort_order <= MAX_SORT_ORDER:
        errors["sort_order"] = _range_error(0, MAX_SORT_ORDER)


def _check_fees(draft: ProductDraft, errors: dict) -> None:
    try:
        fees = FeeTerms(penalty_daily_rate=draft.penalty_daily_rate, grace_days=draft.grace_days)
        DEFAULT_FEE_POLICY.check(fees, draft.max_annual_rate)
    except FeePolicyError as error:
        limit = DEFAULT_FEE_POLICY.max_penalty_annual_rate / 365
        if error.field == "penalty_daily_rate":
            errors["penalty_daily_rate"] = ("settings.product.error.penalty", {"limit": _percent_text(limit.quantize(RATE_QUANTUM))})
        else:
            errors[error.field] = _range_error(0, DEFAULT_FEE_POLICY.max_grace_days)


def _check_rate_cap(draft: ProductDraft, errors: dict) -> None:
    """Reject a product whose highest APR, at its maximum rate over its shortest term with its fee, is above the cap.

    NOTE: A bullet product is checked with its terms in months. A short bullet
    term in days with an upfront fee can still exceed the cap, and the quote
    service then rejects that one quote.
    """
    terms = ProductTerms(**{field.name: getattr(draft, field.name) for field in dataclasses.fields(ProductTerms)})
    try:
        high = product_apr_range(terms).high_periodic_x_n
    except (InvalidValueError, QuoteError) as error:
        logger.info("Product %s has terms the loan engine rejects: %s", draft.code, error)
        errors["max_annual_rate"] = ("settings.error.number", {})
        return
    if to_percent(high) > to_percent(DEFAULT_RATE_CAP.max_apr):
        field = "upfront_fee_rate" if draft.upfront_fee_rate > 0 and draft.max_annual_rate <= DEFAULT_RATE_CAP.max_apr else "max_annual_rate"
        errors[field] = ("settings.product.error.over_cap", {"apr": f"{to_percent(high)}%", "cap": f"{to_percent(DEFAULT_RATE_CAP.max_apr)}%"})


# Reading.


def _draft_of(row: LoanProduct) -> ProductDraft:
    return ProductDraft(**{name: getattr(row, name) for name in EDITABLE_FIELDS})


def _settings_of(row: LoanProduct) -> ProductSettings:
    return ProductSettings(id=row.id, draft=_draft_of(row), version=row.version, is_active=row.is_active, updated_at=row.updated_at)


def _field_text(name: str, value: object) -> str:
    """Return a field value as stored text, at its column's scale, so equal values compare equal."""
    if name in AMOUNT_FIELDS:
        return str(Decimal(value).quantize(Decimal("0.01")))
    if name in PERCENT_FIELDS:
        return str(Decimal(value).quantize(RATE_QUANTUM))
    return str(value)


def _snapshot(row: LoanProduct) -> dict[str, str]:
    values = {name: _field_text(name, getattr(row, name)) for name in EDITABLE_FIELDS}
    values["is_active"] = str(row.is_active)
    return values


def list_products(actor: Principal) -> list[ProductSettings]:
    """Return every product, active or not, in display order.

    Raises:
        PermissionDeniedError: The actor may not manage products or their rates.
    """
    _require_any(actor, Permission.PRODUCT_MANAGE, Permission.PRODUCT_RATES)
    with session_scope() as session:
        rows = session.execute(sa.select(LoanProduct).order_by(LoanProduct.sort_order, LoanProduct.id)).scalars().all()
        return [_settings_of(row) for row in rows]


def _load(session: Session, code: str, lock: bool = False) -> LoanProduct:
    query = sa.select(LoanProduct).where(LoanProduct.code == code)
    if lock:
        # The row lock makes two concurrent saves on PostgreSQL run one after the other.
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFoundError("settings.product.error.not_found", code=code)
    return row


def get_product(actor: Principal, code: str) -> ProductSettings:
    """Return one product.

    Raises:
        PermissionDeniedError: The actor may not manage products or their rates.
        NotFoundError: No product has that code.
    """
    _require_any(actor, Permission.PRODUCT_MANAGE, Permission.PRODUCT_RATES)
    with session_scope() as session:
        return _settings_of(_load(session, code))


def product_history(actor: Principal, code: str) -> list[ProductVersionView]:
    """Return the stored versions of a product, newest first, each with the fields it changed.

    Raises:
        PermissionDeniedError: The actor may not manage products or their rates.
        NotFoundError: No product has that code.
    """
    _require_any(actor, Permission.PRODUCT_MANAGE, Permission.PRODUCT_RATES)
    with session_scope() as session:
        row = _load(session, code)
        versions = session.execute(
            sa.select(LoanProductVersion, UserAccount.display_name)
            .outerjoin(UserAccount, UserAccount.id == LoanProductVersion.changed_by)
            .where(LoanProductVersion.product_id == row.id)
            .order_by(LoanProductVersion.version)
        ).all()
    views = []
    previous: dict[str, str] | None = None
    for version, name in versions:
        snapshot = json.loads(version.snapshot_json)
        changed = () if previous is None else tuple(key for key in snapshot if snapshot.get(key) != previous.get(key))
        views.append(ProductVersionView(version.version, changed, name or "", version.created_at, snapshot))
        previous = snapshot
    return list(reversed(views))


# Writing.


def create_product(actor: Principal, draft: ProductDraft, *, client_ip: str = "") -> ProductSettings:
    """Create a product at version 1 and store its first snapshot.

    Raises:
        PermissionDeniedError: The actor may not manage products.
        ProductValidationError: A field is invalid or the code is taken.
    """
    _require_any(actor, Permission.PRODUCT_MANAGE)
    validate_draft(draft)
    try:
        with session_scope() as session:
            taken = session.execute(sa.select(LoanProduct.id).where(LoanProduct.code == draft.code)).first()
            if taken is not None:
                raise ProductValidationError({"code": ("settings.product.error.code_taken", {})})
            row = LoanProduct(**dataclasses.asdict(draft), version=1, is_active=True)
            session.add(row)
            session.flush()
            _add_version(session, row, actor.user_id)
            record_audit(
                session, action="product.create", object_type=OBJECT_TYPE, object_id=row.id, actor_id=actor.user_id,
                actor_role=actor.role, after=_snapshot(row), client_ip=client_ip,
            )
            result = _settings_of(row)
    except sa.exc.IntegrityError as error:
        # Two admins creating the same code at once: the unique index rejects the second.
        raise ProductValidationError({"code": ("settings.product.error.code_taken", {})}) from error
    logger.info("User %s created product %s", actor.user_id, draft.code)
    return result


def _add_version(session: Session, row: LoanProduct, changed_by: int | None) -> None:
    session.add(LoanProductVersion(
        product_id=row.id, version=row.version, snapshot_json=json.dumps(_snapshot(row), ensure_ascii=False), changed_by=changed_by,
    ))


def _has_version(session: Session, row: LoanProduct) -> bool:
    found = session.execute(
        sa.select(LoanProductVersion.id).where(LoanProductVersion.product_id == row.id, LoanProductVersion.version == row.version)
    ).first()
    return found is not None


def update_product(
    actor: Principal, code: str, draft: ProductDraft, expected_version: int, *, client_ip: str = ""
) -> ProductSettings:
    """Save changed fields of a product as a new version.

    Saving the same values again changes nothing and writes nothing. A product
    saved before versions were stored first gets a snapshot of its current
    version, so the history starts from the values it had.

    Args:
        expected_version: The version the form was loaded from; a different
            current version means someone else saved in between.

    Raises:
        PermissionDeniedError: The actor may not change one of the changed fields.
        NotFoundError: No product has that code.
        ProductValidationError: A field is invalid, the code changed, or the version is stale.
    """
    allowed = editable_fields(actor.role)
    if not allowed:
        _require_any(actor, Permission.PRODUCT_MANAGE, Permission.PRODUCT_RATES)
    with session_scope() as session:
        row = _load(session, code, lock=True)
        if row.version != expected_version:
            raise ProductValidationError({"version": ("settings.product.error.stale", {"version": row.version})})
        current = _draft_of(row)
        changed = [name for name in EDITABLE_FIELDS if getattr(draft, name) != getattr(current, name)]
        if not changed:
            return _settings_of(row)
        if "code" in changed:
            raise ProductValidationError({"code": ("settings.product.error.code_fixed", {})})
        forbidden = sorted(set(changed) - allowed)
        if forbidden:
            logger.warning("Denied product fields %s of %s to user %s (%s)", forbidden, code, actor.user_id, actor.role)
            raise PermissionDeniedError("settings.product.error.pricing_only", fields=", ".join(forbidden))
        validate_draft(draft)
        if not _has_version(session, row):
            _add_version(session, row, None)
        before = {name: _field_text(name, getattr(row, name)) for name in changed}
        for name in changed:
            setattr(row, name, getattr(draft, name))
        row.version += 1
        row.updated_at = utc_now()
        _add_version(session, row, actor.user_id)
        after = {name: _field_text(name, getattr(row, name)) for name in changed}
        record_audit(
            session, action="product.update", object_type=OBJECT_TYPE, object_id=row.id, actor_id=actor.user_id,
            actor_role=actor.role, before={"version": row.version - 1, **before}, after={"version": row.version, **after},
            client_ip=client_ip,
        )
        result = _settings_of(row)
    logger.info("User %s saved product %s version %d (%s)", actor.user_id, code, result.version, ", ".join(changed))
    return result


def set_product_active(actor: Principal, code: str, active: bool, *, client_ip: str = "") -> ProductSettings:
    """Deactivate a product (it leaves the site and new applications) or reactivate it; products are never deleted.

    Raises:
        PermissionDeniedError: The actor may not manage products.
        NotFoundError: No product has that code.
    """
    _require_any(actor, Permission.PRODUCT_MANAGE)
    with session_scope() as session:
        row = _load(session, code, lock=True)
        if row.is_active == active:
            return _settings_of(row)
        row.is_active = active
        row.updated_at = utc_now()
        record_audit(
            session, action="product.activate" if active else "product.deactivate", object_type=OBJECT_TYPE,
            object_id=row.id, actor_id=actor.user_id, actor_role=actor.role, before={"is_active": not active},
            after={"is_active": active}, client_ip=client_ip,
        )
        result = _settings_of(row)
    logger.info("User %s set product %s active=%s", actor.user_id, code, active)
    return result


def save_product_form(
    actor: Principal, code: str | None, form: Mapping[str, object], expected_version: int = 0, *, client_ip: str = ""
) -> ProductSettings:
    """Parse a submitted product form and create the product (``code`` None) or save it as a new version.

    Fields the form leaves out, such as fields disabled for a risk manager,
    keep their current values.

    Raises:
        PermissionDeniedError, NotFoundError, ProductValidationError: As ``create_product`` and ``update_product``.
    """
    if code is None:
        return create_product(actor, parse_product_form(form), client_ip=client_ip)
    current = get_product(actor, code)
    return update_product(actor, code, parse_product_form(form, current.draft), expected_version, client_ip=client_ip)
