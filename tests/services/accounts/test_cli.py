"""The operator commands: staff create, audit verify and keys rotate."""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa

from lendapp.cli import main
from lendapp.services.auth import sign_in_staff


def test_staff_create_prints_password(engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["staff", "create", "--role", "finance", "--name", "Test", "--phone", "13800138000"])

    output = capsys.readouterr().out
    password = re.search(r"One-time password .*: (\S+)", output).group(1)
    assert status == 0
    assert "'finance1'" in output
    assert sign_in_staff("finance1", password).setup_pending


def test_staff_create_rejects_bad_phone(engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["staff", "create", "--role", "finance", "--name", "Test", "--phone", "12345"])

    assert status == 2
    assert "valid mainland China mobile number" in capsys.readouterr().err


def test_audit_verify_reports_count(engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "create", "--role", "admin", "--name", "Test", "--phone", "13800138000"])
    capsys.readouterr()

    status = main(["audit", "verify"])

    assert status == 0
    assert capsys.readouterr().out == "Audit chain intact: 1 entries verified.\n"


def test_audit_verify_names_broken_entry(engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "create", "--role", "admin", "--name", "Test", "--phone", "13800138000"])
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("UPDATE audit_log SET actor_role = 'admin'"))
        entry_id = connection.execute(sa.text("SELECT id FROM audit_log")).scalar()
    capsys.readouterr()

    status = main(["audit", "verify"])

    assert status == 1
    assert f"broken at entry id {entry_id} (sequence 1)" in capsys.readouterr().out


def test_keys_rotate_reports(engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "create", "--role", "admin", "--name", "Test", "--phone", "13800138000"])
    capsys.readouterr()

    status = main(["keys", "rotate"])

    assert status == 0
    assert capsys.readouterr().out.startswith("Checked 1 encrypted values; re-encrypted 0 with key ")


def test_keys_generate_prints_key(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["keys", "generate"])

    assert status == 0
    assert len(base64.urlsafe_b64decode(capsys.readouterr().out.strip())) == 32
