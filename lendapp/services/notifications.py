"""Borrower notifications: bilingual templates, the inbox, SMS and email, with contact rules.

A notification is queued as one ``Notification`` row per channel. Inbox rows
are marked sent at once. SMS and email rows wait for ``deliver_due``, which
the daily job, the scheduler's delivery tick and event handlers call.

Contact rules, applied to reminders (the templates in ``REMINDER_TEMPLATES``):

* Quiet hours: no reminder text or email is sent from 21:00 to 08:00 in
  ``settings.timezone``. One queued in that window is scheduled for 08:00.
* Daily contact limit: at most ``DAILY_CONTACT_LIMIT`` reminder messages
  (SMS and email together) per borrower and local day. Later ones are
  suppressed. The inbox does not count, because it never interrupts anyone.

Preferences (``NotificationPreference`` per channel and category) are honoured
for the ``reminder`` and ``marketing`` categories. Notices in the ``notice``
category are sent whatever the preferences are, because the borrower must
receive them: the overdue notice that precedes penalty interest and credit
reporting, payment receipts, the disbursement confirmation, credit decisions
and plan-change results.

``dedupe_key`` is unique per row, so a job that runs twice queues once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import smtplib
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import Notification, NotificationPreference, UserAccount
from lendapp.db.types import utc_now
from lendapp.i18n import translate
from lendapp.i18n.catalog import normalize_locale
from lendapp.i18n.formatting import format_date, format_money
from lendapp.integrations.sms import SmsSender, get_sms_sender
from lendapp.services.pii import PHONE_COLUMN, decrypt
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

INBOX, SMS, EMAIL = "inbox", "sms", "email"
CHANNELS = (INBOX, SMS, EMAIL)
REMINDER, MARKETING, NOTICE = "reminder", "marketing", "notice"
CATEGORIES = (REMINDER, MARKETING, NOTICE)
# Categories a borrower may switch off per channel; notices are legally required.
OPTIONAL_CATEGORIES = (REMINDER, MARKETING)

# Template name -> category. Each has ``notify.<name>.subject`` and ``.body`` in the catalogs.
TEMPLATES: dict[str, str] = {
    "reminder_before_due": REMINDER,
    "reminder_due_today": REMINDER,
    "reminder_overdue": NOTICE,
    "payment_received": NOTICE,
    "loan_disbursed": NOTICE,
    "application_approved": NOTICE,
    "application_declined": NOTICE,
    "documents_requested": NOTICE,
    "plan_change_proposed": NOTICE,
    "plan_change_approved": NOTICE,
    "plan_change_rejected": NOTICE,
    "plan_change_applied": NOTICE,
}
# Templates that count as reminder contacts for quiet hours and the daily limit.
REMINDER_TEMPLATES = frozenset({"reminder_before_due", "reminder_due_today", "reminder_overdue"})

QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)
DAILY_CONTACT_LIMIT = 3
MAX_ATTEMPTS = 3
# Minutes to wait before the second and third delivery attempt.
RETRY_DELAYS_MINUTES = (5, 30)
SMTP_TIMEOUT_SECONDS = 15


def _no_email_address(session: Session, user_id: int) -> str | None:
    # NOTE: no table stores a borrower's email address yet (user_account and
    # borrower_profile have no email column), so email is sent only when a
    # resolver is installed, as the tests do.
    return None


# Looks up a borrower's email address; replace it once the address is stored.
email_address_resolver: Callable[[Session, int], str | None] = _no_email_address


class NotificationError(ValueError):
    """An unknown template, channel or category, or a missing parameter."""


@dataclasses.dataclass(frozen=True)
class InboxItem:
    """One inbox message, rendered in the borrower's language."""

    id: int
    template: str
    subject: str
    body: str
    created_at: dt.datetime
    read: bool
    loan_id: int | None


@dataclasses.dataclass(frozen=True)
class DeliveryReport:
    """Counts of one ``deliver_due`` call, by outcome."""

    sent: int = 0
    suppressed: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0


@dataclasses.dataclass(frozen=True)
class QueuedMessage:
    """A notification for ``queue_many``: the job queues thousands at once."""

    user_id: int
    template: str
    params: dict
    dedupe_key: str
    loan_id: int | None = None
    channels: tuple[str, ...] = (INBOX, SMS)


# --- Rendering -------------------------------------------------------------------------------


def _format_params(params: dict, locale: str) -> dict[str, str]:
    """Format amounts and dates for ``locale``: keys ending in amount are money, in date are ISO dates."""
    formatted = {}
    for key, value in params.items():
        if key.endswith("amount") and value not in (None, ""):
            formatted[key] = format_money(Decimal(str(value)), locale)
        elif key.endswith("date") and value:
            formatted[key] = format_date(dt.date.fromisoformat(str(value)), locale)
        elif key == "kind":
            formatted[key] = translate(f"notify.kind.{value}", locale)
        else:
            formatted[key] = str(value)
    return formatted


def render(template: str, locale: str, params: dict) -> tuple[str, str]:
    """Render a template's subject and body in ``locale``.

    Raises:
        NotificationError: The template is unknown or a placeholder has no value.
    """
    if template not in TEMPLATES:
        raise NotificationError(f"unknown notification template {template!r}")
    values = _format_params(params, locale)
    try:
        subject = translate(f"notify.{template}.subject", locale, **values)
        body = translate(f"notify.{template}.body", locale, **values)
    except KeyError as error:
        raise NotificationError(f"template {template} needs parameter {error}") from None
    return subject, body


# --- Queueing --------------------------------------------------------------------------------


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    """Return the current time (or ``now``) in ``settings.timezone``."""
    return (now or utc_now()).astimezone(zoneinfo.ZoneInfo(get_settings().timezone))


def in_quiet_hours(now: dt.datetime) -> bool:
    """Return whether ``now`` (any time zone) falls between 21:00 and 08:00 local time."""
    clock = local_now(now).time()
    return clock >= QUIET_START or clock < QUIET_END


def next_send_time(now: dt.datetime) -> dt.datetime:
    """Return the earliest time a reminder may go out: ``now``, or 08:00 local after quiet hours, in UTC."""
    if not in_quiet_hours(now):
        return now
    local = local_now(now)
    day = local.date() if local.time() < QUIET_END else local.date() + dt.timedelta(days=1)
    opening = dt.datetime.combine(day, QUIET_END, tzinfo=local.tzinfo)
    return opening.astimezone(dt.timezone.utc)


def _locale_of(user: UserAccount | None) -> str:
    # UserAccount has no locale column yet; read one if a later migration adds it.
    stored = getattr(user, "locale", None) if user is not None else None
    return normalize_locale(stored or get_settings().default_locale)


def borrower_locale(session: Session, user_id: int) -> str:
    """Return the locale that messages to ``user_id`` are written in."""
    return _locale_of(session.get(UserAccount, user_id))


def _disabled(session: Session, user_ids: Iterable[int]) -> set[tuple[int, str, str]]:
    """Return the (user, channel, category) triples that the borrowers switched off."""
    ids = sorted(set(user_ids))
    disabled = set()
    for start in range(0, len(ids), 1000):
        query = sa.select(NotificationPreference.user_id, NotificationPreference.channel, NotificationPreference.category).where(
            NotificationPreference.enabled.is_(False), NotificationPreference.user_id.in_(ids[start:start + 1000])
        )
        disabled.update((row[0], row[1], row[2]) for row in session.execute(query))
    return disabled


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> int:
    """Insert notification rows, skipping any whose dedupe_key exists; return how many were new."""
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = 0
    for start in range(0, len(rows), 2000):
        table = Notification.__table__
        statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
        # RETURNING lists only the rows inserted; executemany's rowcount is not reliable across drivers.
        inserted += len(session.connection().execute(statement, rows[start:start + 2000]).all())
    return inserted


def queue_many(session: Session, messages: list[QueuedMessage], now: dt.datetime | None = None) -> int:
    """Queue many notifications in bulk, one row per channel, in the caller's transaction.

    Inbox rows are stored as sent. A channel switched off for an optional
    category is stored as suppressed, so a second run finds the key and adds
    nothing. Reminders queued in quiet hours are scheduled for 08:00.

    Returns:
        The number of rows inserted (existing dedupe keys are skipped).

    Raises:
        NotificationError: A template or channel is unknown.
    """
    now = now or utc_now()
    if not messages:
        return 0
    disabled = _disabled(session, (m.user_id for m in messages))
    # Accounts are read only when they can carry a locale; the job queues tens of thousands at once.
    users = _users(session, {m.user_id for m in messages}) if hasattr(UserAccount, "locale") else {}
    send_at = next_send_time(now)
    rows = []
    for message in messages:
        category = TEMPLATES.get(message.template)
        if category is None:
            raise NotificationError(f"unknown notification template {message.template!r}")
        user = users.get(message.user_id)
        locale = _locale_of(user)
        params_json = json.dumps(message.params, ensure_ascii=False, sort_keys=True, default=str)
        for channel in message.channels:
            if channel not in CHANNELS:
                raise NotificationError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
            if channel == EMAIL and email_address_resolver(session, message.user_id) is None:
                continue
            status = "queued"
            if channel == INBOX:
                status = "sent"
            elif category != NOTICE and (message.user_id, channel, category) in disabled:
                status = "suppressed"
            scheduled = send_at if message.template in REMINDER_TEMPLATES and channel != INBOX else now
            rows.append({
                "user_id": message.user_id, "channel": channel, "template": message.template, "params_json": params_json,
                "locale": locale, "status": status, "dedupe_key": f"{message.dedupe_key}:{channel}"[:160],
                "loan_id": message.loan_id, "scheduled_for": scheduled, "sent_at": now if status == "sent" else None,
                "attempts": 0, "created_at": now,
            })
    return _insert_ignoring_duplicates(session, rows)


def _users(session: Session, user_ids: set[int]) -> dict[int, UserAccount]:
    ids = sorted(user_ids)
    found = {}
    for start in range(0, len(ids), 1000):
        query = sa.select(UserAccount).where(UserAccount.id.in_(ids[start:start + 1000]))
        found.update({user.id: user for user in session.execute(query).scalars()})
    return found


def notify(
    session: Session,
    user_id: int,
    template: str,
    params: dict,
    category: str | None = None,
    loan_id: int | None = None,
    *,
    dedupe_key: str,
    channels: tuple[str, ...] = (INBOX, SMS, EMAIL),
    now: dt.datetime | None = None,
) -> int:
    """Queue one notification to a borrower on each of ``channels``, in the caller's transaction.

    Call ``deliver_due()`` after the transaction commits to send SMS and email
    that are due now.

    Args:
        session: Open session; the caller commits.
        user_id: The borrower's account id.
        template: A key of ``TEMPLATES``, such as ``payment_received``.
        params: Placeholder values. Keys ending in ``amount`` contain a
            decimal string in yuan, and keys ending in ``date`` an ISO date.
            Both are formatted in the borrower's locale when rendered.
        category: Must match the template's category when given (a guard
            against a caller expecting preferences to apply).
        loan_id: The loan the message is about, if any.
        dedupe_key: Unique key of the event, such as ``payment:pay_123``; the
            channel is appended. A second call with the same key queues nothing.
        channels: Channels to use; email is skipped without an address.
        now: Time of queueing.

    Returns:
        The number of rows queued.

    Raises:
        NotificationError: Unknown template, channel or a category that does not match.
    """
    expected = TEMPLATES.get(template)
    if expected is None:
        raise NotificationError(f"unknown notification template {template!r}")
    if category is not None and category != expected:
        raise NotificationError(f"template {template} is in category {expected}, not {category}")
    render(template, normalize_locale(get_settings().default_locale), params)
    message = QueuedMessage(user_id, template, params, dedupe_key, loan_id, channels)
    return queue_many(session, [message], now)


# --- Delivery --------------------------------------------------------------------------------


def _local_day_start(now: dt.datetime) -> dt.datetime:
    local = local_now(now)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=local.tzinfo).astimezone(dt.timezone.utc)


def _contacts_today(session: Session, user_id: int, now: dt.datetime) -> int:
    query = sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id,
        Notification.channel.in_((SMS, EMAIL)),
        Notification.template.in_(sorted(REMINDER_TEMPLATES)),
        Notification.status == "sent",
        Notification.sent_at >= _local_day_start(now),
    )
    return int(session.execute(query).scalar_one())


def _send_sms(session: Session, row: Notification, sender: SmsSender) -> None:
    user = session.get(UserAccount, row.user_id)
    if user is None or not user.phone_enc:
        raise NotificationError(f"user {row.user_id} has no mobile number")
    _, body = render(row.template, row.locale, json.loads(row.params_json))
    sender.send(decrypt(user.phone_enc, PHONE_COLUMN), translate("notify.sms_signature", row.locale) + body)


def _send_email(session: Session, row: Notification) -> None:
    address = email_address_resolver(session, row.user_id)
    if not address:
        raise NotificationError(f"user {row.user_id} has no email address")
    settings = get_settings()
    if not settings.smtp_host:
        raise NotificationError("SMTP_HOST is not set; set it to send email")
    subject, body = render(row.template, row.locale, json.loads(row.params_json))
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_sender
    message["To"] = address
    message["Message-ID"] = make_msgid(domain="lendapp.local")
    message.set_content(body + "\n\n" + translate("notify.email_footer", row.locale))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as client:
        if settings.smtp_starttls:
            client.starttls()
        if settings.smtp_username and settings.smtp_password is not None:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(message)


def _deliver_one(session: Session, row: Notification, now: dt.datetime, sender: SmsSender) -> str:
    """Send one queued row; return sent, suppressed, deferred, retried or failed."""
    if row.template in REMINDER_TEMPLATES:
        if in_quiet_hours(now):
            row.scheduled_for = next_send_time(now)
            return "deferred"
        if _contacts_today(session, row.user_id, now) >= DAILY_CONTACT_LIMIT:
            row.status = "suppressed"
            logger.info("Suppressed notification %s to user %s: daily contact limit reached", row.id, row.user_id)
            return "suppressed"
    # Nothing is written before the send: the outbox provider commits in its own
    # session, and on SQLite a pending write here would block it.
    try:
        if row.channel == SMS:
            _send_sms(session, row, sender)
        else:
            _send_email(session, row)
    except (OSError, smtplib.SMTPException, NotificationError) as error:
        row.attempts += 1
        if row.attempts >= MAX_ATTEMPTS or isinstance(error, NotificationError):
            row.status = "failed"
            logger.error("Notification %s (%s) to user %s failed after %s attempts: %s", row.id, row.channel, row.user_id, row.attempts, error)
            return "failed"
        delay = RETRY_DELAYS_MINUTES[min(row.attempts, len(RETRY_DELAYS_MINUTES)) - 1]
        row.scheduled_for = now + dt.timedelta(minutes=delay)
        logger.warning("Notification %s (%s) attempt %s failed, retrying in %s min: %s", row.id, row.channel, row.attempts, delay, error)
        return "retried"
    row.attempts += 1
    row.status = "sent"
    row.sent_at = now
    return "sent"


def deliver_due(
    now: dt.datetime | None = None,
    *,
    limit: int = 500,
    sms_sender: SmsSender | None = None,
    engine: sa.Engine | None = None,
) -> DeliveryReport:
    """Send queued SMS and email whose time has come, oldest first, each in its own transaction.

    Reminders obey quiet hours and the daily contact limit at sending time
    too, because a retry can move a message into the night. A failed send is
    retried after 5 and 30 minutes, then marked failed.

    NOTE: on PostgreSQL the row lock keeps two workers from sending one
    message twice. SQLite ignores FOR UPDATE, so two processes delivering at
    the same moment can both send it.
    """
    now = now or utc_now()
    sender = sms_sender or get_sms_sender()
    with session_scope(engine) as session:
        ids = list(session.execute(
            sa.select(Notification.id)
            .where(Notification.status == "queued", Notification.scheduled_for <= now)
            .order_by(Notification.scheduled_for, Notification.id)
            .limit(limit)
        ).scalars())
    counts = {"sent": 0, "suppressed": 0, "retried": 0, "failed": 0, "deferred": 0}
    for notification_id in ids:
        with session_scope(engine) as session:
            row = session.execute(
                sa.select(Notification).where(Notification.id == notification_id, Notification.status == "queued").with_for_update()
            ).scalar_one_or_none()
            if row is None:
                continue
            counts[_deliver_one(session, row, now, sender)] += 1
    if ids:
        logger.info("Delivered notifications: %s", counts)
    return DeliveryReport(**counts)


# --- Inbox and preferences -------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    """Return the number of unread inbox messages of ``user_id`` (the signed-in borrower's own id)."""
    with session_scope() as session:
        query = sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.channel == INBOX, Notification.read_at.is_(None)
        )
        return int(session.execute(query).scalar_one())


def list_inbox(user_id: int, limit: int = 20, offset: int = 0) -> list[InboxItem]:
    """Return ``user_id``'s inbox messages, newest first, rendered in the language they were queued in.

    Args:
        user_id: The signed-in borrower's own id; nobody else's rows are read.
        limit: Page size, 1 to 100.
        offset: Rows to skip.
    """
    limit = max(1, min(int(limit), 100))
    with session_scope() as session:
        rows = session.execute(
            sa.select(Notification)
            .where(Notification.user_id == user_id, Notification.channel == INBOX)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
            .offset(max(0, int(offset)))
        ).scalars().all()
        items = []
        for row in rows:
            subject, body = render(row.template, row.locale, json.loads(row.params_json))
            items.append(InboxItem(row.id, row.template, subject, body, row.created_at, row.read_at is not None, row.loan_id))
        return items


def mark_read(user_id: int, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Mark one of ``user_id``'s inbox messages read; return False when it is not theirs or not found."""
    with session_scope() as session:
        result = session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, Notification.user_id == user_id, Notification.channel == INBOX,
                   Notification.read_at.is_(None))
            .values(read_at=now or utc_now())
        )
        if result.rowcount:
            return True
        owned = session.execute(sa.select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user_id)).first()
        return owned is not None


def get_preferences(user_id: int) -> dict[str, dict[str, bool]]:
    """Return ``{channel: {category: enabled}}`` for the optional categories of SMS and email (default enabled)."""
    result = {channel: {category: True for category in OPTIONAL_CATEGORIES} for channel in (SMS, EMAIL)}
    with session_scope() as session:
        rows = session.execute(sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id)).scalars()
        for row in rows:
            if row.channel in result and row.category in OPTIONAL_CATEGORIES:
                result[row.channel][row.category] = row.enabled
    return result


def set_preference(user_id: int, channel: str, category: str, enabled: bool, now: dt.datetime | None = None) -> None:
    """Switch an optional category on or off for one channel of ``user_id``.

    Raises:
        NotificationError: The channel is not sms or email, or the category is
            not optional (notices cannot be switched off).
    """
    if channel not in (SMS, EMAIL):
        raise NotificationError(f"channel {channel!r} has no preferences; expected sms or email")
    if category not in OPTIONAL_CATEGORIES:
        raise NotificationError(f"category {category!r} cannot be switched off; expected one of {', '.join(OPTIONAL_CATEGORIES)}")
    now = now or utc_now()
    with session_scope() as session:
        row = session.execute(sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.channel == channel,
            NotificationPreference.category == category,
        )).scalar_one_or_none()
        if row is None:
            row = NotificationPreference(user_id=user_id, channel=channel, category=category)
            session.add(row)
        row.enabled = bool(enabled)
        row.updated_at = now
    logger.info("User %s set %s %s notifications %s", user_id, channel, category, "on" if enabled else "off")
