"""Load test: simulated borrowers against one lendapp production process, beside Reflex's starter app.

Each simulated user opens its own websocket to the backend and speaks the
protocol of the Reflex 0.10.1 frontend (`.templates/web/utils/state.js`).
That is Socket.IO 5 over Engine.IO 4, at the path ``/_event/`` and in the
namespace ``/_event``, because socket.io-client takes the namespace from the
URL's path. The session token goes in the query string and the hydrate event
(``hydrate_and_load``) in the Socket.IO CONNECT packet. Each event is then one
``["event", {name, payload, router_data}]`` message. The backend answers with ``["event", {delta, events}]`` messages.
A round trip is the time from sending an event until the update that
completes it arrives.

lendapp: every borrower is registered and signed in beforehand, in this
process, on the server's database, and sends its session cookie in the
websocket handshake as a browser does. It changes the calculator's amount,
term and rate a few times, moves to /apply as a client-side navigation does
(``on_load_internal``), fills the wizard's steps through their handlers and
submits. Until the time is up it then keeps using the calculator.

Starter: Reflex's blank app with one counter handler added, because the blank
app has no event handler of its own. Each user clicks it with the same think
times over the same duration.

The two apps run one after the other, each as `reflex run --env prod` on a
free loopback port, so they never share the CPU with each other; the client
shares it with both. The script prints a table and always exits 0.

Usage: .venv/bin/python -m bench.load [--users 200] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import logging
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, RejectConnection, Request, TextMessage
from wsproto.utilities import LocalProtocolError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.app_server import PROJECT_ROOT, app_environment, start_app, stop_app, wait_for_http  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402

logger = logging.getLogger("bench.load")

REPORT_DIR = PROJECT_ROOT / "artifacts" / "bench-load"
START_TIMEOUT_SECONDS = 600
TARGET_RATIO = 1.5
EVENT_TIMEOUT_SECONDS = 30.0
NAMESPACE = "/_event,"
ROOT = "reflex___state____state"
CALCULATOR = f"{ROOT}.lendapp___state___calculator____calculator_state"
APPLY = f"{ROOT}.lendapp___state___apply____apply_state"
STARTER = f"{ROOT}.starter___starter____state"
PRODUCT = "consumer-flex"
CALCULATOR_STEPS = 4
# A valid card from the application service tests; every borrower may pay out to it.
BANK_CARD = "6228480012345678903"
PHONE_BASE = 13912340000
REQUIRED_CONSENTS = ("sensitive_personal_information", "credit_bureau", "automated_decision")


class EventError(Exception):
    """An event that failed: a timeout, a closed socket or a handler's error message."""


class ReflexSocket:
    """One simulated browser tab: an Engine.IO 4 / Socket.IO 5 websocket to a Reflex backend."""

    def __init__(self) -> None:
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task | None = None
        self._updates: asyncio.Queue = asyncio.Queue()
        self._connected = asyncio.Event()
        self.closed: str | None = None
        # The frontend's view of the state: each substate's vars, merged from every delta.
        self.state: dict[str, dict] = {}

    async def connect(self, port: int, token: str, cookie: str, boot_event: dict) -> None:
        """Open the websocket, send the hydrate event in the CONNECT packet and wait for the connect reply."""
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", port)
        target = "/_event/?" + urllib.parse.urlencode({"token": token, "EIO": "4", "transport": "websocket"})
        headers = [(b"cookie", cookie.encode())] if cookie else []
        self._writer.write(self._ws.send(Request(host=f"127.0.0.1:{port}", target=target, extra_headers=headers)))
        self._task = asyncio.create_task(self._read_loop(json.dumps({"event": boot_event})))
        try:
            await asyncio.wait_for(self._connected.wait(), EVENT_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            raise EventError(f"timed out: not connected within {EVENT_TIMEOUT_SECONDS:.0f} s") from None
        if self.closed:
            raise EventError(self.closed)

    async def close(self) -> None:
        """Close the websocket and stop reading."""
        if self._writer is not None and self.closed is None:
            try:
                self._writer.write(self._ws.send(Message(data="41" + NAMESPACE)))
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
                await self._writer.drain()
            except (ConnectionError, LocalProtocolError):
                # The server already closed the connection, which is all this wanted.
                pass
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()

    def _send_text(self, text: str) -> None:
        self._writer.write(self._ws.send(Message(data=text)))

    async def _read_loop(self, auth: str) -> None:
        text = ""
        try:
            while True:
                data = await self._reader.read(65536)
                self._ws.receive_data(data or None)
                for event in self._ws.events():
                    if isinstance(event, TextMessage):
                        text += event.data
                        if event.message_finished:
                            self._on_packet(text, auth)
                            text = ""
                    elif isinstance(event, Ping):
                        self._writer.write(self._ws.send(event.response()))
                    elif isinstance(event, (CloseConnection, RejectConnection)):
                        self._fail(f"websocket closed by the server ({type(event).__name__})")
                        return
                    elif isinstance(event, AcceptConnection):
                        pass
                if not data:
                    self._fail("connection closed by the server")
                    return
        except (ConnectionError, OSError) as error:
            self._fail(f"connection error: {error}")

    def _on_packet(self, packet: str, auth: str) -> None:
        # Engine.IO packet types: 0 open, 2 ping, 4 message. Inside a message, Socket.IO's 0 is connect,
        # 1 disconnect, 2 event and 4 connect error, each followed by the namespace and a comma.
        if packet.startswith("0"):
            self._send_text("40" + NAMESPACE + auth)
        elif packet == "2":
            self._send_text("3")
        elif packet.startswith("4"):
            kind, body = packet[1:2], packet[2:].removeprefix(NAMESPACE)
            if kind == "0":
                self._connected.set()
            elif kind == "4":
                self._fail(f"connect refused: {body[:200]}")
            elif kind == "1":
                self._fail("disconnected by the server")
            elif kind == "2":
                name, *args = json.loads(body)
                if name == "event" and args:
                    self._updates.put_nowait(args[0])

    def _fail(self, reason: str) -> None:
        if self.closed is None:
            self.closed = reason
        self._connected.set()
        self._updates.put_nowait(None)

    def _merge(self, update: dict) -> None:
        for substate, values in (update.get("delta") or {}).items():
            self.state.setdefault(substate, {}).update(values)

    def var(self, substate: str, name: str):
        """Return a var of the merged state, or None when no delta has carried it yet."""
        return self.state.get(substate, {}).get(f"{name}_rx_state_")

    async def wait_for(self, done: Callable[[dict], bool], timeout: float = EVENT_TIMEOUT_SECONDS) -> None:
        """Merge incoming updates until ``done(update)`` is true for one of them."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EventError(f"timed out: no update within {timeout:.0f} s")
            try:
                update = await asyncio.wait_for(self._updates.get(), remaining)
            except asyncio.TimeoutError:
                raise EventError(f"timed out: no update within {timeout:.0f} s") from None
            if update is None:
                raise EventError(self.closed or "closed")
            self._merge(update)
            if done(update):
                return

    async def send(self, name: str, payload: dict, router_data: dict, done: Callable[[dict], bool] | None = None) -> float:
        """Send one event and return the seconds until the update that ``done`` accepts (by default the first)."""
        if self.closed:
            raise EventError(self.closed)
        while not self._updates.empty():
            # Late updates of the previous event belong to the frontend's view, not to this round trip.
            update = self._updates.get_nowait()
            if update is None:
                raise EventError(self.closed or "closed")
            self._merge(update)
        started = time.perf_counter()
        self._send_text("42" + NAMESPACE + json.dumps(["event", {"name": name, "payload": payload, "router_data": router_data}]))
        await self.wait_for(done or (lambda update: True))
        return time.perf_counter() - started


def router_data(path: str, query: dict[str, str] | None = None) -> dict:
    """Return the router data the frontend attaches to every event on ``path``."""
    data = {"pathname": path, "asPath": path + ("?" + urllib.parse.urlencode(query) if query else "")}
    if query:
        data["query"] = query
    return data


def initial_state_hashes(web_dir: Path) -> list[str] | None:
    """Read the compiled frontend's state hashes, which a first hydrate sends so only differing vars come back."""
    match = re.search(r"initialStateHashes = (\[[^\]]*\])", (web_dir / "utils" / "context.jsx").read_text())
    return json.loads(match.group(1)) if match else None


@dataclasses.dataclass
class Results:
    """The round trips and errors of one app's run."""

    latencies: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    errors: dict[str, int] = dataclasses.field(default_factory=dict)
    submitted: int = 0
    started_users: int = 0

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, reason: str) -> None:
        key = f"{kind}: {reason}"
        self.errors[key] = self.errors.get(key, 0) + 1


@dataclasses.dataclass(frozen=True)
class Borrower:
    """A registered, signed-in borrower: phone, session token and a valid ID number of their own."""

    phone: str
    session_token: str
    id_number: str


@dataclasses.dataclass(frozen=True)
class LoadPlan:
    """How many users, for how long, ramped over how many seconds, and their think time."""

    users: int
    duration: float
    ramp: float
    think_min: float
    think_max: float


async def _think(plan: LoadPlan, deadline: float) -> bool:
    """Pause like a person between two inputs; return False when the run's time is up."""
    await asyncio.sleep(random.uniform(plan.think_min, plan.think_max))
    return time.monotonic() < deadline


async def _connect(socket: ReflexSocket, port: int, token: str, cookie: str, path: str, query: dict, hashes) -> None:
    payload = {"hashes": hashes} if hashes else {}
    await socket.connect(port, token, cookie, {"name": f"{ROOT}.hydrate_and_load", "payload": payload, "router_data": router_data(path, query)})
    await socket.wait_for(lambda update: socket.var(ROOT, "is_hydrated") is True)


async def starter_user(number: int, plan: LoadPlan, deadline: float, results: Results, *, port: int, hashes: list | None) -> None:
    """Click the starter app's counter until the time is up."""
    socket = ReflexSocket()
    try:
        started = time.perf_counter()
        await _connect(socket, port, f"starter-{number}-{random.getrandbits(64):x}", "", "/", {}, hashes)
        results.add("connect + hydrate", time.perf_counter() - started)
        while await _think(plan, deadline):
            before = socket.var(STARTER, "count") or 0
            seconds = await socket.send(f"{STARTER}.increment", {}, router_data("/"))
            if socket.var(STARTER, "count") != before + 1:
                raise EventError("counter did not advance")
            results.add("counter click", seconds)
    except (EventError, OSError) as error:
        results.error("starter", str(error))
    finally:
        await socket.close()


def _form_problem(socket: ReflexSocket) -> str | None:
    errors = {key: value for key, value in (socket.var(APPLY, "errors") or {}).items() if value}
    form_error = socket.var(APPLY, "form_error")
    if errors or form_error:
        return f"form errors {sorted(errors)} {form_error or ''}".strip()
    return None


async def _calculator_step(socket: ReflexSocket, step: int, results: Results) -> None:
    handler, value = [("set_amount", str(random.randrange(5000, 50000, 500))), ("set_term", str(random.choice((6, 12, 18, 24)))),
                      ("set_rate", str(random.choice((12, 15, 18))))][step % 3]
    seconds = await socket.send(f"{CALCULATOR}.{handler}", {"text": value}, router_data("/calculator"))
    if not socket.var(CALCULATOR, "has_result") or any(socket.var(CALCULATOR, f"{field}_error") for field in ("amount", "term", "rate")):
        raise EventError(f"calculator {handler} returned no result")
    results.add("calculator input", seconds)


async def _wizard(socket: ReflexSocket, borrower: Borrower, plan: LoadPlan, deadline: float, results: Results) -> bool:
    """Navigate to /apply, fill every step and submit; return False when the time ran out first."""
    query = {"product": PRODUCT, "amount": "20000", "months": "12", "method": "equal_installment", "rate": "18"}
    apply_route = router_data("/apply", query)
    socket.state.setdefault(APPLY, {})["loaded_rx_state_"] = False
    seconds = await socket.send(f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal", {}, apply_route,
                                lambda update: socket.var(APPLY, "loaded") is True or _redirects(update) is not None)
    if socket.var(APPLY, "loaded") is not True:
        raise EventError("the wizard did not load (redirected to sign-in?)")
    results.add("wizard step", seconds)
    steps = [
        ("save_loan", {"form_data": {"product": PRODUCT, "amount": "20000", "term": "12", "method": "equal_installment", "purpose": "consumption"}}),
        ("save_identity", {"form_data": {"full_name": "张三", "id_number": borrower.id_number}}),
        ("save_details", {"form_data": {"contact_phone": borrower.phone, "address": "北京市东城区东华门街道 1 号", "employment_type": "employed",
                                        "employer": "某某科技有限公司", "monthly_income": "12000", "employment_months": "36",
                                        "housing": "rent", "residence_years": "3", "dependants": "1"}}),
        ("save_card", {"form_data": {"bank_card": BANK_CARD}}),
        ("finish_documents", {}),
        ("save_consents", {"form_data": {purpose: "on" for purpose in REQUIRED_CONSENTS}}),
    ]
    for handler, payload in steps:
        if not await _think(plan, deadline):
            return False
        seconds = await socket.send(f"{APPLY}.{handler}", payload, apply_route)
        if problem := _form_problem(socket):
            raise EventError(f"{handler}: {problem}")
        results.add("wizard step", seconds)
    if not await _think(plan, deadline):
        return False
    redirect: list[str] = []

    def submitted(update: dict) -> bool:
        path = _redirects(update)
        if path is not None:
            redirect.append(path)
            return True
        return _form_problem(socket) is not None

    seconds = await socket.send(f"{APPLY}.submit", {}, apply_route, submitted)
    if not redirect or not redirect[0].startswith("/applications/"):
        raise EventError(f"submit: {_form_problem(socket) or 'no redirect to the status page'}")
    results.add("submit", seconds)
    results.submitted += 1
    return True


def _redirects(update: dict) -> str | None:
    """Return the path of a redirect event in ``update``, or None."""
    for event in update.get("events") or []:
        if event.get("name") == "_redirect":
            return (event.get("payload") or {}).get("path", "")
    return None


async def borrower_user(
    number: int, plan: LoadPlan, deadline: float, results: Results, *, borrowers: list[Borrower], port: int, hashes: list | None
) -> None:
    """Use the calculator, fill the wizard and submit, then keep using the calculator until the time is up."""
    from lendapp.services.session_cookie import SESSION_COOKIE

    borrower = borrowers[number]
    socket = ReflexSocket()
    try:
        started = time.perf_counter()
        await _connect(socket, port, f"borrower-{number}-{random.getrandbits(64):x}", f"{SESSION_COOKIE}={borrower.session_token}",
                       "/calculator", {}, hashes)
        if not socket.var(CALCULATOR, "has_result"):
            raise EventError("calculator page loaded without a result")
        results.add("connect + hydrate", time.perf_counter() - started)
        step = 0
        for step in range(CALCULATOR_STEPS):
            if not await _think(plan, deadline):
                return
            await _calculator_step(socket, step, results)
        if not await _wizard(socket, borrower, plan, deadline, results):
            return
        while await _think(plan, deadline):
            step += 1
            await _calculator_step(socket, step, results)
    except (EventError, OSError) as error:
        results.error("lendapp", str(error))
    finally:
        await socket.close()


async def run_load(plan: LoadPlan, user: Callable) -> Results:
    """Start ``plan.users`` users evenly over the ramp and run each until the duration ends.

    ``user(number, plan, deadline, results)`` is one user's coroutine.
    """
    results = Results(started_users=plan.users)
    deadline = time.monotonic() + plan.duration
    tasks = [
        asyncio.create_task(_delayed(plan.ramp * number / max(1, plan.users), user(number, plan, deadline, results)))
        for number in range(plan.users)
    ]
    await asyncio.gather(*tasks)
    return results


async def _delayed(delay: float, coroutine) -> None:
    await asyncio.sleep(delay)
    await coroutine


STARTER_STATE = """class State(rx.State):
    \"\"\"The app state, with one counter so the load test has a trivial event to send.\"\"\"

    count: int = 0

    @rx.event
    def increment(self):
        \"\"\"Add one to the counter.\"\"\"
        self.count += 1
"""


def start_starter(work_dir: Path) -> tuple[int, subprocess.Popen, Path]:
    """Create Reflex's blank app with a counter, start its production build and return its port, process and folder."""
    app_dir = work_dir / "starter"
    app_dir.mkdir()
    env = app_environment(work_dir, f"sqlite:///{work_dir / 'starter.db'}")
    subprocess.run(
        [sys.executable, "-m", "reflex", "init", "--template", "blank", "--no-agents"],
        cwd=app_dir, env=env, check=True, capture_output=True, timeout=START_TIMEOUT_SECONDS,
    )
    module = app_dir / "starter" / "starter.py"
    source = module.read_text()
    blank_state = 'class State(rx.State):\n    """The app state."""\n'
    if blank_state not in source or "rx.heading(" not in source:
        raise RuntimeError(f"the blank template in {module} changed; update STARTER_STATE in bench/load.py")
    source = source.replace(blank_state, STARTER_STATE)
    source = source.replace("rx.heading(", "rx.button(State.count, on_click=State.increment, id=\"counter\"),\n            rx.heading(", 1)
    module.write_text(source)
    port = free_port()
    log_path = REPORT_DIR / "starter.log"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-host", "127.0.0.1",
            "--frontend-port", str(port), "--backend-port", str(port),
        ],
        cwd=app_dir, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, log_path)
    except BaseException:
        stop_app(process)
        raise
    return port, process, app_dir


def _id_number(sequence: int) -> str:
    """Return a valid resident ID number (Dongcheng, Beijing, born 1990-03-07) with a sequence of its own."""
    from lendapp.domain.kyc.resident_id import check_character

    body = f"11010119900307{sequence:03d}"
    return body + check_character(body)


def create_borrowers(database_url: str, var_dir: Path, count: int) -> list[Borrower]:
    """Register and sign in ``count`` borrowers on the server's database, as the SMS flow and POST /api/auth/session do.

    Passwords are hashed at argon2id's smallest cost, because only the setup
    uses them: the load itself signs in with the session cookie.
    """
    from passlib.context import CryptContext

    from lendapp.db import engine as engine_module
    from lendapp.db.engine import session_scope
    from lendapp.services import passwords
    from lendapp.services.sessions import create_handoff
    from lendapp.settings import get_settings
    from tests.services.accounts.helpers import redeem, register

    os.environ["VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    engine_module.get_engine.cache_clear()
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    passwords.password_context = fast
    passwords._DUMMY_HASH = fast.hash("not a real password")
    if count > 999:
        raise ValueError(f"--users must be at most 999, because the ID numbers differ only in a 3-digit sequence, not {count}")
    borrowers = []
    for number in range(count):
        phone = str(PHONE_BASE + number)
        user_id = register(phone)
        with session_scope() as session:
            handoff_code = create_handoff(session, user_id)
        signed_in = redeem(handoff_code)
        borrowers.append(Borrower(phone, signed_in.token, _id_number(number + 1)))
    return borrowers


def percentile(values: list[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``values`` by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: list[float]) -> tuple[int, float, float, float]:
    """Return the count and the p50, p95 and p99 in milliseconds."""
    if not values:
        return 0, float("nan"), float("nan"), float("nan")
    return len(values), *(percentile(values, fraction) * 1000 for fraction in (0.50, 0.95, 0.99))


def _event_latencies(results: Results) -> list[float]:
    return [seconds for kind, values in results.latencies.items() if kind != "connect + hydrate" for seconds in values]


def _machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"


def print_report(plan: LoadPlan, starter: Results, lendapp: Results) -> None:
    """Print per-kind round trips, the lendapp/starter ratios of all events and whether the target is met."""
    print(f"Users {plan.users}, {plan.duration:.0f} s per app, ramp {plan.ramp:.0f} s, think time {plan.think_min}-{plan.think_max} s")
    print("| app | events | count | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for name, results in (("starter", starter), ("lendapp", lendapp)):
        for kind, values in sorted(results.latencies.items()):
            count, p50, p95, p99 = summarize(values)
            print(f"| {name} | {kind} | {count} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
        count, p50, p95, p99 = summarize(_event_latencies(results))
        print(f"| {name} | all events (not connect) | {count} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    base = summarize(_event_latencies(starter))
    ours = summarize(_event_latencies(lendapp))
    ratios = [ours[index] / base[index] if base[index] else float("nan") for index in (1, 2, 3)]
    print(f"\nRatio lendapp / starter, all events: p50 {ratios[0]:.2f}, p95 {ratios[1]:.2f}, p99 {ratios[2]:.2f} (target at most {TARGET_RATIO})")
    for name, results in (("starter", starter), ("lendapp", lendapp)):
        errors = sum(results.errors.values())
        print(f"Errors {name}: {errors}" + "".join(f"\n  {count} x {reason}" for reason, count in sorted(results.errors.items())))
    print(f"Applications submitted: {lendapp.submitted} of {plan.users} borrowers")
    met = all(ratio <= TARGET_RATIO for ratio in ratios) and not sum(lendapp.errors.values())
    print(f"Target (at most {TARGET_RATIO}x the starter's p50/p95/p99, no errors): {'met' if met else 'MISSED'}")
    print(f"Machine: {_machine()}")


def parse_args(argv: list[str] | None = None) -> LoadPlan:
    """Read the command line into a LoadPlan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated users per app (default 200)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per app, ramp included (default 60)")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which users start (default a third of --duration)")
    parser.add_argument("--think-min", type=float, default=1.0, help="minimum pause between a user's events, in seconds (default 1)")
    parser.add_argument("--think-max", type=float, default=3.0, help="maximum pause between a user's events, in seconds (default 3)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0 or not 0 <= args.think_min <= args.think_max:
        parser.error("--users must be at least 1, --duration positive and 0 <= --think-min <= --think-max")
    ramp = args.duration / 3 if args.ramp is None else args.ramp
    if not 0 <= ramp < args.duration:
        parser.error(f"--ramp must be at least 0 and shorter than --duration, not {ramp}")
    return LoadPlan(args.users, args.duration, ramp, args.think_min, args.think_max)


def main(argv: list[str] | None = None) -> int:
    """Load the starter app, then lendapp, each in its own production process, and print the comparison."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Setting up 200 borrowers would log several lines each from the account services.
    logging.getLogger("lendapp").setLevel(logging.WARNING)
    plan = parse_args(argv)
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lendapp-bench-load-") as temp:
        work_dir = Path(temp)
        logger.info("Building and starting Reflex's blank starter app with a counter")
        port, process, app_dir = start_starter(work_dir)
        try:
            user = functools.partial(starter_user, port=port, hashes=initial_state_hashes(app_dir / ".web"))
            logger.info("Loading the starter app: %d users for %.0f s", plan.users, plan.duration)
            starter = asyncio.run(run_load(plan, user))
        finally:
            stop_app(process)
        logger.info("Building and starting lendapp with demo data")
        server = start_app(work_dir / "lendapp", REPORT_DIR)
        try:
            logger.info("Registering and signing in %d borrowers", plan.users)
            borrowers = create_borrowers(server.database_url, server.var_dir, plan.users)
            port = int(server.base_url.rsplit(":", 1)[1])
            user = functools.partial(borrower_user, borrowers=borrowers, port=port, hashes=initial_state_hashes(PROJECT_ROOT / ".web"))
            logger.info("Loading lendapp: %d borrowers for %.0f s", plan.users, plan.duration)
            lendapp = asyncio.run(run_load(plan, user))
        finally:
            stop_app(server.process)
    print_report(plan, starter, lendapp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
