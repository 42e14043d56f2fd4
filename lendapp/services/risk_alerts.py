"""Risk alerts: raising fraud, drift and overdue-spike alerts, and working through them.

Every alert has a ``dedupe_key`` that the table keeps unique, so a check that
runs twice (a retried job, two workers) stores one alert. Raising inserts
inside a SAVEPOINT and treats a unique violation as "already raised", which
works the same on SQLite and PostgreSQL.

Who may act: risk staff (``Permission.RISK_DASHBOARD``) list, acknowledge and
assign alerts, and an alert is assigned only to a staff member who holds that
permission. Acknowledging and assigning are audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication, LoanInstallment, RiskAlert, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.permissions import Permission, has_permission
from lendapp.risk.monitoring import PSI_ALERT, BinnedReference
from lendapp.risk.registry import ModelRegistry, ModelRegistryError
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError
from lendapp.services.risk_dashboard import day_number, psi_from_counts, require_dashboard, score_bin_case
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

OBJECT_TYPE = "risk_alert"
# An IsolationForest score above 0 marks an outlier (scikit-learn's decision_function, negated).
ANOMALY_THRESHOLD = 0.0
DRIFT_WINDOW = dt.timedelta(days=30)
# Fewer scored applications than this give a PSI too noisy to alert on.
DRIFT_MIN_APPLICATIONS = 30
SPIKE_TRAILING_DAYS = 28
SPIKE_FACTOR = 2.0
SPIKE_MIN_COUNT = 10
MAX_LISTED = 50


@dataclasses.dataclass(frozen=True)
class AlertView:
    """One alert as the feed shows it: a catalog key with parameters, and the record it concerns."""

    id: int
    kind: str
    severity: str
    subject_type: str
    subject_ref: str
    message_key: str
    params: dict[str, object]
    status: str
    assignee_id: int | None
    assignee_name: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class StaffOption:
    """A staff member an alert may be assigned to."""

    user_id: int
    name: str


def raise_alert(
    session: Session, *, kind: str, severity: str, subject_type: str, subject_ref: str, message_key: str,
    params: dict[str, object], dedupe_key: str, now: dt.datetime | None = None,
) -> bool:
    """Store an alert unless one with ``dedupe_key`` exists; return whether it was stored.

    Runs in the caller's transaction, inside a savepoint, so a duplicate does not abort it.
    """
    alert = RiskAlert(
        kind=kind, severity=severity, subject_type=subject_type, subject_ref=subject_ref[:64], message_key=message_key,
        params_json=json.dumps(params, ensure_ascii=False, sort_keys=True), dedupe_key=dedupe_key[:160],
        created_at=now or utc_now(),
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except sa.exc.IntegrityError:
        logger.info("Alert %s exists already; not raised again", dedupe_key)
        return False
    logger.info("Raised %s alert %s on %s %s", kind, message_key, subject_type, subject_ref)
    return True


def raise_fraud_alert(session: Session, number: str, rule_codes: Sequence[str], anomaly_score: float | None, now: dt.datetime | None = None) -> bool:
    """Raise a fraud alert for an application when a fraud rule hit or its anomaly score marks an outlier.

    Returns whether an alert was stored; nothing fired, or a duplicate, stores none.
    """
    anomalous = anomaly_score is not None and anomaly_score > ANOMALY_THRESHOLD
    if not rule_codes and not anomalous:
        return False
    params: dict[str, object] = {"rules": ",".join(rule_codes)}
    if anomaly_score is not None:
        params["anomaly"] = round(float(anomaly_score), 4)
    return raise_alert(
        session, kind="fraud", severity="high" if rule_codes else "medium", subject_type="application", subject_ref=number,
        message_key="risk_dashboard.alert.fraud" if rule_codes else "risk_dashboard.alert.anomaly",
        params=params, dedupe_key=f"fraud:{number}", now=now,
    )


def check_drift(reference: BinnedReference, model_version: str, now: dt.datetime | None = None,
                min_applications: int = DRIFT_MIN_APPLICATIONS) -> float | None:
    """Compute the PSI of the last 30 days' scores against training; raise a drift alert above ``PSI_ALERT``.

    Returns the PSI, or None when fewer than ``min_applications`` were scored.
    At most one drift alert per model version and day is stored.
    """
    now = now or utc_now()
    application = LoanApplication.__table__
    score_bin = score_bin_case(application.c.score, reference)
    query = (
        sa.select(score_bin, sa.func.count())
        .where(application.c.score.is_not(None), application.c.submitted_at >= now - DRIFT_WINDOW, application.c.submitted_at < now)
        .group_by(score_bin)
    )
    with session_scope() as session:
        counts = [0] * len(reference.shares)
        for index, count in session.execute(query):
            counts[int(index)] += count
        if sum(counts) < min_applications:
            return None
        psi = psi_from_counts(reference, counts)
        if psi > PSI_ALERT:
            raise_alert(
                session, kind="drift", severity="high", subject_type="model", subject_ref=model_version,
                message_key="risk_dashboard.alert.drift", params={"psi": round(psi, 4), "applications": sum(counts)},
                dedupe_key=f"drift:{model_version}:{now.date().isoformat()}", now=now,
            )
    return psi


def check_overdue_spike(today: dt.date | None = None) -> tuple[int, float]:
    """Compare the installments that became overdue yesterday with the trailing daily average; alert on a spike.

    An installment becomes overdue on the day after its due date when it was
    not paid in full by the end of that day. A spike is at least
    ``SPIKE_MIN_COUNT`` and more than ``SPIKE_FACTOR`` times the average of
    the previous ``SPIKE_TRAILING_DAYS`` days. Returns (new overdue, average).
    """
    today = today or utc_now().date()
    item = LoanInstallment.__table__
    loan = Loan.__table__
    first_due = today - dt.timedelta(days=SPIKE_TRAILING_DAYS + 1)
    late = sa.or_(item.c.paid_at.is_(None), day_number(item.c.paid_at) > day_number(item.c.due_date))
    query = (
        sa.select(item.c.due_date, sa.func.count())
        .select_from(item.join(loan, sa.and_(loan.c.id == item.c.loan_id, loan.c.schedule_version == item.c.schedule_version)))
        .where(item.c.due_date >= first_due, item.c.due_date < today, late)
        .group_by(item.c.due_date)
    )
    with session_scope() as session:
        per_day = {due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due)): count for due, count in session.execute(query)}
        yesterday = today - dt.timedelta(days=1)
        new = per_day.get(yesterday, 0)
        average = sum(count for due, count in per_day.items() if due < yesterday) / SPIKE_TRAILING_DAYS
        if new >= SPIKE_MIN_COUNT and new > SPIKE_FACTOR * average:
            raise_alert(
                session, kind="overdue_spike", severity="medium", subject_type="", subject_ref="",
                message_key="risk_dashboard.alert.overdue_spike", params={"count": new, "average": round(average, 1)},
                dedupe_key=f"overdue_spike:{yesterday.isoformat()}",
            )
    return new, average


def _view(alert: RiskAlert, names: dict[int, str]) -> AlertView:
    return AlertView(
        id=alert.id, kind=alert.kind, severity=alert.severity, subject_type=alert.subject_type, subject_ref=alert.subject_ref,
        message_key=alert.message_key, params=json.loads(alert.params_json or "{}"), status=alert.status,
        assignee_id=alert.assignee_id, assignee_name=names.get(alert.assignee_id, "") if alert.assignee_id else "",
        created_at=alert.created_at,
    )


def _staff_names(session: Session) -> dict[int, str]:
    rows = session.exec(select(UserAccount.id, UserAccount.display_name, UserAccount.role).where(UserAccount.is_active)).all()
    return {user_id: name for user_id, name, role in rows if has_permission(role, Permission.RISK_DASHBOARD)}


def list_open_alerts(actor: Principal, limit: int = MAX_LISTED) -> list[AlertView]:
    """Return the newest open alerts first, at most ``limit``.

    Raises:
        PermissionDeniedError: The actor is not risk staff.
    """
    require_dashboard(actor)
    with session_scope() as session:
        rows = session.exec(
            select(RiskAlert).where(RiskAlert.status == "open").order_by(RiskAlert.created_at.desc(), RiskAlert.id.desc()).limit(limit)
        ).all()
        names = _staff_names(session)
        return [_view(row, names) for row in rows]


def risk_staff(actor: Principal) -> list[StaffOption]:
    """Return the active staff members alerts may be assigned to, by name.

    Raises:
        PermissionDeniedError: The actor is not risk staff.
    """
    require_dashboard(actor)
    with session_scope() as session:
        return sorted((StaffOption(user_id, name) for user_id, name in _staff_names(session).items()), key=lambda option: option.name)


def _open_alert(session: Session, alert_id: int) -> RiskAlert:
    alert = session.get(RiskAlert, alert_id)
    if alert is None:
        raise NotFoundError("risk_dashboard.error.alert_not_found")
    return alert


def acknowledge(actor: Principal, alert_id: int, client_ip: str = "", now: dt.datetime | None = None) -> AlertView:
    """Mark an alert acknowledged by the actor; acknowledging twice changes nothing more.

    Raises:
        PermissionDeniedError: The actor is not risk staff.
        NotFoundError: No such alert.
    """
    require_dashboard(actor)
    now = now or utc_now()
    with session_scope() as session:
        alert = _open_alert(session, alert_id)
        if alert.status != "acknowledged":
            alert.status, alert.acknowledged_by, alert.acknowledged_at = "acknowledged", actor.user_id, now
            record_audit(
                session, action="risk_alert.acknowledge", object_type=OBJECT_TYPE, object_id=alert.id, actor_id=actor.user_id,
                actor_role=actor.role, before={"status": "open"}, after={"status": "acknowledged"}, client_ip=client_ip,
            )
            logger.info("User %s acknowledged alert %s", actor.user_id, alert.id)
        return _view(alert, _staff_names(session))


def assign(actor: Principal, alert_id: int, assignee_id: int, client_ip: str = "") -> AlertView:
    """Assign an alert to a risk staff member.

    Raises:
        PermissionDeniedError: The actor is not risk staff.
        NotFoundError: No such alert.
        InvalidInputError: The assignee is not an active staff member with the risk dashboard.
    """
    require_dashboard(actor)
    with session_scope() as session:
        alert = _open_alert(session, alert_id)
        names = _staff_names(session)
        if assignee_id not in names:
            raise InvalidInputError("risk_dashboard.error.assignee", field="assignee")
        before = alert.assignee_id
        alert.assignee_id = assignee_id
        record_audit(
            session, action="risk_alert.assign", object_type=OBJECT_TYPE, object_id=alert.id, actor_id=actor.user_id,
            actor_role=actor.role, before={"assignee_id": before}, after={"assignee_id": assignee_id}, client_ip=client_ip,
        )
        logger.info("User %s assigned alert %s to user %s", actor.user_id, alert.id, assignee_id)
        return _view(alert, names)


_reference_cache: dict[tuple[str, str], BinnedReference] = {}


def training_score_reference(registry: ModelRegistry | None = None) -> BinnedReference | None:
    """Return the active model's training score distribution, cached per model version; None without a model."""
    registry = registry or ModelRegistry()
    version = registry.active_version()
    if version is None:
        return None
    key = (str(registry.root), version)
    if key not in _reference_cache:
        try:
            _reference_cache[key] = registry.load(version).monitoring.score
        except ModelRegistryError:
            logger.exception("Loading model %s for its score reference failed; the PSI chart stays empty", version)
            return None
    return _reference_cache[key]
