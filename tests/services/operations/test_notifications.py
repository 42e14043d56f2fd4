"""Notifications: reminders from the job, quiet hours, the daily limit, preferences, SMS, email and the inbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from lendapp.db.engine import session_scope
from lendapp.db.models import Notification, SmsOutboxMessage
from lendapp.services import daily_job, notifications
from lendapp.settings import get_settings
from tests.services.loans.helpers import book_test_loan
from tests.services.operations.helpers import local_time
from tests.support.postgres import free_port

FIRST_DUE = dt.date(2026, 2, 15)
PARAMS = {"loan_number": "LN-20260115-000001", "amount": "1066.19", "paid_date": "2026-02-15"}


def _rows(template: str | None = None) -> list[Notification]:
    with session_scope() as session:
        query = sa.select(Notification).order_by(Notification.id)
        if template:
            query = query.where(Notification.template == template)
        return list(session.execute(query).scalars())


def _outbox() -> list[str]:
    with session_scope() as session:
        return list(session.execute(sa.select(SmsOutboxMessage.body).order_by(SmsOutboxMessage.id)).scalars())


class _Recorder:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Recorder]:
    """Start an SMTP server on a free loopback port and point the settings at it."""
    recorder = _Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    get_settings.cache_clear()
    monkeypatch.setattr(notifications, "email_address_resolver", lambda _session, user_id: f"user{user_id}@example.test")
    try:
        yield recorder
    finally:
        controller.stop()
        get_settings.cache_clear()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_template_renders_in_both_locales(locale: str) -> None:
    params = {"loan_number": "LN-1", "installment": 1, "amount": "100.00", "due_date": "2026-02-15", "dpd": 3,
              "paid_date": "2026-02-15", "application_number": "LA-1", "kind": "deferral", "effective_date": "2026-02-15"}
    for template in notifications.TEMPLATES:
        subject, body = notifications.render(template, locale, params)
        assert subject, template
        assert body, template
        assert "{" not in subject + body, template
    assert "¥100.00" in notifications.render("reminder_due_today", "zh-CN", params)[1]
    assert "CN¥100.00" in notifications.render("reminder_due_today", "en", params)[1]


@pytest.mark.usefixtures("engine")
def test_job_queues_reminders_before_on_and_after_due() -> None:
    book_test_loan()
    for day in (dt.date(2026, 2, 12), FIRST_DUE, dt.date(2026, 2, 16), dt.date(2026, 2, 17)):
        daily_job.run_daily(day, now=local_time(day, 1), deliver=False)
    before, today, overdue = _rows("reminder_before_due"), _rows("reminder_due_today"), _rows("reminder_overdue")
    assert sorted(r.channel for r in before) == ["inbox", "sms"]
    assert sorted(r.channel for r in today) == ["inbox", "sms"]
    # dpd 1 sends the overdue notice; dpd 2 is not a reminder day.
    assert sorted(r.channel for r in overdue) == ["inbox", "sms"]
    assert '"dpd": 1' in overdue[0].params_json
    assert '"amount": "1066.19"' in overdue[0].params_json
    inbox = next(r for r in before if r.channel == "inbox")
    assert inbox.status == "sent"
    assert inbox.sent_at is not None


@pytest.mark.usefixtures("engine")
def test_queue_same_key_twice_queues_once() -> None:
    user_id, loan_id = book_test_loan()
    message = notifications.QueuedMessage(user_id, "payment_received", PARAMS, "payment:pay-1", loan_id)
    with session_scope() as session:
        assert notifications.queue_many(session, [message]) == 2
    with session_scope() as session:
        assert notifications.queue_many(session, [message]) == 0
    assert len(_rows("payment_received")) == 2


@pytest.mark.usefixtures("engine")
def test_quiet_hours_hold_sms_until_eight() -> None:
    book_test_loan()
    day = dt.date(2026, 2, 12)
    daily_job.run_daily(day, now=local_time(day, 1), deliver=False)
    sms = next(r for r in _rows("reminder_before_due") if r.channel == "sms")
    assert sms.scheduled_for == local_time(day, 8)
    assert notifications.deliver_due(local_time(day, 7, 59)).sent == 0
    report = notifications.deliver_due(local_time(day, 8))
    assert report.sent == 1
    body = _outbox()[-1]
    assert body.startswith("【lendapp】")
    assert "2026年2月15日" in body
    assert "¥1,066.19" in body


def test_next_send_time_moves_night_to_morning() -> None:
    day = dt.date(2026, 3, 1)
    assert notifications.next_send_time(local_time(day, 22, 30)) == local_time(day + dt.timedelta(days=1), 8)
    assert notifications.next_send_time(local_time(day, 7)) == local_time(day, 8)
    assert notifications.next_send_time(local_time(day, 20, 59)) == local_time(day, 20, 59)


@pytest.mark.usefixtures("engine")
def test_reminder_sent_late_at_night_is_deferred() -> None:
    user_id, loan_id = book_test_loan()
    day = dt.date(2026, 3, 1)
    with session_scope() as session:
        notifications.notify(session, user_id, "reminder_due_today", {"loan_number": "LN-1", "installment": 1, "amount": "1.00",
                             "due_date": "2026-03-01"}, loan_id=loan_id, dedupe_key="r1", channels=("sms",), now=local_time(day, 20))
    report = notifications.deliver_due(local_time(day, 21, 30))
    assert report.deferred == 1
    assert report.sent == 0
    assert _rows("reminder_due_today")[0].scheduled_for == local_time(day + dt.timedelta(days=1), 8)


@pytest.mark.usefixtures("engine")
def test_daily_contact_limit_suppresses_extra_reminders() -> None:
    user_id, loan_id = book_test_loan()
    day = dt.date(2026, 3, 2)
    with session_scope() as session:
        for number in range(5):
            params = {"loan_number": "LN-1", "dpd": number + 1, "amount": "10.00"}
            notifications.notify(session, user_id, "reminder_overdue", params, loan_id=loan_id, dedupe_key=f"limit-{number}",
                                 channels=("sms",), now=local_time(day, 10))
    report = notifications.deliver_due(local_time(day, 10, 1))
    assert (report.sent, report.suppressed) == (notifications.DAILY_CONTACT_LIMIT, 2)
    # A receipt is not a reminder and is not limited.
    with session_scope() as session:
        notifications.notify(session, user_id, "payment_received", PARAMS, dedupe_key="receipt", channels=("sms",), now=local_time(day, 11))
    assert notifications.deliver_due(local_time(day, 11, 1)).sent == 1


@pytest.mark.usefixtures("engine")
def test_preferences_switch_off_reminders_but_not_notices() -> None:
    user_id, _ = book_test_loan()
    notifications.set_preference(user_id, "sms", "reminder", False)
    assert notifications.get_preferences(user_id)["sms"] == {"reminder": False, "marketing": True}
    with pytest.raises(notifications.NotificationError):
        notifications.set_preference(user_id, "sms", "notice", False)
    for day in (dt.date(2026, 2, 12), dt.date(2026, 2, 16)):
        daily_job.run_daily(day, now=local_time(day, 1), deliver=False)
    statuses = {(r.template, r.channel): r.status for r in _rows()}
    assert statuses[("reminder_before_due", "sms")] == "suppressed"
    assert statuses[("reminder_before_due", "inbox")] == "sent"
    assert statuses[("reminder_overdue", "sms")] == "queued"


@pytest.mark.usefixtures("engine")
def test_email_reaches_smtp_server_in_chinese(smtp_server: _Recorder) -> None:
    user_id, loan_id = book_test_loan()
    with session_scope() as session:
        notifications.notify(session, user_id, "payment_received", PARAMS, "notice", loan_id, dedupe_key="pay-mail", channels=("email",))
    assert notifications.deliver_due().sent == 1
    message = smtp_server.messages[0]
    assert message["Subject"] == "已收到借款 LN-20260115-000001 的还款 ¥1,066.19"
    assert message["To"] == f"user{user_id}@example.test"
    assert "2026年2月15日" in message.get_content()
    raw_subject = message.as_bytes().split(b"Subject:")[1].split(b"\n")[0]
    assert b"=?utf-8?" in raw_subject.lower()


@pytest.mark.usefixtures("engine")
def test_email_in_english_locale(smtp_server: _Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    get_settings.cache_clear()
    user_id, _ = book_test_loan()
    with session_scope() as session:
        notifications.notify(session, user_id, "payment_received", PARAMS, dedupe_key="pay-en", channels=("email",))
    notifications.deliver_due()
    assert smtp_server.messages[0]["Subject"] == "Payment of CN¥1,066.19 received for loan LN-20260115-000001"


@pytest.mark.usefixtures("engine")
def test_failed_email_is_retried_then_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))
    get_settings.cache_clear()
    monkeypatch.setattr(notifications, "email_address_resolver", lambda _session, _user: "a@example.test")
    user_id, _ = book_test_loan()
    start = local_time(dt.date(2026, 3, 3), 10)
    with session_scope() as session:
        notifications.notify(session, user_id, "payment_received", PARAMS, dedupe_key="retry", channels=("email",), now=start)
    assert notifications.deliver_due(start).retried == 1
    row = _rows("payment_received")[0]
    assert (row.status, row.attempts, row.scheduled_for) == ("queued", 1, start + dt.timedelta(minutes=5))
    assert notifications.deliver_due(start + dt.timedelta(minutes=5)).retried == 1
    assert notifications.deliver_due(start + dt.timedelta(minutes=40)).failed == 1
    assert _rows("payment_received")[0].status == "failed"


@pytest.mark.usefixtures("engine")
def test_inbox_unread_count_and_mark_read() -> None:
    user_id, loan_id = book_test_loan()
    other_id, _ = book_test_loan("13900139000")
    with session_scope() as session:
        notifications.notify(session, user_id, "payment_received", PARAMS, loan_id=loan_id, dedupe_key="inbox-1", channels=("inbox",))
        notifications.notify(session, user_id, "loan_disbursed", {"loan_number": "LN-1", "amount": "12000.00", "due_date": "2026-02-15"},
                             dedupe_key="inbox-2", channels=("inbox",))
    assert notifications.unread_count(user_id) == 2
    items = notifications.list_inbox(user_id)
    assert [i.template for i in items] == ["loan_disbursed", "payment_received"]
    assert items[1].subject == "已收到借款 LN-20260115-000001 的还款 ¥1,066.19"
    assert notifications.mark_read(other_id, items[0].id) is False
    assert notifications.mark_read(user_id, items[0].id) is True
    assert notifications.unread_count(user_id) == 1
    assert notifications.list_inbox(other_id) == []


def test_notify_rejects_unknown_template_and_category() -> None:
    with pytest.raises(notifications.NotificationError):
        notifications.notify(None, 1, "no_such_template", {}, dedupe_key="x")
    with pytest.raises(notifications.NotificationError):
        notifications.notify(None, 1, "reminder_overdue", {}, "reminder", dedupe_key="x")
