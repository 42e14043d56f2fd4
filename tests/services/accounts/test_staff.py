"""Staff accounts: creation with a one-time password, TOTP, and admin actions."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.models import AuditEntry, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission
from lendapp.services import staff as staff_service
from lendapp.services.auth import change_password, sign_in_staff
from lendapp.services.auth_errors import InvalidCredentialsError, InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.auth_totp import begin_enrolment, confirm_enrolment
from lendapp.services.sessions import resolve_session
from tests.services.accounts.helpers import SignedIn, register, sign_in, sign_in_as_staff

OWN_PASSWORD = "quiet harbour 58 lamp"


def _create(role: str, name: str = "Test", phone: str = "13800138000", login: str | None = None):
    return staff_service.create_staff(None, role=role, name=name, phone=phone, login=login)


def _activate(role: str, login: str | None = None) -> tuple[SignedIn, str]:
    """Create a staff member, change the one-time password and, where required, enrol TOTP."""
    credentials = _create(role, login=login)
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, OWN_PASSWORD, OWN_PASSWORD)
    secret = ""
    if role in ("admin", "finance"):
        secret = begin_enrolment(first.principal).secret
        confirm_enrolment(first.principal, pyotp.TOTP(secret).now())
    signed_in = sign_in_as_staff(credentials.login, OWN_PASSWORD, _next_code(secret) if secret else "")
    return signed_in, secret


def _next_code(secret: str) -> str:
    # The enrolment used the current step's code, and each step's code is accepted once.
    return pyotp.TOTP(secret).at(utc_now() + dt.timedelta(seconds=30))


def test_create_staff_generates_login(engine: sa.Engine) -> None:
    first = _create("finance")
    second = _create("finance", phone="13900139000")

    assert first.login == "finance1"
    assert second.login == "finance2"
    assert len(first.one_time_password) == 14


def test_create_staff_must_change_password(engine: sa.Engine) -> None:
    credentials = _create("reviewer")

    signed_in = sign_in_as_staff(credentials.login, credentials.one_time_password)

    assert signed_in.principal.must_change_password
    assert signed_in.principal.setup_pending
    assert signed_in.principal.can(Permission.OWN_ACCOUNT)
    assert not signed_in.principal.can(Permission.REVIEW_QUEUE)


def test_changed_password_completes_setup(engine: sa.Engine) -> None:
    signed_in, _ = _activate("reviewer")

    assert not signed_in.principal.setup_pending
    assert signed_in.principal.can(Permission.REVIEW_QUEUE)


def test_create_staff_audited_without_phone(engine: sa.Engine) -> None:
    _create("collector")

    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "staff.create")).one()
    assert entry.actor_role == "system"
    assert "138****8000" in entry.after
    assert "13800138000" not in entry.after


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"role": "borrower"}, "role"),
        ({"role": "emperor"}, "role"),
        ({"name": "  "}, "name"),
        ({"phone": "010-12345678"}, "phone"),
        ({"login": "X!"}, "login"),
    ],
)
def test_create_staff_rejects_bad_input(engine: sa.Engine, kwargs: dict, field: str) -> None:
    values = {"role": "reviewer", "name": "Test", "phone": "13800138000"} | kwargs

    with pytest.raises(InvalidInputError) as raised:
        staff_service.create_staff(None, **values)

    assert raised.value.field == field
    with Session(engine) as session:
        assert session.exec(select(UserAccount)).all() == []


def test_create_staff_rejects_taken_login(engine: sa.Engine) -> None:
    _create("reviewer", login="wang.li")

    with pytest.raises(InvalidInputError) as raised:
        _create("collector", login="wang.li")

    assert raised.value.key == "staff_accounts.error.login_taken"


def test_finance_requires_totp_enrolment(engine: sa.Engine) -> None:
    credentials = _create("finance")
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    change_password(first.principal, credentials.one_time_password, OWN_PASSWORD, OWN_PASSWORD)

    second = sign_in_as_staff(credentials.login, OWN_PASSWORD)

    assert second.principal.setup_pending
    assert not second.principal.can(Permission.DISBURSEMENT)


def test_totp_sign_in_flow(engine: sa.Engine) -> None:
    signed_in, secret = _activate("finance")

    assert signed_in.principal.totp_enabled
    assert signed_in.principal.can(Permission.DISBURSEMENT)


def test_totp_missing_code_refused(engine: sa.Engine) -> None:
    signed_in, _ = _activate("finance")

    with pytest.raises(InvalidCredentialsError) as raised:
        sign_in_staff("finance1", OWN_PASSWORD, "")

    assert raised.value.key == "auth.error.totp_required"
    assert raised.value.field == "totp_code"


def test_totp_wrong_code_refused(engine: sa.Engine) -> None:
    _, secret = _activate("finance")
    now = utc_now() + dt.timedelta(minutes=5)
    wrong = f"{(int(pyotp.TOTP(secret).at(now)) + 1) % 1_000_000:06d}"

    with pytest.raises(InvalidCredentialsError) as raised:
        sign_in_staff("finance1", OWN_PASSWORD, wrong, now=now)

    assert raised.value.key == "auth.error.totp_wrong"


def test_totp_window_of_one_step(engine: sa.Engine) -> None:
    _, secret = _activate("finance")
    now = utc_now() + dt.timedelta(minutes=5)
    totp = pyotp.TOTP(secret)

    accepted = sign_in_staff("finance1", OWN_PASSWORD, totp.at(now - dt.timedelta(seconds=30)), now=now)
    with pytest.raises(InvalidCredentialsError):
        sign_in_staff("finance1", OWN_PASSWORD, totp.at(now - dt.timedelta(seconds=90)), now=now + dt.timedelta(seconds=1))

    assert accepted.user_id > 0


def test_totp_code_not_replayable(engine: sa.Engine) -> None:
    _, secret = _activate("finance")
    now = utc_now() + dt.timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(now)
    sign_in_staff("finance1", OWN_PASSWORD, code, now=now)

    with pytest.raises(InvalidCredentialsError) as raised:
        sign_in_staff("finance1", OWN_PASSWORD, code, now=now + dt.timedelta(seconds=5))

    assert raised.value.key == "auth.error.totp_wrong"


def test_totp_confirmation_needs_matching_code(engine: sa.Engine) -> None:
    credentials = _create("admin")
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)
    begin_enrolment(first.principal)

    with pytest.raises(InvalidInputError) as raised:
        confirm_enrolment(first.principal, "12345")

    assert raised.value.field == "totp_code"
    with Session(engine) as session:
        assert session.get(UserAccount, credentials.user_id).totp_enabled_at is None


def test_totp_uri_names_issuer(engine: sa.Engine) -> None:
    credentials = _create("admin")
    first = sign_in_as_staff(credentials.login, credentials.one_time_password)

    enrolment = begin_enrolment(first.principal)

    assert enrolment.uri.startswith("otpauth://totp/lendapp:admin1?secret=")
    assert enrolment.secret in enrolment.uri


def test_borrower_cannot_enrol_totp(engine: sa.Engine) -> None:
    register("13900139000")
    borrower = sign_in("13900139000")

    with pytest.raises(PermissionDeniedError):
        begin_enrolment(borrower.principal)


def test_admin_lists_staff(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    _create("collector", name="Li", phone="13900139000")

    summaries = staff_service.list_staff(admin.principal)

    assert [summary.login for summary in summaries] == ["admin1", "collector1"]
    assert summaries[1].phone == "139****9000"


def test_non_admin_cannot_manage_staff(engine: sa.Engine) -> None:
    reviewer, _ = _activate("reviewer")

    with pytest.raises(PermissionDeniedError):
        staff_service.list_staff(reviewer.principal)
    with pytest.raises(PermissionDeniedError):
        staff_service.create_staff(reviewer.principal, role="admin", name="X", phone="13900139000")


def test_deactivate_ends_sessions(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    collector, _ = _activate("collector", login="zhao")

    staff_service.set_staff_active(admin.principal, collector.principal.user_id, False)

    assert resolve_session(collector.token) is None
    with pytest.raises(InvalidCredentialsError):
        sign_in_staff("zhao", OWN_PASSWORD)
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "staff.deactivate")).one()
    assert entry.actor_id == admin.principal.user_id
    assert entry.before == '{"is_active":true}'
    assert entry.after == '{"is_active":false}'


def test_change_role_takes_effect(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    reviewer, _ = _activate("reviewer", login="qian")

    staff_service.change_staff_role(admin.principal, reviewer.principal.user_id, "collector")

    principal = resolve_session(reviewer.token)
    assert principal.role == "collector"
    assert principal.can(Permission.OVERDUE_LIST)
    assert not principal.can(Permission.REVIEW_QUEUE)


def test_change_role_rejects_borrower_role(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    reviewer, _ = _activate("reviewer", login="qian")

    with pytest.raises(InvalidInputError):
        staff_service.change_staff_role(admin.principal, reviewer.principal.user_id, "borrower")


def test_admin_cannot_change_self(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")

    with pytest.raises(InvalidInputError) as raised:
        staff_service.set_staff_active(admin.principal, admin.principal.user_id, False)

    assert raised.value.key == "staff_accounts.error.self_change"


def test_staff_actions_reject_borrower_target(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    borrower_id = register("13900139000")

    with pytest.raises(NotFoundError):
        staff_service.reset_staff_password(admin.principal, borrower_id)


def test_reset_password_issues_new_one(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    reviewer, _ = _activate("reviewer", login="sun")

    credentials = staff_service.reset_staff_password(admin.principal, reviewer.principal.user_id)

    assert resolve_session(reviewer.token) is None
    again = sign_in_as_staff("sun", credentials.one_time_password)
    assert again.principal.must_change_password


def test_reset_totp_requires_enrolment_again(engine: sa.Engine) -> None:
    admin, _ = _activate("admin")
    finance, _ = _activate("finance", login="zhou")

    staff_service.reset_staff_totp(admin.principal, finance.principal.user_id)

    again = sign_in_as_staff("zhou", OWN_PASSWORD)
    assert not again.principal.totp_enabled
    assert again.principal.setup_pending
