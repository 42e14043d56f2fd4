"""Staff notes on an application under review: adding one and listing them with their authors.

Notes are append-only (see ``ApplicationNote``), so this module offers no edit or delete.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationNote, LoanApplication, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

NOTE_ACTION = "application.note"
MAX_NOTE_LENGTH = 2000
# The page lists the newest notes only; older ones stay in the table and the audit log.
MAX_LISTED_NOTES = 100


@dataclasses.dataclass(frozen=True)
class NoteView:
    """One note with its author's display name."""

    note_id: int
    author_name: str
    body: str
    created_at: dt.datetime


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor.role, permission):
        logger.warning("Denied %s to user %s (%s)", permission, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def _submitted_application_id(session: Session, number: str) -> int:
    row = session.execute(
        sa.select(LoanApplication.id, LoanApplication.submitted_at).where(LoanApplication.number == number)
    ).one_or_none()
    if row is None or row.submitted_at is None:
        raise NotFoundError("staff.review.error.not_found", number=number)
    return row.id


def notes_of(session: Session, application_id: int) -> tuple[NoteView, ...]:
    """Return the newest ``MAX_LISTED_NOTES`` notes of an application, newest first, without a permission check."""
    records = session.execute(
        sa.select(ApplicationNote.id, UserAccount.display_name, ApplicationNote.body, ApplicationNote.created_at)
        .join(UserAccount, UserAccount.id == ApplicationNote.author_id)
        .where(ApplicationNote.application_id == application_id)
        .order_by(ApplicationNote.created_at.desc(), ApplicationNote.id.desc())
        .limit(MAX_LISTED_NOTES)
    ).all()
    return tuple(NoteView(*record) for record in records)


def add_note(actor: Principal, number: str, body: str, client_ip: str = "", now: dt.datetime | None = None) -> NoteView:
    """Add a note to a submitted application and audit it.

    Args:
        actor: The staff member; needs the permission to decide applications.
        number: The application number.
        body: The note; leading and trailing white space is removed, and 1 to
            ``MAX_NOTE_LENGTH`` characters must remain.
        client_ip: The client address for the audit log.
        now: The note's time; the current time when omitted.

    Raises:
        PermissionDeniedError: The actor may not review applications.
        InvalidInputError: The note is empty or longer than ``MAX_NOTE_LENGTH``.
        NotFoundError: No submitted application has that number.
    """
    _require(actor, Permission.APPLICATION_DECIDE)
    text = (body or "").strip()
    if not text:
        raise InvalidInputError("staff.review_detail.error.note_empty", field="body")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInputError("staff.review_detail.error.note_too_long", field="body", maximum=MAX_NOTE_LENGTH)
    with session_scope() as session:
        application_id = _submitted_application_id(session, number)
        note = ApplicationNote(application_id=application_id, author_id=actor.user_id, body=text, created_at=now or utc_now())
        session.add(note)
        session.flush()
        # The body may quote personal data, so the audit entry records the note's id and length, not its text.
        record_audit(
            session, action=NOTE_ACTION, object_type="loan_application", object_id=application_id,
            actor_id=actor.user_id, actor_role=actor.role, after={"note_id": note.id, "length": len(text)},
            client_ip=client_ip,
        )
        author_name = session.execute(sa.select(UserAccount.display_name).where(UserAccount.id == actor.user_id)).scalar_one()
        view = NoteView(note.id, author_name, note.body, note.created_at)
    logger.info("User %s added note %s to application %s", actor.user_id, view.note_id, number)
    return view


def list_notes(actor: Principal, number: str) -> tuple[NoteView, ...]:
    """Return the notes of a submitted application with their authors' names, newest first.

    Raises:
        PermissionDeniedError: The actor may not open application details.
        NotFoundError: No submitted application has that number.
    """
    _require(actor, Permission.APPLICATION_DETAIL)
    with session_scope() as session:
        return notes_of(session, _submitted_application_id(session, number))
