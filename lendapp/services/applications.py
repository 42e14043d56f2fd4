"""Loan applications, step by step: drafts, the wizard's steps and submission.

A borrower has at most one active application, and so has a resident ID
number. A draft is kept on the server, so it resumes on any device after
sign-in, and it expires ``ApplicationPolicy.draft_lifetime`` after its last
save. Every step validates all of its fields first and writes nothing when
one is invalid. Submission checks the required consents and the amount
policy again, records the status event and the audit entry, and leaves
scoring to ``lendapp.services.scoring_service``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, BorrowerProfile, LoanApplication, LoanProduct, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.kyc import AgeLimits, check_mobile
from lendapp.domain.roles import Role
from lendapp.integrations.crypto import phone_hash
from lendapp.services.applications_lifecycle import (
    ACTIVE_STATUSES,
    ApplicationStateError,
    ApplicationStatus,
    check_transition,
)
from lendapp.services.applications_views import (
    ADDRESS_COLUMN,
    BANK_CARD_COLUMN,
    CONTACT_PHONE_COLUMN,
    EMPLOYER_COLUMN,
    FULL_NAME_COLUMN,
    ID_NUMBER_COLUMN,
    ApplicationView,
    StatusEventView,
    to_event_view,
    to_view,
)
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError
from lendapp.services.consents import missing_required
from lendapp.services.kyc import check_identity, check_payout_card
from lendapp.services.pii import bank_card_hash, encrypt, id_number_hash
from lendapp.services.quotes import ProductTerms, QuoteError, QuoteResult, load_product_terms, quote_product
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

STEP_LOAN, STEP_IDENTITY, STEP_DETAILS, STEP_CARD, STEP_DOCUMENTS, STEP_CONSENTS, STEP_REVIEW = range(1, 8)
MONTHS_PER_YEAR = 12
MAX_NAME_LENGTH = 64
MAX_ADDRESS_LENGTH = 200
MAX_EMPLOYER_LENGTH = 100
MAX_INCOME = Decimal("10000000")
PURPOSES = ("consumption", "education", "medical", "home_improvement", "business", "agriculture", "vehicle", "other")
EMPLOYMENT_TYPES = ("employed", "self_employed", "farmer", "student", "retired", "unemployed")
HOUSING_TYPES = ("own", "rent", "free")


@dataclasses.dataclass(frozen=True)
class ApplicationPolicy:
    """Limits of the application services.

    Attributes:
        draft_lifetime: A draft expires this long after its last save; None takes
            APPLICATION_DRAFT_DAYS from the settings.
        max_amount: Largest amount per borrower, in yuan.
        income_divisor: The amount may be at most the stated annual income divided by this.
        default_age_limits: Ages accepted when the product sets none.
    """

    draft_lifetime: dt.timedelta | None = None
    max_amount: Decimal = Decimal("300000")
    income_divisor: int = 3
    default_age_limits: AgeLimits = AgeLimits(18, 60)


DEFAULT_POLICY = ApplicationPolicy()


def _draft_expiry(policy: ApplicationPolicy, now: dt.datetime) -> dt.datetime:
    lifetime = policy.draft_lifetime or dt.timedelta(days=get_settings().application_draft_days)
    return now + lifetime


class FormErrors(InvalidInputError):
    """Several fields of one step are invalid; nothing was written.

    Attributes:
        errors: Field name -> (catalog key, placeholder values), in form order.
    """

    def __init__(self, errors: dict[str, tuple[str, dict[str, object]]]) -> None:
        first_field, (first_key, first_params) = next(iter(errors.items()))
        super().__init__(first_key, field=first_field, **first_params)
        self.errors = errors


@dataclasses.dataclass(frozen=True)
class LoanChoice:
    """Step 1: product, amount in yuan, term (months, or days for bullet), method, purpose and rate.

    ``annual_rate`` is the nominal rate the borrower asked for in the
    calculator; None quotes the product's maximum rate.
    """

    product_code: str
    amount: Decimal
    term: int
    method: str
    purpose: str = "consumption"
    annual_rate: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class BorrowerDetails:
    """Step 3: contact, address, work, income and household, as typed (numbers already parsed)."""

    contact_phone: str
    address: str
    employment_type: str
    employer: str
    monthly_income: Decimal
    employment_months: int
    housing: str
    residence_years: int
    dependants: int


@dataclasses.dataclass(frozen=True)
class CardSaved:
    """The application after step 4, with a warning key for a UnionPay card that fails the Luhn check."""

    application: ApplicationView
    warning_key: str


def _new_number(session: Session, row: LoanApplication, now: dt.datetime) -> None:
    # The row id makes the number unique; a random placeholder fills the unique column until the id exists.
    row.number = "tmp-" + uuid.uuid4().hex[:24]
    session.add(row)
    session.flush()
    row.number = f"LA-{now:%Y%m%d}-{row.id:06d}"


def move_status(session: Session, row: LoanApplication, target: ApplicationStatus, actor_id: int | None, reason: str = "", now: dt.datetime | None = None) -> None:
    """Move ``row`` to ``target`` with a status event; a new draft has no previous status."""
    previous = row.status or ""
    if previous:
        check_transition(previous, target)
    row.status = target
    session.add(ApplicationStatusEvent(
        application_id=row.id,
        from_status=previous,
        to_status=target,
        actor_id=actor_id,
        actor_role="borrower" if actor_id else "system",
        reason=reason,
        created_at=now or utc_now(),
    ))


def _active_of(session: Session, user_id: int) -> LoanApplication | None:
    return session.exec(
        select(LoanApplication)
        .where(LoanApplication.borrower_id == user_id, LoanApplication.status.in_(list(ACTIVE_STATUSES)))
        .order_by(LoanApplication.id.desc())
    ).first()


def _expire(session: Session, row: LoanApplication, now: dt.datetime) -> None:
    move_status(session, row, ApplicationStatus.EXPIRED, None, "draft_expired", now)
    row.closed_at = now
    row.updated_at = now
    logger.info("Draft %s expired", row.number)


def _check_borrower(session: Session, user_id: int) -> None:
    user = session.get(UserAccount, user_id)
    if user is None or user.role != Role.BORROWER:
        raise NotFoundError("account.error.borrower_not_found")


def open_draft(
    user_id: int,
    prefill: LoanChoice | None = None,
    *,
    client_ip: str = "",
    device_id: str = "",
    now: dt.datetime | None = None,
    policy: ApplicationPolicy = DEFAULT_POLICY,
) -> ApplicationView:
    """Return the borrower's active application, or start a draft (prefilled from the calculator when valid).

    An expired draft is marked expired first, and a new one is started.

    Raises:
        NotFoundError: When ``user_id`` is not a borrower account.
    """
    now = now or utc_now()
    with session_scope() as session:
        _check_borrower(session, user_id)
        row = _active_of(session, user_id)
        if row is not None and row.status == ApplicationStatus.DRAFT and row.expires_at and row.expires_at <= now:
            _expire(session, row, now)
            row = None
        if row is not None:
            return to_view(row)
        row = LoanApplication(borrower_id=user_id, status="", client_ip=client_ip[:64], device_id=device_id[:128],
                              created_at=now, updated_at=now, expires_at=_draft_expiry(policy, now))
        _new_number(session, row, now)
        move_status(session, row, ApplicationStatus.DRAFT, user_id, "", now)
        if prefill is not None:
            try:
                _apply_loan_choice(row, _load_product(session, prefill.product_code), prefill, policy)
                row.step = STEP_IDENTITY
            except InvalidInputError:
                # A calculator link with values outside the product's terms still opens the wizard.
                logger.info("Prefill of draft %s ignored: outside the product's terms", row.number)
        logger.info("Borrower %s started draft %s", user_id, row.number)
        return to_view(row)


def _own_draft(session: Session, user_id: int, number: str, now: dt.datetime) -> LoanApplication:
    row = session.exec(
        select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError("apply.error.not_found")
    if row.status == ApplicationStatus.DRAFT and row.expires_at and row.expires_at <= now:
        raise ApplicationStateError("apply.error.draft_expired")
    if row.status != ApplicationStatus.DRAFT:
        raise ApplicationStateError("apply.error.not_editable")
    return row


def _touch(row: LoanApplication, step_done: int, now: dt.datetime, policy: ApplicationPolicy) -> None:
    row.step = max(row.step, step_done + 1)
    row.updated_at = now
    row.expires_at = _draft_expiry(policy, now)


def _load_product(session: Session, code: str) -> LoanProduct:
    product = session.exec(select(LoanProduct).where(LoanProduct.code == code, LoanProduct.is_active)).first()
    if product is None:
        raise FormErrors({"product": ("apply.error.product.unknown", {})})
    return product


def _terms_of(product: LoanProduct) -> ProductTerms:
    return ProductTerms(**{field.name: getattr(product, field.name) for field in dataclasses.fields(ProductTerms)})


def _apply_loan_choice(row: LoanApplication, product: LoanProduct, choice: LoanChoice, policy: ApplicationPolicy) -> QuoteResult:
    """Quote the choice and copy it onto ``row``; raises FormErrors naming the field to change."""
    if choice.purpose not in PURPOSES:
        raise FormErrors({"purpose": ("apply.error.purpose.invalid", {})})
    if choice.amount > policy.max_amount:
        raise FormErrors({"amount": ("apply.error.amount.above_cap", {"max_amount": f"{policy.max_amount:,.0f}"})})
    try:
        quote = quote_product(_terms_of(product), choice.amount, choice.term, choice.method, choice.annual_rate)
    except QuoteError as error:
        field = {"product": "product", "method": "method", "amount": "amount", "term": "term"}.get(error.field, "amount")
        key = "apply.error.rate.over_cap" if error.reason == "over_cap" else f"apply.error.{field}.range"
        if field == "product":
            key = "apply.error.product.unknown"
        raise FormErrors({field: (key, {})}) from error
    row.product_code = product.code
    row.product_version = product.version
    row.segment = product.segment
    row.amount = choice.amount
    row.term = choice.term
    row.method = choice.method
    row.purpose = choice.purpose
    row.annual_rate = quote.annual_rate
    return quote


def save_loan(user_id: int, number: str, choice: LoanChoice, *, now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> tuple[ApplicationView, QuoteResult]:
    """Save step 1 and return the draft with the quote of its cost.

    Raises:
        FormErrors: The product, amount, term, method or purpose is invalid for the product or the policy.
        NotFoundError, ApplicationStateError: The draft is not the borrower's, has expired or was submitted.
    """
    now = now or utc_now()
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        quote = _apply_loan_choice(row, _load_product(session, choice.product_code), choice, policy)
        if row.monthly_income is not None:
            _check_income_share(row.amount, row.monthly_income, policy, "amount")
        _touch(row, STEP_LOAN, now, policy)
        return to_view(row), quote


def quote_draft(user_id: int, number: str) -> QuoteResult | None:
    """Return the quote of a saved step 1, or None when step 1 is not saved yet."""
    with session_scope() as session:
        row = session.exec(
            select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == user_id)
        ).first()
        if row is None or row.amount is None or not row.product_code:
            return None
        product = load_product_terms(row.product_code)
    if product is None:
        return None
    try:
        return quote_product(product, row.amount, row.term, row.method, row.annual_rate)
    except QuoteError:
        return None


def _id_number_in_use(session: Session, user_id: int, number_hash: str, application_id: int) -> bool:
    other_application = session.exec(
        select(LoanApplication.id).where(
            LoanApplication.id_number_hash == number_hash,
            LoanApplication.id != application_id,
            LoanApplication.status.in_(list(ACTIVE_STATUSES)),
        )
    ).first()
    other_profile = session.exec(
        select(BorrowerProfile.user_id).where(BorrowerProfile.id_number_hash == number_hash, BorrowerProfile.user_id != user_id)
    ).first()
    return other_application is not None or other_profile is not None


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME_LENGTH and all(ch.isalpha() or ch in "·• " for ch in name)


def save_identity(user_id: int, number: str, full_name: str, id_number: str, *, now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> ApplicationView:
    """Save step 2: the full name and resident ID number, encrypted, with the derived birth date, sex and region.

    Raises:
        FormErrors: The name or number is invalid, the age is outside the
            product's limits, or the number belongs to another active application or account.
    """
    now = now or utc_now()
    name = " ".join(full_name.split())
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if not _valid_name(name):
        errors["full_name"] = ("apply.error.full_name.invalid", {})
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        limits = policy.default_age_limits
        if row.product_code:
            product = _load_product(session, row.product_code)
            limits = AgeLimits(product.min_age, product.max_age)
        check = check_identity(id_number, limits)
        if not check.ok:
            errors["id_number"] = (check.error_key, check.error_params)
        elif _id_number_in_use(session, user_id, id_number_hash(check.number), row.id):
            errors["id_number"] = ("apply.error.id_number.in_use", {})
        if errors:
            raise FormErrors(errors)
        row.full_name_enc = encrypt(name, FULL_NAME_COLUMN)
        row.id_number_enc = encrypt(check.number, ID_NUMBER_COLUMN)
        row.id_number_hash = id_number_hash(check.number)
        row.birth_date = check.birth_date
        row.sex = check.sex
        row.region_code = check.region.code
        row.province = check.region.province
        _touch(row, STEP_IDENTITY, now, policy)
        logger.info("Identity saved on application %s", row.number)
        return to_view(row)


def _check_income_share(amount: Decimal | None, monthly_income: Decimal, policy: ApplicationPolicy, field: str) -> None:
    if amount is None:
        return
    limit = monthly_income * MONTHS_PER_YEAR / policy.income_divisor
    if amount > limit:
        raise FormErrors({field: ("apply.error.amount.above_income_share", {"max_amount": f"{limit:,.0f}"})})


def _details_errors(details: BorrowerDetails) -> dict[str, tuple[str, dict[str, object]]]:
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    phone = check_mobile(details.contact_phone)
    if not phone.ok:
        errors["contact_phone"] = (phone.error_key, {})
    address = details.address.strip()
    if not address or len(address) > MAX_ADDRESS_LENGTH:
        errors["address"] = ("apply.error.address.invalid", {"max_length": MAX_ADDRESS_LENGTH})
    if details.employment_type not in EMPLOYMENT_TYPES:
        errors["employment_type"] = ("apply.error.choice.required", {})
    if len(details.employer.strip()) > MAX_EMPLOYER_LENGTH:
        errors["employer"] = ("apply.error.employer.too_long", {"max_length": MAX_EMPLOYER_LENGTH})
    if not Decimal(0) <= details.monthly_income <= MAX_INCOME:
        errors["monthly_income"] = ("apply.error.income.range", {})
    if not 0 <= details.employment_months <= 720:
        errors["employment_months"] = ("apply.error.employment_months.range", {})
    if details.housing not in HOUSING_TYPES:
        errors["housing"] = ("apply.error.choice.required", {})
    if not 0 <= details.residence_years <= 100:
        errors["residence_years"] = ("apply.error.residence_years.range", {})
    if not 0 <= details.dependants <= 20:
        errors["dependants"] = ("apply.error.dependants.range", {})
    return errors


def save_details(user_id: int, number: str, details: BorrowerDetails, *, now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> ApplicationView:
    """Save step 3: contact phone and address (encrypted), work, income, housing and dependants.

    Raises:
        FormErrors: A field is invalid, or the step-1 amount is above the income share of the policy.
    """
    now = now or utc_now()
    errors = _details_errors(details)
    if errors:
        raise FormErrors(errors)
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        _check_income_share(row.amount, details.monthly_income, policy, "monthly_income")
        phone = check_mobile(details.contact_phone)
        row.contact_phone_enc = encrypt(phone.e164, CONTACT_PHONE_COLUMN)
        row.contact_phone_hash = phone_hash(phone.e164)
        row.address_enc = encrypt(details.address.strip(), ADDRESS_COLUMN)
        row.employer_enc = encrypt(details.employer.strip(), EMPLOYER_COLUMN) if details.employer.strip() else None
        row.employment_type = details.employment_type
        row.monthly_income = details.monthly_income
        row.employment_months = details.employment_months
        row.housing = details.housing
        row.residence_years = details.residence_years
        row.dependants = details.dependants
        _touch(row, STEP_DETAILS, now, policy)
        return to_view(row)


def save_bank_card(user_id: int, number: str, card_number: str, *, now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> CardSaved:
    """Save step 4: the payout card, encrypted, with its issuer from the BIN table.

    Raises:
        FormErrors: The number is not a card number, fails the Luhn check
            (cards outside UnionPay's 62 range), or is a credit or prepaid card.
    """
    now = now or utc_now()
    check = check_payout_card(card_number)
    if not check.ok:
        raise FormErrors({"bank_card": (check.error_key, {})})
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        row.bank_card_enc = encrypt(check.digits, BANK_CARD_COLUMN)
        row.bank_card_hash = bank_card_hash(check.digits)
        row.bank_card_last4 = check.last4
        row.bank_name = check.issuer.bank[:128] if check.issuer else ""
        row.bank_card_product = check.issuer.product[:128] if check.issuer else ""
        row.bank_card_type = check.issuer.card_type.value if check.issuer else "unknown"
        _touch(row, STEP_CARD, now, policy)
        return CardSaved(to_view(row), check.warning_key)


def mark_step(user_id: int, number: str, step_done: int, *, now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> ApplicationView:
    """Record that the borrower finished a step that stores nothing of its own (documents, consents)."""
    now = now or utc_now()
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        _touch(row, step_done, now, policy)
        return to_view(row)


def _missing_steps(row: LoanApplication) -> list[str]:
    missing = []
    if row.amount is None:
        missing.append("loan")
    if not row.id_number_enc:
        missing.append("identity")
    if not row.address_enc or row.monthly_income is None:
        missing.append("details")
    if not row.bank_card_enc:
        missing.append("bank_card")
    return missing


def submit(user_id: int, number: str, *, client_ip: str = "", now: dt.datetime | None = None, policy: ApplicationPolicy = DEFAULT_POLICY) -> ApplicationView:
    """Submit a complete draft: check steps, consents and the amount policy, then record the submitted status.

    Raises:
        FormErrors: A step is incomplete (field ``steps``), a required consent
            is missing (field ``consents``) or the amount breaks the policy.
        NotFoundError, ApplicationStateError: The draft is not the borrower's, has expired or was submitted.
    """
    now = now or utc_now()
    with session_scope() as session:
        row = _own_draft(session, user_id, number, now)
        missing = _missing_steps(row)
        if missing:
            raise FormErrors({"steps": ("apply.error.steps_incomplete", {})})
        if missing_required(session, user_id):
            raise FormErrors({"consents": ("apply.error.consent.required_missing", {})})
        _check_income_share(row.amount, row.monthly_income, policy, "amount")
        if _id_number_in_use(session, user_id, row.id_number_hash, row.id):
            raise FormErrors({"id_number": ("apply.error.id_number.in_use", {})})
        move_status(session, row, ApplicationStatus.SUBMITTED, user_id, "", now)
        row.submitted_at = now
        row.updated_at = now
        row.expires_at = None
        row.client_ip = client_ip[:64] or row.client_ip
        record_audit(
            session,
            action="application.submit",
            object_type="loan_application",
            object_id=row.number,
            actor_id=user_id,
            actor_role="borrower",
            after={"status": ApplicationStatus.SUBMITTED.value, "amount": str(row.amount), "product": row.product_code},
            client_ip=client_ip,
        )
        logger.info("Application %s submitted by borrower %s", row.number, user_id)
        return to_view(row)


def application_id_of(number: str) -> int | None:
    """Return the id of the application with ``number``, or None; for scoring, which runs without a principal."""
    with session_scope() as session:
        return session.exec(select(LoanApplication.id).where(LoanApplication.number == number)).first()


def own_application(user_id: int, number: str) -> tuple[ApplicationView, list[StatusEventView]]:
    """Return one of the borrower's applications and its status timeline, oldest event first.

    Raises:
        NotFoundError: When there is no such application of this borrower.
    """
    with session_scope() as session:
        row = session.exec(
            select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == user_id)
        ).first()
        if row is None:
            raise NotFoundError("apply.error.not_found")
        events = session.exec(
            select(ApplicationStatusEvent)
            .where(ApplicationStatusEvent.application_id == row.id)
            .order_by(ApplicationStatusEvent.created_at, ApplicationStatusEvent.id)
        ).all()
        return to_view(row), [to_event_view(event) for event in events]


def expire_stale_drafts(now: dt.datetime | None = None, engine: sa.Engine | None = None) -> int:
    """Mark every draft whose expiry has passed as expired; returns how many. Idempotent, for a daily job."""
    now = now or utc_now()
    with session_scope(engine) as session:
        rows = session.exec(
            select(LoanApplication).where(LoanApplication.status == ApplicationStatus.DRAFT, LoanApplication.expires_at <= now)
        ).all()
        for row in rows:
            _expire(session, row, now)
    if rows:
        logger.info("Expired %d drafts", len(rows))
    return len(rows)
