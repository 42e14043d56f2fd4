"""The notice for an error an event handler does not handle."""

from __future__ import annotations

import logging

import pytest

from lendapp.i18n.catalog import translate
from lendapp.state.error_toast import unexpected_error_toast


def test_error_toast_carries_both_languages() -> None:
    rendered = str(unexpected_error_toast(ValueError("boom")))

    # Reflex escapes non-ASCII text in the generated JavaScript.
    assert translate("app.unexpected_error", "zh-CN").encode("unicode_escape").decode() in rendered.replace("\\\\", "\\")
    assert translate("app.unexpected_error", "en") in rendered
    assert "An error occurred" not in rendered


def test_error_toast_logs_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="lendapp.state.error_toast"):
        unexpected_error_toast(ValueError("boom"))

    record = caplog.records[-1]
    assert "ValueError" in record.getMessage()
    assert record.exc_info is not None


def test_app_accepts_error_toast_handler() -> None:
    import rxconfig  # noqa: F401
    from lendapp.lendapp import app

    assert app.backend_exception_handler is unexpected_error_toast
    app._validate_exception_handlers()
