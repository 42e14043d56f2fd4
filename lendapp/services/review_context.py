"""Context of an application under review: rules hit, linked applicants, the borrower's history, documents and notes.

``review_detail`` in ``review_queue`` returns the application; ``review_context``
returns everything around it that comes from other rows. Linked applicants
are other people's applications, so their rows carry the number, status,
submission time and which attribute matched, and never a name, an ID number,
a phone number, a card number or a hash of one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationDocument, Loan, LoanApplication
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services import documents
from lendapp.services.auth_errors import NotFoundError, PermissionDeniedError
from lendapp.services.review_notes import NoteView, notes_of
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

MAX_LINKED = 20
MAX_PREVIOUS_LOANS = 20
MAX_EARLIER_APPLICATIONS = 20

# Columns whose equal values link two applications, with the attribute name the page shows.
# Each column has its own index.
LINK_COLUMNS = (
    ("id_number", "id_number_hash"),
    ("contact_phone", "contact_phone_hash"),
    ("bank_card", "bank_card_hash"),
    ("device", "device_id"),
)


@dataclasses.dataclass(frozen=True)
class RuleHit:
    """One policy or fraud rule that applied at scoring, with the catalog key of its staff text."""

    code: str
    message_key: str


@dataclasses.dataclass(frozen=True)
class LinkedApplication:
    """Another person's application that shares an identifier with this one; carries no personal data.

    Attributes:
        number: The other application's number.
        status: Its status code.
        shared: Names from ``LINK_COLUMNS`` of every attribute the two applications share.
        submitted_at: When it was submitted (UTC).
    """

    number: str
    status: str
    shared: tuple[str, ...]
    submitted_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PreviousLoan:
    """A loan of the same borrower from another application."""

    number: str
    principal: Decimal
    state: str
    max_dpd: int
    disbursed_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class EarlierApplication:
    """An application the same borrower submitted before this one, and its outcome or current status."""

    number: str
    status: str
    decision_reason: str
    amount: Decimal | None
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class DocumentRow:
    """One uploaded document of the application, without its file name."""

    document_id: int
    kind: str
    content_type: str
    size_bytes: int
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ReviewContext:
    """Everything around one application under review, each part read from the database.

    Lists are newest first, except documents, which are in upload order.
    """

    number: str
    policy_rules: tuple[RuleHit, ...]
    fraud_flags: tuple[RuleHit, ...]
    linked: tuple[LinkedApplication, ...]
    previous_loans: tuple[PreviousLoan, ...]
    earlier_applications: tuple[EarlierApplication, ...]
    documents: tuple[DocumentRow, ...]
    notes: tuple[NoteView, ...]


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def is_fraud_rule(code: str) -> bool:
    """Tell fraud rule codes (``velocity``, ``shared_<attribute>``, ``anomaly...``) from policy rule codes."""
    return code == "velocity" or code.startswith("shared_") or code.startswith("anomaly")


def split_rules(rules_hit: str) -> tuple[tuple[RuleHit, ...], tuple[RuleHit, ...]]:
    """Split the JSON list of ``rules_hit`` into policy rules and fraud flags, in stored order.

    A value that is not a JSON list yields no rules and a logged warning,
    because the page must still open when one row is damaged.
    """
    try:
        codes = json.loads(rules_hit or "[]")
    except ValueError:
        logger.warning("rules_hit is not valid JSON; showing no rules")
        return (), ()
    if not isinstance(codes, list):
        logger.warning("rules_hit is not a JSON list; showing no rules")
        return (), ()
    policy, fraud = [], []
    for code in dict.fromkeys(str(code) for code in codes):
        if is_fraud_rule(code):
            fraud.append(RuleHit(code, f"risk.fraud.{code}"))
        else:
            policy.append(RuleHit(code, f"risk.rule.{code}"))
    return tuple(policy), tuple(fraud)


def _submitted_application(session: Session, number: str) -> LoanApplication:
    row = session.execute(sa.select(LoanApplication).where(LoanApplication.number == number)).scalar_one_or_none()
    if row is None or row.submitted_at is None:
        raise NotFoundError("staff.review.error.not_found", number=number)
    return row


def linked_query(column: str, value: str, borrower_id: int) -> sa.Select:
    """Build the query for other borrowers' submitted applications whose ``column`` equals ``value``, newest first."""
    table = LoanApplication.__table__
    return (
        sa.select(table.c.id, table.c.number, table.c.status, table.c.submitted_at)
        .where(table.c[column] == value, table.c.borrower_id != borrower_id, table.c.submitted_at.is_not(None))
        .order_by(table.c.submitted_at.desc(), table.c.id.desc())
        .limit(MAX_LINKED)
    )


def _linked(session: Session, row: LoanApplication) -> tuple[LinkedApplication, ...]:
    found: dict[int, dict] = {}
    # One query per attribute, so each lookup reads only its own index's matching rows. The newest
    # MAX_LINKED rows of the union are among the newest MAX_LINKED of each part, so the merge below is exact.
    for name, column in LINK_COLUMNS:
        value = getattr(row, column)
        if not value:
            continue
        records = session.execute(linked_query(column, value, row.borrower_id)).all()
        for record in records:
            entry = found.setdefault(record.id, {"record": record, "shared": []})
            entry["shared"].append(name)
    ordered = sorted(found.values(), key=lambda entry: (entry["record"].submitted_at, entry["record"].id), reverse=True)
    return tuple(
        LinkedApplication(entry["record"].number, entry["record"].status, tuple(entry["shared"]), entry["record"].submitted_at)
        for entry in ordered[:MAX_LINKED]
    )


def _previous_loans(session: Session, row: LoanApplication) -> tuple[PreviousLoan, ...]:
    loans = session.execute(
        sa.select(Loan.number, Loan.principal, Loan.state, Loan.max_dpd, Loan.disbursed_at)
        .where(Loan.borrower_id == row.borrower_id, Loan.application_id != row.id)
        .order_by(Loan.disbursed_at.desc(), Loan.id.desc())
        .limit(MAX_PREVIOUS_LOANS)
    ).all()
    return tuple(PreviousLoan(*loan) for loan in loans)


def _earlier_applications(session: Session, row: LoanApplication) -> tuple[EarlierApplication, ...]:
    table = LoanApplication.__table__
    earlier = sa.or_(
        table.c.submitted_at < row.submitted_at,
        sa.and_(table.c.submitted_at == row.submitted_at, table.c.id < row.id),
    )
    records = session.execute(
        sa.select(table.c.number, table.c.status, table.c.decision_reason, table.c.amount, table.c.submitted_at, table.c.decided_at)
        .where(table.c.borrower_id == row.borrower_id, table.c.id != row.id, table.c.submitted_at.is_not(None), earlier)
        .order_by(table.c.submitted_at.desc(), table.c.id.desc())
        .limit(MAX_EARLIER_APPLICATIONS)
    ).all()
    return tuple(EarlierApplication(*record) for record in records)


def _documents(session: Session, row: LoanApplication) -> tuple[DocumentRow, ...]:
    records = session.execute(
        sa.select(
            ApplicationDocument.id, ApplicationDocument.kind, ApplicationDocument.content_type,
            ApplicationDocument.size_bytes, ApplicationDocument.created_at,
        )
        .where(ApplicationDocument.application_id == row.id, ApplicationDocument.deleted_at.is_(None))
        .order_by(ApplicationDocument.created_at, ApplicationDocument.id)
    ).all()
    return tuple(DocumentRow(*record) for record in records)


def review_context(actor: Principal, number: str) -> ReviewContext:
    """Return the rules hit, linked applicants, the borrower's earlier loans and applications, documents and notes.

    Raises:
        PermissionDeniedError: The actor may not open application details.
        NotFoundError: No submitted application has that number.
    """
    _require(actor, Permission.APPLICATION_DETAIL)
    with session_scope() as session:
        row = _submitted_application(session, number)
        policy_rules, fraud_flags = split_rules(row.rules_hit)
        return ReviewContext(
            number=row.number,
            policy_rules=policy_rules,
            fraud_flags=fraud_flags,
            linked=_linked(session, row),
            previous_loans=_previous_loans(session, row),
            earlier_applications=_earlier_applications(session, row),
            documents=_documents(session, row),
            notes=notes_of(session, row.id),
        )


def read_application_document(actor: Principal, number: str, document_id: int, client_ip: str = "") -> tuple[str, bytes]:
    """Return the content type and bytes of one document of a submitted application; the read is audited.

    The document must belong to the application named by ``number``, so a link
    built for one application never opens another application's file.

    Raises:
        PermissionDeniedError: The actor may not open application details.
        NotFoundError: No submitted application has that number, or the document is not one of its live documents.
    """
    _require(actor, Permission.APPLICATION_DETAIL)
    with session_scope() as session:
        application_id = _submitted_application(session, number).id
        owner = session.execute(
            sa.select(ApplicationDocument.application_id).where(
                ApplicationDocument.id == document_id, ApplicationDocument.deleted_at.is_(None)
            )
        ).scalar_one_or_none()
    if owner != application_id:
        logger.info("Document %s is not a document of application %s", document_id, number)
        raise NotFoundError("apply.error.document.not_found")
    # read_document checks the permission again and writes the document.read audit entry.
    return documents.read_document(actor, document_id, client_ip)
