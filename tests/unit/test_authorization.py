"""Every event handler and API route is public on purpose or checks session and permission first.

The test walks the whole Reflex state tree of the built app and every route
of the API app. Each handler must be on the public list or carry the
``requires`` guard. Each guarded handler is then called without a session,
with a borrower's session and with a reviewer's session. Whenever the caller
lacks the permission, the handler must return a redirect, and its body must
never start. Routes get the same checks over HTTP.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex.istate.data import RouterData
from reflex.state import EventHandlerSetVar
from starlette.routing import Route
from starlette.testclient import TestClient

import lendapp.lendapp  # noqa: F401  (builds the app, importing every page and state)
from lendapp.api.auth import PUBLIC_ROUTES
from lendapp.api.routes import build_api
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services.auth import change_password
from lendapp.services.session_cookie import SESSION_COOKIE
from lendapp.services.staff import create_staff
from lendapp.state.auth_guard import PUBLIC_EVENT_HANDLERS
from tests.services.accounts.helpers import register, sign_in, sign_in_as_staff

STAFF_PASSWORD = "quiet harbour 58 lamp"


def _states(state: type[rx.State] = rx.State) -> Iterator[type[rx.State]]:
    yield state
    for substate in sorted(state.get_substates(), key=lambda cls: cls.__name__):
        yield from _states(substate)


def _handlers() -> list[tuple[str, Any]]:
    found = []
    for state in _states():
        for name, handler in sorted(state.event_handlers.items()):
            found.append((f"{state.__name__}.{name}", handler))
    return found


def _guarded() -> list[tuple[str, Any, Permission]]:
    return [
        (key, handler, handler.fn.required_permission)
        for key, handler in _handlers()
        if isinstance(getattr(handler.fn, "required_permission", None), Permission)
    ]


class StandInState:
    """Just enough of a state for the guard: router data carrying a cookie and an address, and the locale state."""

    def __init__(self, cookie: str, address: str = "") -> None:
        headers = {"cookie": cookie} if cookie else {}
        self.router = RouterData.from_router_data({"headers": headers, "ip": "127.0.0.1", "asPath": address})

    async def get_state(self, _state_class: type) -> types.SimpleNamespace:
        return types.SimpleNamespace(locale="zh-CN")


def _dummy_arguments(function: Any) -> dict[str, Any]:
    samples = {"int": 1, "str": "x", "dict": {}, "bool": True}
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return {parameter.name: samples.get(str(parameter.annotation).split("[")[0], "x") for parameter in parameters}


def _call_and_watch(handler: Any, cookie: str) -> tuple[Any, bool]:
    """Call a guarded handler; return its result (or the error it raised) and whether the wrapped body started."""
    body = handler.fn.__wrapped__.__code__
    started = False

    def watch(frame: types.FrameType, event: str, _arg: Any) -> None:
        nonlocal started
        if event == "call" and frame.f_code is body:
            started = True

    sys.setprofile(watch)
    try:
        result = asyncio.run(handler.fn(StandInState(cookie), **_dummy_arguments(handler.fn)))
    except Exception as error:  # noqa: BLE001 - a body that started may fail on the stand-in state
        result = error
    finally:
        sys.setprofile(None)
    return result, started


def _redirects(result: Any) -> list[str]:
    events = result if isinstance(result, list) else [result]
    paths = []
    for event in events:
        if getattr(getattr(event, "handler", None), "fn", None) is not None and event.handler.fn.__qualname__ == "_redirect":
            paths.extend(value._var_value for name, value in event.args if str(name) == "path")
    return paths


@pytest.fixture
def sessions(engine: sa.Engine) -> dict[str, str]:
    """Cookie headers of no session, a borrower and an active reviewer."""
    register("13800138000")
    borrower = sign_in("13800138000")
    credentials = create_staff(None, role="reviewer", name="Reviewer", phone="13900139000")
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, STAFF_PASSWORD, STAFF_PASSWORD)
    reviewer = sign_in_as_staff(credentials.login, STAFF_PASSWORD)
    return {
        "none": "",
        "borrower": f"{SESSION_COOKIE}={borrower.token}",
        "reviewer": f"other=1; {SESSION_COOKIE}={reviewer.token}",
    }


def test_handler_walk_finds_account_states() -> None:
    keys = {key for key, _ in _handlers()}

    assert "StaffAccountsState.create" in keys
    assert "AccountSecurityState.change_password" in keys
    assert "LoginState.submit" in keys


def test_every_handler_public_or_guarded() -> None:
    unlisted = []
    for key, handler in _handlers():
        guarded = isinstance(getattr(handler.fn, "required_permission", None), Permission)
        public = key in PUBLIC_EVENT_HANDLERS or isinstance(handler, EventHandlerSetVar)
        if guarded == public:
            unlisted.append(key)
    assert unlisted == []


def test_public_list_has_no_stale_entries() -> None:
    keys = {key for key, _ in _handlers()}

    assert sorted(set(PUBLIC_EVENT_HANDLERS) - keys) == []


def test_setvar_reaches_only_handlers() -> None:
    # setvar calls getattr(state, "set_" + name); every such attribute must be an enumerated handler.
    stray = []
    for state in _states():
        inherited = set().union(*(ancestor.event_handlers for ancestor in state.__mro__ if hasattr(ancestor, "event_handlers")))
        for name in dir(state):
            if name.startswith("set_") and name not in inherited:
                stray.append(f"{state.__name__}.{name}")
    assert stray == []


def test_guarded_handlers_found() -> None:
    permissions = {permission for _, _, permission in _guarded()}

    assert Permission.STAFF_MANAGE in permissions
    assert Permission.OWN_ACCOUNT in permissions


@pytest.mark.parametrize("caller", ["none", "borrower", "reviewer"])
def test_guarded_handlers_refuse_callers(sessions: dict[str, str], caller: str) -> None:
    role = {"none": None, "borrower": "borrower", "reviewer": "reviewer"}[caller]
    proceeded = []
    not_redirected = []
    checked = 0
    for key, handler, permission in _guarded():
        if role is not None and has_permission(role, permission):
            continue
        checked += 1
        result, started = _call_and_watch(handler, sessions[caller])
        if started:
            proceeded.append(key)
        if not _redirects(result):
            not_redirected.append(key)

    assert checked > 0
    assert proceeded == []
    assert not_redirected == []


def test_guard_sends_visitors_to_sign_in(sessions: dict[str, str]) -> None:
    handler = dict(_handlers())["StaffAccountsState.load"]

    result, started = _call_and_watch(handler, sessions["none"])

    assert not started
    assert _redirects(result) == ["/staff/login"]


def test_guard_keeps_query_for_sign_in(sessions: dict[str, str]) -> None:
    # The calculator's terms travel in the query of /apply, so signing in must not drop them.
    handler = dict(_handlers())["ApplyState.load"]
    address = "/apply?product=agri-season&amount=60000&months=9&method=interest_only&rate=8"

    result = asyncio.run(handler.fn(StandInState(sessions["none"], address)))

    assert _redirects(result) == ["/login?" + urllib.parse.urlencode({"next": address})]


def test_guard_drops_overlong_query(sessions: dict[str, str]) -> None:
    handler = dict(_handlers())["ApplyState.load"]

    result = asyncio.run(handler.fn(StandInState(sessions["none"], "/apply?product=" + "x" * 300)))

    assert _redirects(result) == ["/login?next=%2Fapply"]


def test_guard_admits_own_account(sessions: dict[str, str]) -> None:
    # Proves the watch detects a body that starts, because a borrower has the own-account permission.
    handler = dict(_handlers())["AccountSecurityState.sign_out_others"]

    _, started = _call_and_watch(handler, sessions["borrower"])

    assert started


def _api_routes() -> list[Route]:
    return [route for route in build_api().routes if isinstance(route, Route)]


def test_every_route_public_or_guarded() -> None:
    unlisted = [
        route.path
        for route in _api_routes()
        if (route.path in PUBLIC_ROUTES) == isinstance(getattr(route.endpoint, "required_permission", None), Permission)
    ]

    assert unlisted == []


def test_public_routes_exist() -> None:
    paths = {route.path for route in _api_routes()}

    assert sorted(set(PUBLIC_ROUTES) - paths) == []


@pytest.mark.parametrize("caller", ["none", "borrower", "reviewer"])
def test_guarded_routes_refuse_callers(sessions: dict[str, str], caller: str) -> None:
    role = {"none": None, "borrower": "borrower", "reviewer": "reviewer"}[caller]
    client = TestClient(build_api(), base_url="http://127.0.0.1", follow_redirects=False)
    token = sessions[caller].rpartition("=")[2] if sessions[caller] else ""
    if token:
        client.cookies.set(SESSION_COOKIE, token)
    outcomes = {}
    for route in _api_routes():
        permission = getattr(route.endpoint, "required_permission", None)
        if permission is None:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            status = client.request(method, route.path).status_code
            allowed = role is not None and has_permission(role, permission)
            outcomes[f"{method} {route.path}"] = (status, allowed)

    assert outcomes
    for name, (status, allowed) in outcomes.items():
        if allowed:
            # A route whose path names an object gets the literal placeholder here, which names none.
            assert status == 200 or (status == 404 and "{" in name), name
        elif role is None:
            assert status == 401, name
        else:
            assert status == 403, name
