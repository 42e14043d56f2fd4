"""Risk alerts: the fraud hook in scoring, drift above the PSI limit, overdue spikes, dedupe, acknowledge and assign."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, LoanApplication, LoanInstallment, LoanProduct, RiskAlert
from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
from lendapp.risk.monitoring import BinnedReference
from lendapp.risk.registry import ModelRegistry
from lendapp.risk.training import LOGISTIC, train
from lendapp.services import applications, risk_alerts
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.consents import record_consents
from lendapp.services.scoring_service import score_application
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import register
from tests.services.loans.helpers import book_test_loan
from tests.services.risk.helpers import at, fast_hashing, principal  # noqa: F401
from tests.services.test_applications import ALL_CONSENTS, _complete_draft

REFERENCE = BinnedReference("score", (500.0, 600.0), (), (0.2, 0.5, 0.3))
NOW = at(2026, 5, 20, 12)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    """A registry with one logistic scorecard and its IsolationForest, trained once per module (about 5 s)."""
    frame, target, _ = load_german_credit(DATA_PATH)
    result = train(frame, target, kinds=(LOGISTIC,), n_jobs=1)
    model_registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    model_registry.register(result, file_sha256(DATA_PATH), activate=True)
    return model_registry


def _alerts() -> list[RiskAlert]:
    with session_scope() as session:
        return list(session.exec(select(RiskAlert).order_by(RiskAlert.id)).all())


def _raise(dedupe_key: str) -> bool:
    with session_scope() as session:
        return risk_alerts.raise_alert(session, kind="fraud", severity="high", subject_type="application", subject_ref="LA-1",
                                       message_key="risk_dashboard.alert.fraud", params={"rules": "velocity"}, dedupe_key=dedupe_key)


def test_fraud_alert_from_scoring_hook(engine: sa.Engine, fast_hashing: None, registry: ModelRegistry) -> None:  # noqa: F811
    with session_scope() as session:
        session.add(LoanProduct(**DEMO_PRODUCTS[0]))
    borrower = register("13800138000")
    number = _complete_draft(borrower, DEMO_PRODUCTS[0]["code"])
    record_consents(borrower, ALL_CONSENTS)
    applications.submit(borrower, number)
    # Two other applicants used the same device in the last 30 days: three applicants share it, above the limit of two.
    with session_scope() as session:
        for index, phone in enumerate(("13800138011", "13800138012")):
            session.add(LoanApplication(number=f"LA-OTHER-{index}", borrower_id=register(phone), status="in_review",
                                        device_id="device-1", submitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=index + 1)))
        session.exec(select(LoanApplication).where(LoanApplication.number == number)).one().device_id = "device-1"

    outcome = score_application(applications.application_id_of(number), registry)

    assert outcome.reason == "fraud_rule" or outcome.status == "auto_declined"
    alerts = _alerts()
    assert [(a.kind, a.subject_type, a.subject_ref, a.severity) for a in alerts] == [("fraud", "application", number, "high")]
    assert "shared_device_id" in alerts[0].params_json
    assert alerts[0].dedupe_key == f"fraud:{number}"


def test_fraud_alert_needs_a_signal(engine: sa.Engine) -> None:
    with session_scope() as session:
        assert risk_alerts.raise_fraud_alert(session, "LA-1", [], -0.1) is False
        assert risk_alerts.raise_fraud_alert(session, "LA-2", [], 0.05) is True

    alerts = _alerts()
    assert [(a.subject_ref, a.severity, a.message_key) for a in alerts] == [("LA-2", "medium", "risk_dashboard.alert.anomaly")]


def test_alert_dedupe_key(engine: sa.Engine) -> None:
    assert _raise("fraud:LA-1") is True
    assert _raise("fraud:LA-1") is False
    assert _raise("fraud:LA-9") is True

    assert len(_alerts()) == 2


def _scored(scores: list[int], submitted: dt.datetime) -> None:
    with session_scope() as session:
        borrower = register("13800138020")
        for index, score in enumerate(scores):
            session.add(LoanApplication(number=f"LA-S-{index}", borrower_id=borrower, status="in_review", score=score, submitted_at=submitted))


def test_drift_alert_above_limit(engine: sa.Engine, fast_hashing: None) -> None:  # noqa: F811
    # Every recent score falls in the top training bin (30 % in training): PSI is far above 0.25.
    _scored([650] * 40, NOW - dt.timedelta(days=2))

    psi = risk_alerts.check_drift(REFERENCE, "v1", now=NOW)
    again = risk_alerts.check_drift(REFERENCE, "v1", now=NOW + dt.timedelta(hours=1))

    assert psi > 0.25
    assert again == psi
    alerts = _alerts()
    assert [(a.kind, a.subject_type, a.subject_ref) for a in alerts] == [("drift", "model", "v1")]


def test_drift_quiet_when_stable(engine: sa.Engine, fast_hashing: None) -> None:  # noqa: F811
    _scored([450] * 8 + [550] * 20 + [650] * 12, NOW - dt.timedelta(days=2))

    psi = risk_alerts.check_drift(REFERENCE, "v1", now=NOW)

    assert psi == pytest.approx(0.0, abs=1e-9)
    assert _alerts() == []


def test_drift_needs_enough_applications(engine: sa.Engine, fast_hashing: None) -> None:  # noqa: F811
    _scored([650] * 5, NOW - dt.timedelta(days=2))

    assert risk_alerts.check_drift(REFERENCE, "v1", now=NOW) is None
    assert _alerts() == []


def test_overdue_spike_alert(engine: sa.Engine, fast_hashing: None) -> None:  # noqa: F811
    _, loan_id = book_test_loan("13800138030", months=12, start=dt.date(2026, 1, 15))
    today = dt.date(2026, 5, 20)
    yesterday = today - dt.timedelta(days=1)
    with session_scope() as session:
        rows = session.exec(select(LoanInstallment).where(LoanInstallment.loan_id == loan_id).order_by(LoanInstallment.seq)).all()
        # Twelve unpaid rows moved to yesterday's due date make a spike against a trailing average of zero.
        for row in rows:
            row.due_date = yesterday

    new, average = risk_alerts.check_overdue_spike(today)

    assert (new, average) == (12, 0.0)
    assert [(a.kind, a.dedupe_key) for a in _alerts()] == [("overdue_spike", "overdue_spike:2026-05-19")]


def _risk_staff(phone: str) -> int:
    return create_staff(None, role="risk_manager", name=f"Risk {phone[-2:]}", phone=phone).user_id


def test_acknowledge_and_assign_audited(engine: sa.Engine) -> None:
    manager = _risk_staff("13900139001")
    colleague = _risk_staff("13900139002")
    _raise("fraud:LA-1")
    alert_id = _alerts()[0].id
    actor = principal("risk_manager", manager)

    assigned = risk_alerts.assign(actor, alert_id, colleague, client_ip="127.0.0.1")
    acknowledged = risk_alerts.acknowledge(actor, alert_id, client_ip="127.0.0.1")

    assert assigned.assignee_id == colleague
    assert assigned.assignee_name == "Risk 02"
    assert acknowledged.status == "acknowledged"
    assert risk_alerts.list_open_alerts(actor) == []
    with session_scope() as session:
        actions = session.exec(select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.object_type == "risk_alert")).all()
    assert sorted(actions) == [("risk_alert.acknowledge", manager), ("risk_alert.assign", manager)]


def test_assign_only_to_risk_staff(engine: sa.Engine) -> None:
    manager = _risk_staff("13900139001")
    reviewer = create_staff(None, role="reviewer", name="Reviewer", phone="13900139003").user_id
    _raise("fraud:LA-1")
    alert_id = _alerts()[0].id

    with pytest.raises(InvalidInputError):
        risk_alerts.assign(principal("risk_manager", manager), alert_id, reviewer)
    with pytest.raises(NotFoundError):
        risk_alerts.acknowledge(principal("risk_manager", manager), alert_id + 100)
    assert [option.user_id for option in risk_alerts.risk_staff(principal("risk_manager", manager))] == [manager]


@pytest.mark.parametrize("role", ["reviewer", "borrower"])
def test_alert_actions_refused(engine: sa.Engine, role: str) -> None:
    _raise("fraud:LA-1")
    alert_id = _alerts()[0].id
    actor = principal(role)

    with pytest.raises(PermissionDeniedError):
        risk_alerts.list_open_alerts(actor)
    with pytest.raises(PermissionDeniedError):
        risk_alerts.acknowledge(actor, alert_id)
    with pytest.raises(PermissionDeniedError):
        risk_alerts.assign(actor, alert_id, 1)
    assert _alerts()[0].status == "open"
