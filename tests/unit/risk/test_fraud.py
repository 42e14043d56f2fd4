"""Fraud rules: velocity per ID and attributes shared across applicants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lendapp.risk.fraud import ApplicationRecord, FraudSettings, check_fraud, shared_attribute_hits, velocity_hit

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _record(number: int, applicant: str, minutes_ago: int = 10, **changes: object) -> ApplicationRecord:
    values: dict[str, object] = {
        "application_id": f"app-{number}",
        "applicant_id": applicant,
        "submitted_at": NOW - timedelta(minutes=minutes_ago),
        "device_id": f"device-{applicant}",
        "client_address": f"10.0.0.{number}",
        "phone_hash": f"phone-{applicant}",
        "bank_card_hash": f"card-{applicant}",
        "id_hash": f"id-{applicant}",
    }
    values.update(changes)
    return ApplicationRecord(**values)  # type: ignore[arg-type]


def test_velocity_over_limit_hits() -> None:
    candidate = _record(0, "a", minutes_ago=0)
    recent = [_record(n, "a", minutes_ago=n * 60) for n in range(1, 4)]

    hit = velocity_hit(candidate, recent)

    assert hit is not None
    assert hit.count == 4
    assert hit.related_application_ids == ("app-1", "app-2", "app-3")


def test_velocity_at_limit_passes() -> None:
    candidate = _record(0, "a", minutes_ago=0)

    assert velocity_hit(candidate, [_record(1, "a"), _record(2, "a")]) is None


def test_velocity_outside_window_ignored() -> None:
    candidate = _record(0, "a", minutes_ago=0)
    old = [_record(n, "a", minutes_ago=60 * 24 * 2 + n) for n in range(1, 6)]

    assert velocity_hit(candidate, old) is None


def test_shared_device_across_applicants_hits() -> None:
    candidate = _record(0, "a", minutes_ago=0, device_id="shared")
    recent = [_record(1, "b", device_id="shared"), _record(2, "c", device_id="shared")]

    hits = shared_attribute_hits(candidate, recent)

    assert [hit.code for hit in hits] == ["shared_device_id"]
    assert hits[0].count == 3


def test_shared_card_same_applicant_passes() -> None:
    candidate = _record(0, "a", minutes_ago=0, bank_card_hash="card")
    recent = [_record(n, "a", bank_card_hash="card") for n in range(1, 3)]

    assert shared_attribute_hits(candidate, recent) == []


def test_missing_attribute_never_matches() -> None:
    candidate = _record(0, "a", minutes_ago=0, client_address=None)
    recent = [_record(n, f"u{n}", client_address=None) for n in range(1, 5)]

    assert shared_attribute_hits(candidate, recent) == []


def test_check_fraud_combines_rules() -> None:
    candidate = _record(0, "a", minutes_ago=0, phone_hash="p")
    recent = [_record(n, "a", minutes_ago=n) for n in range(1, 4)] + [_record(9, "x", phone_hash="p"), _record(8, "y", phone_hash="p")]

    hits = check_fraud(candidate, recent, FraudSettings())

    assert [hit.code for hit in hits] == ["velocity", "shared_phone_hash"]
