"""Supporting documents of an application: checked, encrypted and stored outside any served folder.

Files are stored as ``settings.var_dir / "documents" / <random hex>.bin``.
The name is generated here, and the borrower's file name is kept only,
encrypted, for display. A name such as ``../x`` or ``/etc/passwd`` therefore
never reaches the file system. The type is decided by the file's first bytes
(JPEG, PNG, WebP or PDF), never by its name or the browser's content type.
Content is encrypted with the field-encryption key. The storage name is bound
in as associated data, so swapping two files on disk makes both fail to decrypt.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import hashlib
import logging
import os
import secrets
import unicodedata
from pathlib import Path

from sqlmodel import func, select

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationDocument, LoanApplication
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission
from lendapp.integrations.crypto import field_cipher
from lendapp.services.applications_lifecycle import ApplicationStateError, ApplicationStatus
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.pii import decrypt, encrypt
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_APPLICATION = 10
MAX_DISPLAY_NAME = 100
DISPLAY_NAME_COLUMN = "application_document.display_name"
# Statuses in which the borrower may still add or remove documents.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.DOCUMENTS_REQUESTED})


class DocumentKind(enum.StrEnum):
    """Kind of supporting document."""

    SALARY_STATEMENT = "salary_statement"
    BANK_STATEMENT = "bank_statement"
    BUSINESS_LICENCE = "business_licence"
    OTHER = "other"


@dataclasses.dataclass(frozen=True)
class DocumentView:
    """One stored document as the borrower's list shows it."""

    document_id: int
    kind: str
    display_name: str
    content_type: str
    size_bytes: int
    created_at: dt.datetime


def sniff_content_type(data: bytes) -> str | None:
    """Return the content type that the first bytes of ``data`` prove, or None for any other file."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def display_name_of(filename: str) -> str:
    """Return a printable base name of an uploaded file name, for display only, never as a path."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    printable = printable.strip().lstrip(".")
    return printable[:MAX_DISPLAY_NAME] or "document"


def documents_dir() -> Path:
    """Return the folder of stored documents, created with mode 0700 on first use."""
    folder = get_settings().var_dir / "documents"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _content_column(storage_name: str) -> str:
    return f"application_document.content:{storage_name}"


def _path_of(storage_name: str) -> Path:
    # Storage names are 32 hex digits generated below; anything else is refused before touching the disk.
    if len(storage_name) != 32 or any(ch not in "0123456789abcdef" for ch in storage_name):
        raise ValueError(f"invalid storage name {storage_name!r}")
    return documents_dir() / f"{storage_name}.bin"


def _write_encrypted(storage_name: str, data: bytes) -> None:
    token = field_cipher().encrypt(base64.b64encode(data).decode("ascii"), _content_column(storage_name))
    path = _path_of(storage_name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token)


def _read_decrypted(storage_name: str) -> bytes:
    token = _path_of(storage_name).read_text(encoding="ascii")
    return base64.b64decode(field_cipher().decrypt(token, _content_column(storage_name)))


def _own_application(session, user_id: int, number: str) -> LoanApplication:
    row = session.exec(select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == user_id)).first()
    if row is None:
        raise NotFoundError("apply.error.not_found")
    if row.status not in EDITABLE_STATUSES:
        raise ApplicationStateError("apply.error.not_editable")
    return row


def store_document(user_id: int, number: str, kind: str, filename: str, data: bytes) -> DocumentView:
    """Check and store one uploaded file for the borrower's application.

    Raises:
        InvalidInputError: The kind is unknown, the file is empty, too large
            or not a JPEG, PNG, WebP or PDF, or the application has the maximum number of files.
        NotFoundError, ApplicationStateError: The application is not the borrower's or no longer takes documents.
    """
    if kind not in DocumentKind.__members__.values():
        raise InvalidInputError("apply.error.document.kind", field="documents")
    if not data:
        raise InvalidInputError("apply.error.document.empty", field="documents")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError("apply.error.document.too_large", field="documents", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    content_type = sniff_content_type(data)
    if content_type is None:
        raise InvalidInputError("apply.error.document.type", field="documents")
    display_name = display_name_of(filename)
    storage_name = secrets.token_hex(16)
    with session_scope() as session:
        row = _own_application(session, user_id, number)
        count = session.exec(
            select(func.count()).select_from(ApplicationDocument).where(
                ApplicationDocument.application_id == row.id, ApplicationDocument.deleted_at.is_(None)
            )
        ).one()
        if count >= MAX_FILES_PER_APPLICATION:
            raise InvalidInputError("apply.error.document.too_many", field="documents", max_files=MAX_FILES_PER_APPLICATION)
        _write_encrypted(storage_name, data)
        document = ApplicationDocument(
            application_id=row.id,
            borrower_id=user_id,
            kind=kind,
            content_type=content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_name=storage_name,
            display_name_enc=encrypt(display_name, DISPLAY_NAME_COLUMN),
        )
        session.add(document)
        session.flush()
        logger.info("Stored document %s (%s, %d bytes) on application %s", document.id, content_type, len(data), number)
        return _view(document)


def list_documents(user_id: int, number: str) -> list[DocumentView]:
    """Return the borrower's documents of one application, oldest first."""
    with session_scope() as session:
        row = session.exec(select(LoanApplication).where(LoanApplication.number == number, LoanApplication.borrower_id == user_id)).first()
        if row is None:
            raise NotFoundError("apply.error.not_found")
        documents = session.exec(
            select(ApplicationDocument)
            .where(ApplicationDocument.application_id == row.id, ApplicationDocument.deleted_at.is_(None))
            .order_by(ApplicationDocument.id)
        ).all()
        return [_view(document) for document in documents]


def erase_stored_file(storage_name: str) -> None:
    """Delete a document's encrypted file, for account deletion; a missing file is fine."""
    _path_of(storage_name).unlink(missing_ok=True)


def remove_document(user_id: int, number: str, document_id: int) -> None:
    """Remove one of the borrower's documents while the application still takes documents; deletes the file."""
    with session_scope() as session:
        row = _own_application(session, user_id, number)
        document = session.get(ApplicationDocument, document_id)
        if document is None or document.application_id != row.id or document.deleted_at is not None:
            raise NotFoundError("apply.error.document.not_found")
        document.deleted_at = utc_now()
        _path_of(document.storage_name).unlink(missing_ok=True)
    logger.info("Removed document %s from application %s", document_id, number)


def read_document(principal: Principal, document_id: int, client_ip: str = "") -> tuple[str, bytes]:
    """Return the content type and bytes of a document to its borrower or to staff with application access.

    A staff read is written to the audit log.

    Raises:
        NotFoundError: No such document, or it belongs to another borrower.
        PermissionDeniedError: A staff member without ``application_detail``.
    """
    with session_scope() as session:
        document = session.get(ApplicationDocument, document_id)
        if document is None or document.deleted_at is not None:
            raise NotFoundError("apply.error.document.not_found")
        if document.borrower_id != principal.user_id:
            if not principal.can(Permission.APPLICATION_DETAIL):
                # A borrower asking for someone else's file learns nothing about its existence.
                if principal.can(Permission.OWN_DOCUMENTS):
                    raise NotFoundError("apply.error.document.not_found")
                raise PermissionDeniedError("auth.error.forbidden")
            record_audit(
                session, action="document.read", object_type="application_document", object_id=document.id,
                actor_id=principal.user_id, actor_role=principal.role, client_ip=client_ip,
            )
        storage_name, content_type = document.storage_name, document.content_type
    return content_type, _read_decrypted(storage_name)


def _view(document: ApplicationDocument) -> DocumentView:
    return DocumentView(
        document_id=document.id,
        kind=document.kind,
        display_name=decrypt(document.display_name_enc, DISPLAY_NAME_COLUMN),
        content_type=document.content_type,
        size_bytes=document.size_bytes,
        created_at=document.created_at,
    )
