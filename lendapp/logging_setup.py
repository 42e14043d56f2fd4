"""Logging configuration, applied once per process from settings."""

from __future__ import annotations

import logging

_configured = False


def configure_logging(level: str) -> None:
    """Configure the root logger once; later calls only change the level."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level)
    if _configured:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    _configured = True
