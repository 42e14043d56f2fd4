"""The whole journey on PostgreSQL and Redis with two backend workers, and a borrower who reconnects.

This is the deployment shape for more than one process: Reflex keeps every
tab's state in Redis, so any worker can serve any event. Midway through the
application wizard the borrower's browser goes offline and comes back. It
opens a new websocket, which either worker may accept. The wizard must still
hold what the borrower entered. (Killing a worker is not part of the
test: Reflex 0.10.1 starts Granian without respawning, so a worker that dies
stops the whole server; docs/operations.md explains running it under a supervisor.) The rest of the journey (review, signing, payout, Stripe,
bank transfer, payoff, ledger at zero) then runs as in ``test_journey``.
Screenshots are kept as journey-scaled-NN-*.png.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from lendapp.i18n import translate
from tests.e2e.test_accounts import outbox_code  # noqa: F401  (a fixture)
from tests.e2e.test_journey import WEBHOOK_SECRET, run_journey, stripe  # noqa: F401  (stripe is a fixture)
from tests.support.app_server import PROJECT_ROOT, AppServer, copy_project, start_app, stop_app
from tests.support.postgres import PostgresCluster
from tests.support.redis_server import RedisServer
from tests.support.stripe_server import StripeServer

pytestmark = pytest.mark.e2e

WORKERS = 2
OFFLINE_SECONDS = 3
RECONNECT_TIMEOUT_SECONDS = 30


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for the app's state."""
    work = Path(tempfile.mkdtemp(prefix="lendapp-journey-redis-"))
    server = RedisServer(work)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def app_server(stripe: StripeServer, redis_server: RedisServer) -> Iterator[AppServer]:  # noqa: F811
    """The app on a private PostgreSQL cluster and Redis, with two Granian workers and its own build."""
    work = Path(tempfile.mkdtemp(prefix="lendapp-journey-scaled-"))
    # The cluster's folder is handed to the server's own user, so it cannot live inside ``work`` (mode 0700).
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="lendapp-journey-pg-")))
    cluster.start()
    try:
        cluster.create_database("lendapp")
        root = copy_project(work / "project")
        extra = {
            "REDIS_URL": redis_server.url,
            "GRANIAN_WORKERS": str(WORKERS),
            "STRIPE_SECRET_KEY": "sk_test_lendapp_journey",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_lendapp_journey",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.url,
        }
        server = start_app(work / "var", PROJECT_ROOT / "artifacts" / "logs", database_url=cluster.url("lendapp"),
                           extra_env=extra, project_root=root, log_name="app-server-journey-scaled.log")
        try:
            yield server
        finally:
            stop_app(server.process)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _children() -> dict[int, list[int]]:
    """Map each process id on the machine to its children's ids, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name in parentheses may contain spaces, so split after its closing parenthesis.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def backend_workers(server: AppServer) -> list[int]:
    """Return the process ids of the workers that serve the app's events: the leaves of its process tree.

    Granian's supervisor binds the port and starts its workers, which share
    the listening socket. The Reflex launcher and the supervisor have children; the workers have none.
    """
    children = _children()
    leaves, pending = [], list(children.get(server.process.pid, []))
    while pending:
        pid = pending.pop()
        if children.get(pid):
            pending.extend(children[pid])
        else:
            leaves.append(pid)
    return sorted(leaves)


def test_whole_journey_on_postgresql_and_redis(
    browser: Browser, app_server: AppServer, stripe: StripeServer, redis_server: RedisServer, outbox_code, tmp_path: Path,  # noqa: F811
) -> None:
    workers = backend_workers(app_server)
    assert len(workers) == WORKERS, [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in workers]
    state_keys = redis.Redis.from_url(redis_server.url)

    def drop_and_reconnect(page: Page) -> None:
        rehydrated: list[bool] = []

        def watch(socket) -> None:
            # Attempts made while offline fail without a frame; the reconnect that works ends its
            # hydration (load events included) with is_hydrated set to true.
            socket.on("framereceived", lambda payload: rehydrated.append(True) if '"is_hydrated_rx_state_":true' in str(payload) else None)

        assert state_keys.dbsize() > 0, "Reflex keeps the tabs' state in Redis"
        page.context.set_offline(True)
        page.on("websocket", watch)
        time.sleep(OFFLINE_SECONDS)
        # While offline the page shows a notice in the borrower's language, not Reflex's English toast.
        expect(page.locator("#connection-notice")).to_have_text(translate("app.connection_lost", "zh-CN"), timeout=RECONNECT_TIMEOUT_SECONDS * 1000)
        page.context.set_offline(False)
        deadline = time.monotonic() + RECONNECT_TIMEOUT_SECONDS
        while not rehydrated and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert rehydrated, "the browser reconnected and hydrated again after coming back online"
        expect(page.locator("#connection-notice")).to_have_count(0, timeout=RECONNECT_TIMEOUT_SECONDS * 1000)
        assert backend_workers(app_server) == workers, "both workers still run"

    run_journey(browser, app_server, stripe, outbox_code, tmp_path, "journey-scaled", midway=drop_and_reconnect)
