"""Fixtures of the KYC tests: the reference vectors and a fixed check date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

VECTORS_PATH = Path(__file__).resolve().parents[2] / "data" / "kyc_vectors.json"
TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="session")
def vectors() -> dict:
    """The reference cases of every identity check."""
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
