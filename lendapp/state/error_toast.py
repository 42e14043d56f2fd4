"""The notice shown when an event handler raises an error it does not handle, in place of Reflex's English toast."""

import logging

import reflex as rx
from reflex.event import EventSpec

from lendapp.i18n.catalog import translate

logger = logging.getLogger(__name__)


def unexpected_error_toast(exception: Exception) -> EventSpec:
    """Log the error with its traceback and show a short notice in Chinese and English.

    Reflex calls this without the visitor's state, so the page's language is
    not known here and the notice carries both. Handlers that can fail on
    input catch their errors and show a message by the field instead.

    The annotations stay real objects (no postponed evaluation), because Reflex
    0.10.1 checks them with eval() in its own module.
    """
    logger.error("Unhandled error in an event handler: %s", type(exception).__name__, exc_info=exception)
    return rx.toast.error(
        translate("app.unexpected_error", "zh-CN"),
        description=translate("app.unexpected_error", "en"),
        id="backend_error",
        position="top-center",
    )
