"""Settings: defaults, generated secrets and messages for invalid values."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lendapp.settings import Settings, SettingsError, get_settings


def test_settings_default_sqlite_in_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    settings = Settings(_env_file=None)

    assert settings.database_url == f"sqlite:///{tmp_path / 'lendapp.db'}"
    assert settings.default_locale == "zh-CN"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.redis_url is None
    assert not settings.stripe_enabled


def test_generated_secret_file_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = Settings(_env_file=None)

    secret = settings.secret_key_value()
    keys = settings.field_key_values()

    assert len(secret) >= 32
    assert settings.secret_key_value() == secret
    assert [len(key) for key in keys] == [32]
    for name in ("secret_key", "field_encryption_keys"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, name


@pytest.mark.parametrize(
    "variable,value,expected_fragment",
    [
        ("TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("DATABASE_URL", "mysql://x", "SQLAlchemy URL"),
        ("REDIS_URL", "http://127.0.0.1", "redis://"),
        ("DEFAULT_LOCALE", "fr", "zh-CN or en"),
        ("SMTP_PORT", "70000", "TCP port"),
        ("SECRET_KEY", "short", "at least 32 characters"),
        ("FIELD_ENCRYPTION_KEYS", "bm90LTMyLWJ5dGVz", "32-byte keys"),
    ],
)
def test_invalid_setting_names_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected_fragment: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()

    with pytest.raises(SettingsError) as error:
        get_settings()

    message = str(error.value)
    assert f"{variable}:" in message
    assert expected_fragment in message
