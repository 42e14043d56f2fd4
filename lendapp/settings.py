"""Runtime settings, read once from the environment and `.env`.

Every environment variable that lendapp reads is a field here. A value that
fails validation stops the start with a message that names the variable and
the expected form, instead of failing later in the middle of a request.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import secrets
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Locale = Literal["zh-CN", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "en")

# Human-readable forms for the error message of each field that can fail.
_EXPECTED_FORMS = {
    "database_url": "an SQLAlchemy URL such as sqlite:///var/lendapp.db or postgresql+psycopg://user:pass@127.0.0.1:5432/lendapp",
    "redis_url": "a URL such as redis://127.0.0.1:6379/0, or empty for no Redis",
    "secret_key": "at least 32 characters",
    "field_encryption_keys": "comma-separated url-safe base64 32-byte keys, newest first",
    "default_locale": "zh-CN or en",
    "timezone": "an IANA time zone name such as Asia/Shanghai",
    "smtp_port": "a TCP port number from 1 to 65535",
    "daily_job_time": "a local time HH:MM such as 00:30",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "application_draft_days": "a whole number of days from 1 to 365",
    "var_dir": "a writable folder path",
}


class SettingsError(RuntimeError):
    """Raised when the environment contains an invalid setting."""


class Settings(BaseSettings):
    """Every setting lendapp reads from the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_file=str(PROJECT_ROOT / ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="Folder for the SQLite file, keys and uploads.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means an SQLite file in var_dir.")
    redis_url: str | None = Field(default=None, description="When set, Reflex keeps state in Redis.")
    secret_key: SecretStr | None = Field(default=None, description="Signs tokens; generated into var_dir when empty.")
    field_encryption_keys: SecretStr | None = Field(
        default=None, description="Keys for personal data at rest; generated into var_dir when empty."
    )

    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = Field(default=None, description="Overrides Stripe's API address, for tests.")
    lender_bank_name: str = Field(default="示例银行 上海分行 (demo)", description="Bank of the account that borrowers pay bank transfers to.")
    lender_account_name: str = Field(default="示例小额贷款有限公司 (demo)", description="Holder name of the lender's receiving account.")
    lender_account_number: str = Field(default="6200 0000 0000 0000 000", description="Receiving account number shown to borrowers; the default is a fake demo number.")
    transfer_confirm_days: int = Field(default=3, ge=1, le=60, description="Days a bank transfer may await confirmation before reconciliation lists it.")

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "lendapp <no-reply@localhost>"
    smtp_starttls: bool = False

    scheduler_enabled: bool = Field(default=True, description="Run the daily job and notification delivery inside the app process.")
    daily_job_time: str = Field(default="00:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local time (HH:MM in TIMEZONE) the daily job starts.")

    application_draft_days: int = Field(default=30, ge=1, le=365, description="Days after its last save that a draft application expires.")

    default_locale: Locale = "zh-CN"
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    public_url: str = Field(default="http://127.0.0.1:3000", description="Address borrowers reach the app at.")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("unsupported scheme")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("unsupported scheme")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and len(value.get_secret_value()) < 32:
            raise ValueError("too short")
        return value or None

    @field_validator("field_encryption_keys")
    @classmethod
    def _check_field_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        for key in value.get_secret_value().split(","):
            if len(_decode_key(key)) != 32:
                raise ValueError("each key must decode to 32 bytes")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        self.var_dir = self.var_dir.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'lendapp.db'}"
        return self

    @property
    def timezone_info(self) -> zoneinfo.ZoneInfo:
        """The display time zone as a tzinfo object."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def stripe_enabled(self) -> bool:
        """Whether Stripe Checkout is configured; bank transfer is used otherwise."""
        return self.stripe_secret_key is not None

    def secret_key_value(self) -> str:
        """Return the secret key, generating and storing it in var_dir on first use."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _read_or_create_secret(self.var_dir / "secret_key", lambda: secrets.token_urlsafe(48))

    def field_key_values(self) -> list[bytes]:
        """Return the field-encryption keys, newest first, generating one on first use."""
        if self.field_encryption_keys is not None:
            raw = self.field_encryption_keys.get_secret_value()
        else:
            raw = _read_or_create_secret(
                self.var_dir / "field_encryption_keys",
                lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            )
        return [_decode_key(key) for key in raw.split(",") if key.strip()]


def _decode_key(key: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(key.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("not url-safe base64") from exc


def _read_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """Read a generated secret from ``path``, creating it with mode 0600 first if absent."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # O_EXCL makes two processes starting at once agree on the first writer's value.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    logger.info("Generated %s (mode 0600); back it up with the database", path)
    return value


def format_validation_error(error: ValidationError) -> str:
    """Turn a pydantic error into lines that name each variable and its expected form."""
    lines = ["Invalid setting(s) in the environment or .env:"]
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        expected = _EXPECTED_FORMS.get(field, item["msg"])
        lines.append(f"  {field.upper()}: {item['msg']}; expected {expected}")
    return "\n".join(lines)


@functools.cache
def get_settings() -> Settings:
    """Return the process-wide settings, validated on first call.

    Raises:
        SettingsError: When a variable has an invalid value. The message names it.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(format_validation_error(exc)) from None
