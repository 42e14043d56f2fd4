"""Loan contracts (借款合同): generated when the borrower accepts an offer, e-signed, downloadable by both sides.

``accept_offer`` moves an approved application to offer_accepted and stores
contract version N as a PDF: its disclosures come from the offer quoted by
the loan engine, and its text from ``lendapp.services.contract_template``. A
new draft supersedes the older draft. Once a contract is signed, nothing
creates another loan contract for the application.

``sign_contract`` checks the borrower's password or an SMS code, with failed
attempts counted like failed sign-ins. It renders the stored document again
with a signature page (signer, time, client address, method, SHA-256 of the
unsigned PDF and template version), stores that PDF next to the unsigned one
and moves the application to contract_signed. A signed row never changes:
an ORM hook rejects every update of a signed row except linking it to its
loan, and every delete.

PDFs are stored encrypted outside any served folder with the storage helpers
of ``lendapp.services.documents``. The download checks the stored SHA-256.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import secrets
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication, LoanContract, SiteContent, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.apr import to_percent
from lendapp.domain.masking import mask_id_number
from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.integrations.sms import SmsSender
from lendapp.services import throttle
from lendapp.services.applications import move_status
from lendapp.services.applications_lifecycle import ApplicationStateError, ApplicationStatus
from lendapp.services.applications_views import FULL_NAME_COLUMN, ID_NUMBER_COLUMN
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import AccountsError, InvalidCredentialsError, InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.contract_template import (
    LOAN_TEMPLATE_VERSION,
    PLAN_CHANGE_TEMPLATE_VERSION,
    Borrower,
    Lender,
    Signature,
    loan_document,
    loan_terms,
    plan_change_document,
    signature_blocks,
)
from lendapp.services.documents import _read_decrypted, _write_encrypted
from lendapp.services.passwords import verify_password
from lendapp.services.pdf import render_pdf
from lendapp.services.pii import PHONE_COLUMN, decrypt, encrypt
from lendapp.services.quotes import ProductTerms, QuoteError, QuoteResult, load_product_terms, quote_product
from lendapp.services.sessions import Principal
from lendapp.services.sms_codes import CodeCheck, CodePurpose, CodeSent, check_code, issue_code, rejection
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

S = ApplicationStatus
KIND_LOAN = "loan"
KIND_PLAN_CHANGE = "plan_change"
DRAFT, SIGNED, SUPERSEDED = "draft", "signed", "superseded"
SIGNATURE_METHODS = ("password", "sms")
OFFER_STATUSES = frozenset({S.APPROVED, S.AUTO_APPROVED})
DOCUMENT_COLUMN = "loan_contract.document"
MAX_SECRET_LENGTH = 4096
MAX_USER_AGENT = 256
LICENCE_KEYS = {"operator": "licence.operator", "licence_number": "licence.number", "regulator": "licence.regulator",
                "complaints": "licence.complaints"}


class SignedContractError(ApplicationStateError):
    """A change to a signed contract, or a new loan contract after one was signed."""

    def __init__(self) -> None:
        super().__init__("contracts.error.already_signed")


class ContractIntegrityError(AccountsError):
    """A stored PDF no longer matches the SHA-256 recorded when it was written."""


@dataclasses.dataclass(frozen=True)
class OfferView:
    """An approved offer as the borrower sees it before accepting: amounts in yuan, rates as fractions."""

    application_number: str
    status: str
    amount: Decimal
    term: int
    term_unit: str
    method: str
    annual_rate: Decimal
    apr_periodic_x_n: Decimal
    apr_compounded: Decimal
    first_payment: Decimal
    installment: Decimal | None
    total_cost: Decimal
    upfront_fee: Decimal
    amount_received: Decimal


@dataclasses.dataclass(frozen=True)
class ContractView:
    """One contract version with the figures its PDF discloses; no personal data.

    Attributes:
        replayed: The request repeated one that had already succeeded, so nothing changed.
    """

    contract_id: int
    application_number: str
    kind: str
    version: int
    template_version: str
    status: str
    created_at: dt.datetime
    signed_at: dt.datetime | None
    signature_method: str
    pdf_sha256: str
    signed_pdf_sha256: str | None
    terms: dict
    replayed: bool = False

    @property
    def download_path(self) -> str:
        """The API path of the PDF: the signed one once signed, otherwise the draft."""
        return f"/api/contracts/{self.contract_id}/pdf"


# --- Immutability ----------------------------------------------------------------------------


@sa.event.listens_for(LoanContract, "before_update")
def _reject_signed_update(_mapper, _connection, target: LoanContract) -> None:
    # Linking the signed contract to the loan booked from it is the one change allowed.
    # NOTE: bulk UPDATE statements bypass ORM hooks; nothing in lendapp issues one on this table.
    state = sa.inspect(target)
    previous = state.attrs.status.history.deleted
    was_signed = (previous[0] if previous else target.status) == SIGNED
    changed = [attr.key for attr in state.attrs if attr.history.has_changes() and attr.key != "loan_id"]
    if was_signed and changed:
        logger.warning("Rejected a change of signed contract %s (%s)", target.id, ", ".join(changed))
        raise SignedContractError()


@sa.event.listens_for(LoanContract, "before_delete")
def _reject_signed_delete(_mapper, _connection, target: LoanContract) -> None:
    if target.status == SIGNED:
        logger.warning("Rejected deleting signed contract %s", target.id)
        raise SignedContractError()


# --- Reading ---------------------------------------------------------------------------------


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        logger.warning("Denied %s to user %s (%s)", permission, principal.user_id, principal.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _is_staff_reader(principal: Principal) -> bool:
    return principal.can(Permission.APPLICATION_DETAIL) or principal.can(Permission.DISBURSEMENT)


def _own_application(session: Session, principal: Principal, number: str, lock: bool = False) -> LoanApplication:
    query = sa.select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == principal.user_id)
    if lock:
        # The row lock makes two concurrent requests on PostgreSQL run one after the other.
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFoundError("contracts.error.application_not_found")
    return row


def _view(row: LoanContract, application_number: str, replayed: bool = False) -> ContractView:
    return ContractView(
        contract_id=row.id,
        application_number=application_number,
        kind=row.kind,
        version=row.version,
        template_version=row.template_version,
        status=row.status,
        created_at=row.created_at,
        signed_at=row.signed_at,
        signature_method=row.signature_method,
        pdf_sha256=row.pdf_sha256,
        signed_pdf_sha256=row.signed_pdf_sha256,
        terms=json.loads(row.terms_json)["terms"],
        replayed=replayed,
    )


def _contracts_of(session: Session, application_id: int, kind: str | None = None) -> list[LoanContract]:
    query = select(LoanContract).where(LoanContract.application_id == application_id)
    if kind is not None:
        query = query.where(LoanContract.kind == kind)
    return list(session.exec(query.order_by(LoanContract.version.desc())).all())


def list_contracts(principal: Principal, number: str) -> list[ContractView]:
    """Return every contract version of an application, newest first, to its borrower or to staff.

    Staff need the application-detail or disbursement permission.

    Raises:
        NotFoundError: No such application, or it belongs to another borrower.
    """
    with session_scope() as session:
        row = session.exec(select(LoanApplication).where(LoanApplication.number == number)).first()
        owner = row is not None and row.borrower_id == principal.user_id and principal.can(Permission.OWN_APPLICATIONS)
        if row is None or not (owner or _is_staff_reader(principal)):
            raise NotFoundError("contracts.error.application_not_found")
        return [_view(contract, row.number) for contract in _contracts_of(session, row.id)]


def _product_of(row: LoanApplication) -> ProductTerms:
    product = load_product_terms(row.product_code)
    if product is None:
        raise ApplicationStateError("contracts.error.product_unavailable", product=row.product_code)
    return product


def _quote_offer(row: LoanApplication, product: ProductTerms, start_date: dt.date) -> QuoteResult:
    # NOTE: the offer is the application's amount, term, method and rate, which a staff approval
    # sets to the approved values. The risk tier rate of an automatic approval (offered_rate) is not applied.
    try:
        return quote_product(product, row.amount, row.term, row.method, row.annual_rate, start_date)
    except QuoteError as error:
        logger.error("Offer of application %s no longer fits product %s: %s", row.number, row.product_code, error)
        raise ApplicationStateError("contracts.error.offer_invalid") from error


def _today() -> dt.date:
    return dt.datetime.now(get_settings().timezone_info).date()


def offer_of(principal: Principal, number: str, start_date: dt.date | None = None) -> OfferView:
    """Quote the approved offer of the borrower's application, for review before accepting it.

    Raises:
        NotFoundError: No such application of this borrower.
        ApplicationStateError: The application has no offer, or its product is gone.
    """
    _require(principal, Permission.OWN_APPLICATIONS)
    with session_scope() as session:
        row = _own_application(session, principal, number)
        if row.status not in OFFER_STATUSES | {S.OFFER_ACCEPTED, S.CONTRACT_SIGNED}:
            raise ApplicationStateError("contracts.error.status", status=row.status)
        session.expunge(row)
    quote = _quote_offer(row, _product_of(row), start_date or _today())
    return OfferView(
        application_number=row.number,
        status=row.status,
        amount=quote.amount,
        term=quote.days if quote.days is not None else quote.months,
        term_unit="days" if quote.days is not None else "months",
        method=quote.method,
        annual_rate=quote.annual_rate,
        apr_periodic_x_n=quote.apr_periodic_x_n,
        apr_compounded=quote.apr_compounded,
        first_payment=quote.first_payment,
        installment=quote.installment,
        total_cost=quote.total_cost,
        upfront_fee=quote.amount - quote.amount_received,
        amount_received=quote.amount_received,
    )


# --- Generating ------------------------------------------------------------------------------


def _lender(session: Session, locale: str) -> Lender:
    rows = session.exec(
        select(SiteContent).where(SiteContent.kind == "licence", SiteContent.is_published, SiteContent.key.in_(list(LICENCE_KEYS.values())))
    ).all()
    values = {row.key: (row.body_en if locale == "en" else row.body_zh) for row in rows}
    return Lender(**{field: values.get(key, "") for field, key in LICENCE_KEYS.items()})


def _borrower(row: LoanApplication) -> Borrower:
    id_number = decrypt(row.id_number_enc, ID_NUMBER_COLUMN)
    card = f"{row.bank_name} **** {row.bank_card_last4}".strip() if row.bank_card_last4 else ""
    return Borrower(decrypt(row.full_name_enc, FULL_NAME_COLUMN), mask_id_number(id_number) if id_number else "", card)


def _store_pdf(data: bytes) -> tuple[str, str]:
    storage_name = secrets.token_hex(16)
    _write_encrypted(storage_name, data)
    return storage_name, hashlib.sha256(data).hexdigest()


def _audit_digest(digest: str) -> str:
    # The audit log rejects runs of 11 or more digits as possible ID or card numbers, and a hex digest
    # often has one, so it is recorded in groups of 8 characters.
    return "-".join(digest[index:index + 8] for index in range(0, len(digest), 8))


def _contract_number(application_number: str, version: int) -> str:
    return f"{application_number}-V{version}"


def _next_version(session: Session, application_id: int) -> int:
    latest = session.exec(select(sa.func.max(LoanContract.version)).where(LoanContract.application_id == application_id)).one()
    return (latest or 0) + 1


def _store_contract(session: Session, *, application: LoanApplication, kind: str, template_version: str, terms: dict,
                    document: list[dict], locale: str, version: int, now: dt.datetime, loan_id: int | None = None,
                    author: str = "") -> LoanContract:
    title = document[0]["text"]
    footer = translate("contracts.pdf.footer", locale, contract_number=_contract_number(application.number, version),
                       page="{page}", pages="{pages}")
    data = render_pdf(document, locale, title=title, author=author, footer=footer, created_at=now)
    storage_name, digest = _store_pdf(data)
    stored = {
        "terms": terms,
        "locale": locale,
        "title": title,
        "author": author,
        "footer": footer,
        "generated_at": now.isoformat(),
        # The document names the borrower in full, so it is stored encrypted like the other personal fields.
        "document_enc": encrypt(json.dumps(document, ensure_ascii=False), DOCUMENT_COLUMN),
    }
    contract = LoanContract(
        application_id=application.id, loan_id=loan_id, borrower_id=application.borrower_id, version=version,
        template_version=template_version, kind=kind, status=DRAFT, terms_json=json.dumps(stored, ensure_ascii=False),
        storage_name=storage_name, pdf_sha256=digest, created_at=now,
    )
    session.add(contract)
    session.flush()
    return contract


def _same_draft(draft: LoanContract | None, terms: dict, locale: str) -> bool:
    if draft is None or draft.status != DRAFT or draft.template_version != LOAN_TEMPLATE_VERSION:
        return False
    stored = json.loads(draft.terms_json)
    return stored["terms"] == terms and stored["locale"] == locale


def accept_offer(
    principal: Principal,
    number: str,
    *,
    locale: str = "zh-CN",
    client_ip: str = "",
    now: dt.datetime | None = None,
    start_date: dt.date | None = None,
) -> ContractView:
    """Accept the offer of the borrower's application and generate the loan contract to sign.

    From approved or auto_approved the application moves to offer_accepted.
    In offer_accepted the call generates a new version that supersedes the
    current draft, unless the draft already has the same terms, template and
    language, which is returned with ``replayed`` set.

    Raises:
        PermissionDeniedError: The caller is not a borrower.
        NotFoundError: No such application of this borrower.
        SignedContractError: The loan contract is already signed.
        ApplicationStateError: The application has no offer to accept, or its product is gone.
    """
    _require(principal, Permission.OWN_APPLICATIONS)
    now = now or utc_now()
    start = start_date or _today()
    with session_scope() as session:
        row = _own_application(session, principal, number, lock=True)
        existing = _contracts_of(session, row.id, KIND_LOAN)
        if row.status in (S.CONTRACT_SIGNED, S.DISBURSED) or any(contract.status == SIGNED for contract in existing):
            raise SignedContractError()
        if row.status not in OFFER_STATUSES | {S.OFFER_ACCEPTED}:
            raise ApplicationStateError("contracts.error.status", status=translate(f"apply.status_name.{row.status}", locale))
        product = _product_of(row)
        quote = _quote_offer(row, product, start)
        terms = loan_terms(application_number=row.number, product=product, quote=quote, purpose=row.purpose, start_date=start)
        latest = existing[0] if existing else None
        if row.status == S.OFFER_ACCEPTED and _same_draft(latest, terms, locale):
            return _view(latest, row.number, replayed=True)
        version = _next_version(session, row.id)
        lender = _lender(session, locale)
        document = loan_document(terms, lender, _borrower(row), contract_number=_contract_number(row.number, version), version=version,
                                 locale=locale, generated_at=now, timezone=get_settings().timezone)
        contract = _store_contract(session, application=row, kind=KIND_LOAN, template_version=LOAN_TEMPLATE_VERSION, terms=terms,
                                   document=document, locale=locale, version=version, now=now, author=lender.operator)
        superseded = [draft.version for draft in existing if draft.status == DRAFT]
        for draft in existing:
            if draft.status == DRAFT:
                draft.status = SUPERSEDED
        if row.status in OFFER_STATUSES:
            move_status(session, row, S.OFFER_ACCEPTED, principal.user_id, "offer_accepted", now)
            row.updated_at = now
        record_audit(
            session, action="contract.generate", object_type="loan_contract", object_id=contract.id, actor_id=principal.user_id,
            actor_role=principal.role, client_ip=client_ip,
            after={"application": row.number, "version": version, "template_version": LOAN_TEMPLATE_VERSION,
                   "pdf_sha256": _audit_digest(contract.pdf_sha256), "superseded_versions": superseded,
                   "apr_percent": str(to_percent(Decimal(terms["apr_periodic_x_n"])))},
        )
        view = _view(contract, row.number)
    logger.info("Generated contract version %d of application %s", version, number)
    return view


def draft_plan_change_agreement(
    session: Session,
    loan: Loan,
    *,
    change_kind_label: str,
    effective_date: dt.date,
    rows: list[list],
    total_cost: Decimal,
    terms: dict,
    locale: str = "zh-CN",
    now: dt.datetime | None = None,
) -> ContractView:
    """Store an agreement changing ``loan``'s schedule, for the borrower to sign with ``sign_contract``.

    Runs in the caller's transaction, so the plan change request and its
    agreement are stored together. An older unsigned agreement of the same
    loan is superseded. ``rows`` are the new schedule's rows as
    ``contract_template.plan_change_document`` describes them, and ``terms``
    the disclosures to keep with the agreement (JSON-ready values).
    """
    now = now or utc_now()
    application = session.get(LoanApplication, loan.application_id)
    version = _next_version(session, application.id)
    document = plan_change_document(
        loan_number=loan.number, change_kind_label=change_kind_label, effective_date=effective_date, rows=rows,
        total_cost=total_cost, contract_number=_contract_number(application.number, version), version=version,
        locale=locale, generated_at=now, timezone=get_settings().timezone,
    )
    for draft in _contracts_of(session, application.id, KIND_PLAN_CHANGE):
        if draft.status == DRAFT and draft.loan_id == loan.id:
            draft.status = SUPERSEDED
    contract = _store_contract(session, application=application, kind=KIND_PLAN_CHANGE, template_version=PLAN_CHANGE_TEMPLATE_VERSION,
                               terms=terms, document=document, locale=locale, version=version, now=now, loan_id=loan.id)
    record_audit(session, action="contract.generate", object_type="loan_contract", object_id=contract.id,
                 after={"loan": loan.number, "kind": KIND_PLAN_CHANGE, "version": version, "pdf_sha256": _audit_digest(contract.pdf_sha256)})
    logger.info("Drafted plan change agreement version %d for loan %s", version, loan.number)
    return _view(contract, application.number)


# --- Signing ---------------------------------------------------------------------------------


def request_signing_code(principal: Principal, *, locale: str, client_ip: str = "", sender: SmsSender | None = None) -> CodeSent:
    """Send an SMS code for signing a contract to the borrower's registered mobile number.

    Raises:
        InvalidInputError: The account has no mobile number.
        RateLimitedError, DeliveryError: As ``sms_codes.issue_code`` raises them.
    """
    _require(principal, Permission.OWN_APPLICATIONS)
    phone = _phone_of(principal.user_id)
    if not phone:
        raise InvalidInputError("contracts.error.no_phone", field="code")
    return issue_code(phone, CodePurpose.SIGN_CONTRACT, locale=locale, sender=sender, client_ip=client_ip)


def _phone_of(user_id: int) -> str:
    with session_scope() as session:
        user = session.get(UserAccount, user_id)
        return decrypt(user.phone_enc, PHONE_COLUMN) if user is not None and user.phone_enc else ""


def _check_secret(session: Session, user: UserAccount, phone: str, method: str, secret: str, now: dt.datetime) -> AccountsError | None:
    """Return the error of a wrong password or code, or None when it matches."""
    if method == "password":
        valid, _ = verify_password(secret, user.password_hash)
        return None if valid else InvalidCredentialsError("contracts.error.password_wrong", field="password")
    if not phone:
        return InvalidInputError("contracts.error.no_phone", field="code")
    outcome = check_code(session, phone, CodePurpose.SIGN_CONTRACT, secret, now)
    return None if outcome is CodeCheck.ACCEPTED else rejection(outcome)


def sign_contract(
    principal: Principal,
    contract_id: int,
    method: str,
    secret: str,
    *,
    client_ip: str = "",
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> ContractView:
    """Sign the borrower's draft contract after checking the password or SMS code.

    A wrong secret counts as a failed sign-in of the account and the client
    address, so five failures lock both for 15 minutes. Signing a contract
    that is already signed returns it with ``replayed`` set and checks nothing.

    Raises:
        PermissionDeniedError: The caller is not a borrower.
        InvalidInputError: The method is unknown or the secret is empty.
        NotFoundError: No such contract of this borrower.
        ApplicationStateError: The contract was superseded, or the application no longer waits for a signature.
        AccountLockedError: Too many failures; also raised by the failure that reaches the limit.
        InvalidCredentialsError, CodeRejectedError: The password or code is wrong.
    """
    _require(principal, Permission.OWN_APPLICATIONS)
    if method not in SIGNATURE_METHODS:
        raise InvalidInputError("contracts.error.method", field="method")
    now = now or utc_now()
    failure: AccountsError | None = None
    with session_scope() as session:
        contract = session.execute(sa.select(LoanContract).where(LoanContract.id == contract_id).with_for_update()).scalar_one_or_none()
        if contract is None or contract.borrower_id != principal.user_id:
            raise NotFoundError("contracts.error.not_found")
        application = session.get(LoanApplication, contract.application_id)
        if contract.status == SIGNED:
            return _view(contract, application.number, replayed=True)
        if contract.status == SUPERSEDED:
            raise ApplicationStateError("contracts.error.superseded")
        if contract.kind == KIND_LOAN and application.status != S.OFFER_ACCEPTED:
            raise ApplicationStateError("contracts.error.not_awaiting_signature")
        secret = (secret or "").strip() if method == "sms" else (secret or "")
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            raise InvalidInputError("contracts.error.secret_missing", field="password" if method == "password" else "code")
        user = session.get(UserAccount, principal.user_id)
        phone = decrypt(user.phone_enc, PHONE_COLUMN) if user.phone_enc else ""
        account = throttle.account_subject("borrower", phone) if phone else throttle.account_subject("borrower-id", str(user.id))
        subjects = [account, throttle.address_subject(client_ip)]
        throttle.ensure_not_locked(session, subjects, now)
        failure = _check_secret(session, user, phone, method, secret, now)
        if failure is not None:
            locked_until = throttle.record_failure(session, subjects, now)
            if locked_until is not None:
                failure = throttle.lockout_error(locked_until, now)
        else:
            throttle.clear_failures(session, account)
            _apply_signature(session, contract, application, principal, method, client_ip, user_agent, now)
            view = _view(contract, application.number)
    if failure is not None:
        logger.info("Signing contract %s failed (%s)", contract_id, failure.key)
        raise failure
    logger.info("Borrower %s signed contract %s (%s)", principal.user_id, contract_id, method)
    return view


def _apply_signature(session: Session, contract: LoanContract, application: LoanApplication, principal: Principal,
                     method: str, client_ip: str, user_agent: str, now: dt.datetime) -> None:
    unsigned = _read_checked(contract.storage_name, contract.pdf_sha256, contract.id)
    stored = json.loads(contract.terms_json)
    document = json.loads(decrypt(stored["document_enc"], DOCUMENT_COLUMN))
    borrower = _borrower(application)
    signer = f"{borrower.full_name} ({borrower.masked_id_number})" if borrower.masked_id_number else borrower.full_name
    signature = Signature(signer=signer, signed_at=now, client_ip=client_ip[:64], method=method,
                          unsigned_sha256=hashlib.sha256(unsigned).hexdigest(), template_version=contract.template_version,
                          version=contract.version)
    locale = stored["locale"]
    data = render_pdf(document + signature_blocks(signature, locale, get_settings().timezone), locale,
                      title=stored["title"], author=stored["author"], footer=stored["footer"], created_at=now)
    storage_name, digest = _store_pdf(data)
    contract.status = SIGNED
    contract.signed_storage_name = storage_name
    contract.signed_pdf_sha256 = digest
    contract.signature_method = method
    contract.signed_at = now
    contract.signed_ip = client_ip[:64]
    contract.signed_user_agent = user_agent[:MAX_USER_AGENT]
    if contract.kind == KIND_LOAN:
        move_status(session, application, S.CONTRACT_SIGNED, principal.user_id, "contract_signed", now)
        application.updated_at = now
    record_audit(
        session, action="contract.sign", object_type="loan_contract", object_id=contract.id, actor_id=principal.user_id,
        actor_role=principal.role, client_ip=client_ip, before={"status": DRAFT},
        after={"status": SIGNED, "method": method, "version": contract.version, "pdf_sha256": _audit_digest(contract.pdf_sha256),
               "signed_pdf_sha256": _audit_digest(digest), "template_version": contract.template_version},
    )


# --- Downloading -----------------------------------------------------------------------------


def _read_checked(storage_name: str, expected_sha256: str, contract_id: int) -> bytes:
    data = _read_decrypted(storage_name)
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        logger.error("Stored PDF of contract %s does not match its SHA-256; restore it from a backup", contract_id)
        raise ContractIntegrityError("contracts.error.file_damaged")
    return data


def read_contract_pdf(principal: Principal, contract_id: int, *, client_ip: str = "") -> tuple[str, bytes]:
    """Return the file name and bytes of a contract PDF: the signed one once signed, otherwise the draft.

    The borrower reads their own contracts. Staff with the application-detail
    or disbursement permission read any, and each staff read is audited.

    Raises:
        NotFoundError: No such contract, or the caller may not read it; both look the same.
        ContractIntegrityError: The stored file does not match its SHA-256.
    """
    with session_scope() as session:
        contract = session.get(LoanContract, contract_id)
        owner = contract is not None and contract.borrower_id == principal.user_id and principal.can(Permission.OWN_APPLICATIONS)
        if contract is None or not (owner or _is_staff_reader(principal)):
            raise NotFoundError("contracts.error.not_found")
        if not owner:
            record_audit(session, action="contract.read", object_type="loan_contract", object_id=contract.id,
                         actor_id=principal.user_id, actor_role=principal.role, client_ip=client_ip)
        application_number = session.get(LoanApplication, contract.application_id).number
        signed = contract.status == SIGNED
        storage_name = contract.signed_storage_name if signed else contract.storage_name
        digest = contract.signed_pdf_sha256 if signed else contract.pdf_sha256
        version = contract.version
    suffix = "-signed" if signed else ""
    return f"{application_number}-v{version}{suffix}.pdf", _read_checked(storage_name, digest, contract_id)
