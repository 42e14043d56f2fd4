"""A webhook process killed between receiving an event and committing it: nothing lands, and the redelivery applies once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import sqlalchemy as sa

from lendapp.settings import get_settings
from tests.services.payments.helpers import (
    PAY_DAY,
    PAY_TIME,
    WEBHOOK_SECRET,
    deliver,
    event_rows,
    payment,
    repayment_keys,
)
from tests.support.stripe_server import sign_payload

# The child verifies and handles one event like the webhook route does. Just before
# COMMIT it reports what its transaction has written so far, then SIGKILLs itself.
CHILD = textwrap.dedent("""
    import os, signal, sys
    import sqlalchemy as sa
    from sqlmodel import Session
    from lendapp.integrations.stripe_gateway import verify_webhook
    from lendapp.services.payments_events import handle_stripe_event

    def die_before_commit(session):
        events = session.execute(sa.text("select count(*) from webhook_event")).scalar()
        entries = session.execute(sa.text("select count(*) from ledger_entry where kind = 'repayment'")).scalar()
        print(f"written {events} {entries}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    sa.event.listen(Session, "before_commit", die_before_commit)
    payload = sys.stdin.buffer.read()
    handle_stripe_event(verify_webhook(payload, os.environ["SIGNATURE"]))
    print("committed", flush=True)
""")


def test_killed_before_commit_then_redelivered(engine: sa.Engine, loan, stripe_server) -> None:
    from lendapp.services.payments import start_payment

    principal, number, loan_id = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    session_id = payment(started.reference).provider_session_id
    stripe_server.pay(session_id)
    event = stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME)
    payload = json.dumps(event).encode()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        VAR_DIR=str(get_settings().var_dir),
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SIGNATURE=sign_payload(payload, WEBHOOK_SECRET),
    )
    child = subprocess.run([sys.executable, "-c", CHILD], input=payload, env=env, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    # Inside its transaction the child had recorded the event and posted the repayment.
    assert child.stdout.decode().split() == ["written", "1", "1"]
    assert event_rows() == []
    assert repayment_keys(loan_id) == []
    assert payment(started.reference).status == "pending"
    status, body = deliver(event)
    assert (status, body["outcome"]) == (200, "applied")
    assert deliver(event)[1]["outcome"] == "duplicate"
    assert event_rows() == [(event["id"], "applied")]
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]
