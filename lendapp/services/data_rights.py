"""A borrower's personal-data rights under PIPL: a copy of their data and account deletion.

The export is a zip archive of JSON files: the account, the profile,
applications, consents, loans with their schedules, payments and messages.
Identity and card numbers stay masked in it, like everywhere the app shows
them, because a downloaded file is as exposed as a page.

Deletion erases what no law requires the lender to keep and anonymizes the
account. Records of a loan are kept: the contract, schedule, payments, ledger and the
identity of the borrower it was lent to. Loan and anti-money-laundering
record keeping requires them for five years after the relationship ends. A borrower with
an open loan or an application in progress must settle or withdraw first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import secrets
import zipfile
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import (
    ApplicationDocument,
    AuthSession,
    BorrowerProfile,
    ConsentRecord,
    Loan,
    LoanApplication,
    LoanInstallment,
    Notification,
    NotificationPreference,
    Payment,
    UserAccount,
)
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_bank_card, mask_id_number
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services import loans, passwords
from lendapp.services.applications_lifecycle import CLOSED_STATUSES, ApplicationStatus
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidCredentialsError, InvalidInputError, PermissionDeniedError
from lendapp.services.documents import erase_stored_file
from lendapp.services.consents import CONSENT_POLICIES, record_consents
from lendapp.services.pii import BANK_CARD_COLUMN, FULL_NAME_COLUMN, ID_NUMBER_COLUMN, PHONE_COLUMN, decrypt
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

# Catalog keys of the categories that deletion erases and keeps, listed on the confirmation screen.
ERASED_CATEGORIES = (
    "data_rights.erased.login",
    "data_rights.erased.contact",
    "data_rights.erased.optional_consents",
    "data_rights.erased.messages",
    "data_rights.erased.unfunded_applications",
    "data_rights.erased.documents",
)
KEPT_CATEGORIES = (
    "data_rights.kept.loans",
    "data_rights.kept.identity",
    "data_rights.kept.consent_history",
    "data_rights.kept.audit",
)


@dataclasses.dataclass(frozen=True)
class DeletionReport:
    """The categories an account deletion erased and kept, as catalog keys."""

    erased: tuple[str, ...]
    kept: tuple[str, ...]


def _require_borrower(principal: Principal, permission: Permission) -> None:
    if not has_permission(principal.role, permission):
        raise PermissionDeniedError("auth.error.forbidden")


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _masked(value: str | None, column: str, mask) -> str:
    plain = decrypt(value, column) if value else ""
    return mask(plain) if plain else ""


def _collect(session: Session, user_id: int) -> dict[str, object]:
    account = session.get(UserAccount, user_id)
    profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).first()
    phone = decrypt(account.phone_enc, PHONE_COLUMN) if account.phone_enc else ""
    data: dict[str, object] = {
        "account": {"phone": phone, "created_at": account.created_at, "password_changed_at": account.password_changed_at},
        "profile": {
            "full_name": decrypt(profile.full_name_enc, FULL_NAME_COLUMN) if profile and profile.full_name_enc else "",
            "id_number_masked": _masked(profile.id_number_enc if profile else None, ID_NUMBER_COLUMN, mask_id_number),
            "bank_card_masked": _masked(profile.bank_card_enc if profile else None, BANK_CARD_COLUMN, mask_bank_card),
        },
    }
    applications = session.exec(select(LoanApplication).where(LoanApplication.borrower_id == user_id)).all()
    data["applications"] = [
        {
            "number": row.number, "status": row.status, "product": row.product_code, "amount": row.amount, "term": row.term,
            "method": row.method, "annual_rate": row.annual_rate, "purpose": row.purpose,
            "monthly_income": row.monthly_income, "employment_type": row.employment_type, "province": row.province,
            "score": row.score, "decision_reason": row.decision_reason, "reason_codes": json.loads(row.reason_codes or "[]"),
            "created_at": row.created_at, "submitted_at": row.submitted_at, "decided_at": row.decided_at,
        }
        for row in applications
    ]
    data["consents"] = [
        {"purpose": r.purpose, "granted": r.granted, "policy_version": r.policy_version, "at": r.created_at}
        for r in session.exec(select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.id)).all()
    ]
    loan_rows = session.exec(select(Loan).where(Loan.borrower_id == user_id)).all()
    data["loans"] = []
    for loan in loan_rows:
        rows = session.exec(select(LoanInstallment).where(LoanInstallment.loan_id == loan.id).order_by(LoanInstallment.schedule_version, LoanInstallment.seq)).all()
        data["loans"].append({
            "number": loan.number, "state": loan.state, "principal": loan.principal, "annual_rate": loan.annual_rate,
            "apr": loan.apr, "method": loan.method, "term": loan.term, "start_date": loan.start_date,
            "maturity_date": loan.maturity_date, "dpd": loan.dpd,
            "schedule": [
                {"version": r.schedule_version, "seq": r.seq, "due_date": r.due_date, "principal": r.principal,
                 "interest": r.interest, "fee": r.fee, "paid_principal": r.paid_principal,
                 "paid_interest": r.paid_interest, "paid_fee": r.paid_fee, "status": r.status}
                for r in rows
            ],
        })
    data["payments"] = [
        {"reference": p.reference, "purpose": p.purpose, "provider": p.provider, "currency": p.currency,
         "amount_minor": p.amount_minor, "status": p.status, "created_at": p.created_at, "succeeded_at": p.succeeded_at}
        for p in session.exec(select(Payment).where(Payment.borrower_id == user_id).order_by(Payment.id)).all()
    ]
    data["messages"] = [
        {"channel": n.channel, "template": n.template, "params": json.loads(n.params_json or "{}"), "status": n.status,
         "sent_at": n.sent_at, "read_at": n.read_at}
        for n in session.exec(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)).all()
    ]
    return data


def export_personal_data(principal: Principal, client_ip: str = "", now: dt.datetime | None = None) -> tuple[str, bytes]:
    """Build the borrower's own data archive; return its file name and bytes. The export is audited."""
    _require_borrower(principal, Permission.OWN_DATA_EXPORT)
    now = now or utc_now()
    with session_scope() as session:
        data = _collect(session, principal.user_id)
        record_audit(
            session, action="data_rights.export", object_type="user_account", object_id=principal.user_id,
            actor_id=principal.user_id, actor_role=principal.role, before=None,
            after={"sections": sorted(data)}, client_ip=client_ip,
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, content in data.items():
            archive.writestr(f"{section}.json", json.dumps(content, default=_json_default, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", _README)
    logger.info("Borrower %s exported their personal data", principal.user_id)
    return f"lendapp-data-{now:%Y%m%d}.zip", buffer.getvalue()


_README = (
    "lendapp personal data export\n\n"
    "Each JSON file holds one kind of record: account, profile, applications, consents, loans (with schedules),\n"
    "payments and messages. Amounts are yuan, except amount_minor in payments, which is fen.\n"
    "Identity and bank card numbers are masked; ask customer service to see them in full after identity checks.\n"
)


def _has_open_business(session: Session, user_id: int) -> bool:
    open_loan = session.exec(
        select(Loan.id).where(Loan.borrower_id == user_id, Loan.state.in_(sorted(loans.OPEN_STATES)))
    ).first()
    in_progress = session.exec(
        select(LoanApplication.id).where(
            LoanApplication.borrower_id == user_id,
            LoanApplication.status.not_in(sorted(CLOSED_STATUSES | {ApplicationStatus.DRAFT})),
        )
    ).first()
    return open_loan is not None or in_progress is not None


def delete_account(principal: Principal, password: str, client_ip: str = "", now: dt.datetime | None = None) -> DeletionReport:
    """Erase or anonymize the borrower's account after re-entering the password.

    Raises:
        InvalidCredentialsError: The password is wrong; nothing changed.
        InvalidInputError: An open loan or an application in progress must be settled or withdrawn first.
    """
    _require_borrower(principal, Permission.OWN_DATA_EXPORT)
    now = now or utc_now()
    with session_scope() as session:
        account = session.get(UserAccount, principal.user_id)
        ok, _ = passwords.verify_password(password, account.password_hash)
        if not ok:
            raise InvalidCredentialsError("data_rights.error.password", field="password")
        if _has_open_business(session, principal.user_id):
            raise InvalidInputError("data_rights.error.open_business")
        had_loan = session.exec(select(Loan.id).where(Loan.borrower_id == principal.user_id)).first() is not None
    # Optional consents are withdrawn through the consent service, so the withdrawal has its own audit entries.
    optional = {policy.purpose.value: False for policy in CONSENT_POLICIES if not policy.required}
    record_consents(principal.user_id, optional, client_ip=client_ip)
    with session_scope() as session:
        _erase(session, principal.user_id, had_loan, now)
        record_audit(
            session, action="data_rights.delete_account", object_type="user_account", object_id=principal.user_id,
            actor_id=principal.user_id, actor_role=principal.role, before=None,
            after={"kept_loan_records": had_loan}, client_ip=client_ip,
        )
    logger.info("Borrower %s deleted their account (loan records kept: %s)", principal.user_id, had_loan)
    kept = KEPT_CATEGORIES if had_loan else tuple(k for k in KEPT_CATEGORIES if k not in ("data_rights.kept.loans", "data_rights.kept.identity"))
    erased = ERASED_CATEGORIES if had_loan else (*ERASED_CATEGORIES, "data_rights.erased.identity")
    return DeletionReport(erased=erased, kept=kept)


def _erase(session: Session, user_id: int, had_loan: bool, now: dt.datetime) -> None:
    account = session.get(UserAccount, user_id)
    account.is_active = False
    account.login = f"deleted-{user_id}"
    account.display_name = "deleted"
    account.phone_enc = None
    account.phone_hash = None
    # A random hash no password matches: the account can never sign in again.
    account.password_hash = passwords.hash_password(secrets.token_urlsafe(32))
    account.updated_at = now
    session.execute(sa.update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)).values(revoked_at=now, revoke_reason="account_deleted"))
    session.execute(sa.delete(Notification).where(Notification.user_id == user_id))
    session.execute(sa.delete(NotificationPreference).where(NotificationPreference.user_id == user_id))
    funded = set(session.exec(select(Loan.application_id).where(Loan.borrower_id == user_id)).all())
    for row in session.exec(select(LoanApplication).where(LoanApplication.borrower_id == user_id)).all():
        if row.id in funded:
            continue
        for column in ("full_name_enc", "id_number_enc", "id_number_hash", "contact_phone_enc", "contact_phone_hash",
                       "address_enc", "employer_enc", "bank_card_enc", "bank_card_hash"):
            setattr(row, column, None)
        row.bank_card_last4 = ""
        row.client_ip = ""
        row.device_id = ""
    documents = session.exec(select(ApplicationDocument).where(ApplicationDocument.borrower_id == user_id, ApplicationDocument.deleted_at.is_(None))).all()
    for document in documents:
        if document.application_id not in funded:
            document.deleted_at = now
            document.display_name_enc = None
            erase_stored_file(document.storage_name)
    profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).first()
    if profile is not None and not had_loan:
        for column in ("full_name_enc", "full_name_hash", "id_number_enc", "id_number_hash", "bank_card_enc", "bank_card_hash"):
            setattr(profile, column, None)
