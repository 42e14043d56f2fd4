"""Credit-policy thresholds that risk managers change in the app.

Each threshold of ``lendapp.domain.credit_policy.PolicySettings`` has a typed
definition here with its bounds and its default (the domain's default). A
``policy_setting`` row overrides the default. ``effective_policy`` builds the
policy that scoring uses from the defaults and the stored rows.

The rate cap is not a setting: it is the legal ceiling in
``lendapp.domain.rate_cap``, and every pricing tier must stay at or under it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from lendapp.db import engine as engine_module
from lendapp.db.engine import session_scope
from lendapp.db.models import PolicySetting, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.apr import to_percent
from lendapp.domain.credit_policy import DEFAULT_POLICY, PolicySettings, PricingTier
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, PermissionDeniedError
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

OBJECT_TYPE = "policy_setting"
TIER_COUNT = len(DEFAULT_POLICY.pricing_tiers)
# Other worker processes see a change after at most this long; the process that saves it sees it at once.
CACHE_SECONDS = 30.0


@dataclasses.dataclass(frozen=True)
class SettingDefinition:
    """One threshold: its key, kind, inclusive bounds and default.

    Attributes:
        kind: ``int``, ``money`` (yuan), ``percent`` (stored as a fraction,
            entered and shown in percent) or ``bool``.
        group: ``rules``, ``bands``, ``pricing`` or ``limit``, the section of the settings page.
    """

    key: str
    kind: str
    group: str
    default: int | Decimal | bool
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None


def _tier_definitions() -> list[SettingDefinition]:
    found = []
    for number, tier in enumerate(DEFAULT_POLICY.pricing_tiers, start=1):
        found += [
            SettingDefinition(f"tier{number}_min_score", "int", "pricing", tier.min_score, 300, 900),
            SettingDefinition(f"tier{number}_annual_rate", "percent", "pricing", tier.annual_rate, Decimal("0.0001"), DEFAULT_POLICY.rate_cap.max_apr),
            SettingDefinition(f"tier{number}_limit_share", "percent", "pricing", tier.limit_share, Decimal("0.01"), Decimal("1")),
        ]
    return found


DEFINITIONS: tuple[SettingDefinition, ...] = (
    SettingDefinition("min_age", "int", "rules", DEFAULT_POLICY.min_age, 18, 30),
    SettingDefinition("max_age_at_maturity", "int", "rules", DEFAULT_POLICY.max_age_at_maturity, 50, 80),
    SettingDefinition("income_divisor", "int", "rules", DEFAULT_POLICY.income_divisor, 1, 10),
    SettingDefinition("per_person_cap", "money", "rules", DEFAULT_POLICY.per_person_cap, Decimal("1000"), Decimal("1000000")),
    SettingDefinition("review_unseen_categories", "bool", "rules", DEFAULT_POLICY.review_unseen_categories),
    SettingDefinition("auto_approve_min_score", "int", "bands", DEFAULT_POLICY.auto_approve_min_score, 300, 900),
    SettingDefinition("auto_decline_below_score", "int", "bands", DEFAULT_POLICY.auto_decline_below_score, 300, 900),
    *_tier_definitions(),
    SettingDefinition("limit_step", "money", "limit", DEFAULT_POLICY.limit_step, Decimal("1"), Decimal("10000")),
)
BY_KEY = {definition.key: definition for definition in DEFINITIONS}


@dataclasses.dataclass(frozen=True)
class SettingView:
    """One threshold as the settings page shows it; values are form text (percent for rates)."""

    key: str
    kind: str
    group: str
    value: str
    default: str
    minimum: str
    maximum: str
    is_default: bool
    updated_by: str
    updated_at: dt.datetime | None


class PolicyValidationError(InvalidInputError):
    """One or more thresholds are invalid; nothing was written.

    Attributes:
        errors: Setting key to (catalog key, parameters).
    """

    def __init__(self, errors: Mapping[str, tuple[str, dict[str, object]]]) -> None:
        first_field, (first_key, first_params) = next(iter(errors.items()))
        super().__init__(first_key, field=first_field, **first_params)
        self.errors = dict(errors)


def _require(actor: Principal) -> None:
    if not has_permission(actor.role, Permission.SCORING_POLICY):
        logger.warning("Denied scoring policy to user %s (%s)", actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


# Conversions between stored text, form text and typed values.


def _to_text(definition: SettingDefinition, value: object) -> str:
    """Return the stored form of a value: fractions for percent, ``true``/``false`` for bool."""
    if definition.kind == "bool":
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _from_text(definition: SettingDefinition, text: str) -> int | Decimal | bool:
    if definition.kind == "bool":
        return text == "true"
    if definition.kind == "int":
        return int(text)
    return Decimal(text)


def to_form_text(definition: SettingDefinition, value: object) -> str:
    """Return a value as the form shows it: percent for rates."""
    if definition.kind == "percent":
        return format((Decimal(value) * 100).normalize(), "f")
    return _to_text(definition, value)


def _parse_form(definition: SettingDefinition, raw: object) -> int | Decimal | bool:
    """Parse one submitted value, raising ValueError or InvalidOperation when it is malformed."""
    text = raw.strip() if isinstance(raw, str) else ""
    if definition.kind == "bool":
        # Browsers send "on" for a checked box; Reflex forms may send true or false.
        flag = text.lower()
        if flag not in ("true", "false", "on", ""):
            raise ValueError(text)
        return flag in ("true", "on")
    if not text:
        raise ValueError("missing")
    if definition.kind == "int":
        return int(text)
    number = Decimal(text.replace(",", ""))
    if not number.is_finite():
        raise ValueError(text)
    return number / 100 if definition.kind == "percent" else number


# Building the policy.


def build_policy(values: Mapping[str, object]) -> PolicySettings:
    """Build a ``PolicySettings`` from typed values by key; missing keys take their defaults.

    Raises:
        InvalidValueError: The domain rejects the combination (for example min_age above max_age_at_maturity).
    """
    merged = {definition.key: values.get(definition.key, definition.default) for definition in DEFINITIONS}
    tiers = tuple(
        PricingTier(
            min_score=int(merged[f"tier{number}_min_score"]),
            annual_rate=Decimal(merged[f"tier{number}_annual_rate"]),
            limit_share=Decimal(merged[f"tier{number}_limit_share"]),
        )
        for number in range(1, TIER_COUNT + 1)
    )
    return dataclasses.replace(
        DEFAULT_POLICY,
        min_age=int(merged["min_age"]),
        max_age_at_maturity=int(merged["max_age_at_maturity"]),
        income_divisor=int(merged["income_divisor"]),
        per_person_cap=Decimal(merged["per_person_cap"]),
        auto_approve_min_score=int(merged["auto_approve_min_score"]),
        auto_decline_below_score=int(merged["auto_decline_below_score"]),
        pricing_tiers=tiers,
        review_unseen_categories=bool(merged["review_unseen_categories"]),
        limit_step=Decimal(merged["limit_step"]),
    )


def _stored_values(rows: list[PolicySetting]) -> dict[str, object]:
    values = {}
    for row in rows:
        definition = BY_KEY.get(row.key)
        if definition is None:
            logger.warning("Ignoring policy_setting row %r: no such threshold", row.key)
            continue
        try:
            values[row.key] = _from_text(definition, row.value)
        except (ValueError, InvalidOperation):
            logger.error("Ignoring policy_setting %r: stored value %r is not a %s; the default applies", row.key, row.value, definition.kind)
    return values


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, PolicySettings]] = {}


def invalidate_cache() -> None:
    """Forget every cached policy, so the next ``effective_policy`` reads the database."""
    with _cache_lock:
        _cache.clear()


def effective_policy(engine: sa.Engine | None = None) -> PolicySettings:
    """Return the policy that scoring uses now: the defaults overridden by stored settings.

    The result is cached per database for ``CACHE_SECONDS``; ``update_policy``
    clears the cache of its own process at once. Stored rows that no longer
    form a valid policy (possible only by editing the table by hand) are
    logged and the default policy applies.
    """
    engine = engine or engine_module.get_engine()
    key = str(engine.url)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    with session_scope(engine) as session:
        rows = list(session.execute(sa.select(PolicySetting)).scalars().all())
        values = _stored_values(rows)
    try:
        policy = build_policy(values)
    except InvalidValueError as error:
        logger.error("Stored policy settings are inconsistent (%s); scoring uses the default policy", error)
        policy = DEFAULT_POLICY
    with _cache_lock:
        _cache[key] = (now, policy)
    return policy


# The settings page.


def list_settings(actor: Principal) -> list[SettingView]:
    """Return every threshold with its current value, default, bounds and last change.

    Raises:
        PermissionDeniedError: The actor may not change the scoring policy.
    """
    _require(actor)
    with session_scope() as session:
        rows = session.execute(
            sa.select(PolicySetting, UserAccount.display_name).outerjoin(UserAccount, UserAccount.id == PolicySetting.updated_by)
        ).all()
        stored = {row.key: (row, name) for row, name in rows}
        values = _stored_values([row for row, _ in rows])
    views = []
    for definition in DEFINITIONS:
        value = values.get(definition.key, definition.default)
        row, name = stored.get(definition.key, (None, None))
        views.append(SettingView(
            key=definition.key,
            kind=definition.kind,
            group=definition.group,
            value=to_form_text(definition, value),
            default=to_form_text(definition, definition.default),
            minimum="" if definition.minimum is None else to_form_text(definition, definition.minimum),
            maximum="" if definition.maximum is None else to_form_text(definition, definition.maximum),
            is_default=value == definition.default,
            updated_by=(name or "") if row is not None else "",
            updated_at=row.updated_at if row is not None else None,
        ))
    return views


def _parse_all(form: Mapping[str, object], current: Mapping[str, object]) -> dict[str, object]:
    """Parse every submitted value; a key missing from ``form`` keeps its current value."""
    parsed: dict[str, object] = {}
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    for definition in DEFINITIONS:
        if definition.key not in form and definition.kind != "bool":
            parsed[definition.key] = current[definition.key]
            continue
        try:
            value = _parse_form(definition, form.get(definition.key))
        except (ValueError, InvalidOperation):
            errors[definition.key] = ("settings.error.integer" if definition.kind == "int" else "settings.error.number", {})
            continue
        if definition.minimum is not None and not definition.minimum <= value <= definition.maximum:
            low, high = to_form_text(definition, definition.minimum), to_form_text(definition, definition.maximum)
            errors[definition.key] = ("settings.error.range", {"minimum": low, "maximum": high})
            continue
        if definition.kind == "percent" and value != value.quantize(Decimal("0.0001")):
            errors[definition.key] = ("settings.error.decimals", {"places": 2})
            continue
        parsed[definition.key] = value
    if errors:
        raise PolicyValidationError(errors)
    return parsed


def validate_values(values: Mapping[str, object]) -> PolicySettings:
    """Check the rules that tie thresholds together and return the policy they make.

    Raises:
        PolicyValidationError: A band or tier rule is broken.
    """
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if values["auto_approve_min_score"] <= values["auto_decline_below_score"]:
        errors["auto_approve_min_score"] = ("settings.policy.error.bands", {})
    scores = [values[f"tier{number}_min_score"] for number in range(1, TIER_COUNT + 1)]
    for number in range(2, TIER_COUNT + 1):
        if scores[number - 1] >= scores[number - 2]:
            errors[f"tier{number}_min_score"] = ("settings.policy.error.tier_order", {})
    cap = DEFAULT_POLICY.rate_cap.max_apr
    for number in range(1, TIER_COUNT + 1):
        rate = values[f"tier{number}_annual_rate"]
        if rate > cap:
            errors[f"tier{number}_annual_rate"] = ("settings.policy.error.over_cap", {"cap": f"{to_percent(cap)}%"})
    if values["min_age"] >= values["max_age_at_maturity"]:
        errors["max_age_at_maturity"] = ("settings.error.below_minimum", {})
    if errors:
        raise PolicyValidationError(errors)
    try:
        return build_policy(values)
    except InvalidValueError as error:
        # The checks above cover the domain's rules; this catches a rule added to the domain later.
        raise PolicyValidationError({"form": ("settings.policy.error.invalid", {"detail": str(error)})}) from error


def update_policy(actor: Principal, form: Mapping[str, object], *, client_ip: str = "") -> list[str]:
    """Validate submitted thresholds, store the changed ones, audit them, and return their keys.

    Submitting the current values changes nothing and writes nothing. Boolean
    settings follow HTML checkbox rules: a missing value is false.

    Raises:
        PermissionDeniedError: The actor may not change the scoring policy.
        PolicyValidationError: A value is malformed, out of bounds, or breaks a band or tier rule.
    """
    _require(actor)
    with session_scope() as session:
        # Lock the existing rows so two risk managers saving at once on PostgreSQL run one after the other.
        rows = {row.key: row for row in session.execute(sa.select(PolicySetting).with_for_update()).scalars().all()}
        stored = _stored_values(list(rows.values()))
        current = {definition.key: stored.get(definition.key, definition.default) for definition in DEFINITIONS}
        values = _parse_all(form, current)
        validate_values(values)
        changed = [key for key in BY_KEY if values[key] != current[key]]
        if not changed:
            return []
        now = utc_now()
        for key in changed:
            text = _to_text(BY_KEY[key], values[key])
            row = rows.get(key)
            if row is None:
                session.add(PolicySetting(key=key, value=text, updated_by=actor.user_id, updated_at=now))
            else:
                row.value, row.updated_by, row.updated_at = text, actor.user_id, now
        record_audit(
            session, action="policy.update", object_type=OBJECT_TYPE, object_id="credit_policy", actor_id=actor.user_id,
            actor_role=actor.role, before={key: _to_text(BY_KEY[key], current[key]) for key in changed},
            after={key: _to_text(BY_KEY[key], values[key]) for key in changed}, client_ip=client_ip,
        )
    invalidate_cache()
    logger.info("User %s changed policy settings %s", actor.user_id, ", ".join(changed))
    return changed
