"""Two borrowers: each reads and changes only their own sessions and profile."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lendapp.services.auth_errors import NotFoundError
from lendapp.services.pii import own_profile, save_identity
from lendapp.services.sessions import list_own_sessions, resolve_session, revoke_other_sessions, revoke_own_session
from tests.services.accounts.helpers import register, sign_in

ALICE = "13800138000"
BOB = "13900139000"


def test_sessions_listed_per_borrower(engine: sa.Engine) -> None:
    register(ALICE)
    register(BOB)
    alice = sign_in(ALICE)
    bob = sign_in(BOB)

    alice_ids = {view.session_id for view in list_own_sessions(alice.principal)}
    bob_ids = {view.session_id for view in list_own_sessions(bob.principal)}

    assert alice_ids == {alice.principal.session_id}
    assert bob_ids == {bob.principal.session_id}


def test_cannot_revoke_other_borrowers_session(engine: sa.Engine) -> None:
    register(ALICE)
    register(BOB)
    alice = sign_in(ALICE)
    bob = sign_in(BOB)

    with pytest.raises(NotFoundError):
        revoke_own_session(alice.principal, bob.principal.session_id)

    assert resolve_session(bob.token) is not None


def test_sign_out_others_spares_other_borrower(engine: sa.Engine) -> None:
    register(ALICE)
    register(BOB)
    alice = sign_in(ALICE)
    bob = sign_in(BOB)

    assert revoke_other_sessions(alice.principal) == 0

    assert resolve_session(bob.token) is not None


def test_profile_shows_own_data_only(engine: sa.Engine) -> None:
    alice_id = register(ALICE)
    register(BOB)
    save_identity(alice_id, "张三丰", "11010519491231002X")
    alice = sign_in(ALICE)
    bob = sign_in(BOB)

    alice_view = own_profile(alice.principal)
    bob_view = own_profile(bob.principal)

    assert alice_view.phone == "138****8000"
    assert alice_view.id_number == "110***********002X"
    assert bob_view.phone == "139****9000"
    assert bob_view.id_number == ""
    assert bob_view.full_name == ""
