"""Scoring of applications: probability of default, points score and reason codes.

``Scorer`` wraps a verified ``ModelBundle``. It does not call the scikit-learn
Pipeline per application, because building a one-row DataFrame and running
every pipeline step costs milliseconds. ``CompiledModel`` instead reads the
fitted steps once and rebuilds the same arithmetic on plain values: the WOE
tables and coefficients of the scorecard, or the encoded row for the boosting
model, then the sigmoid calibrator. A test checks that it matches the
Pipeline's ``predict_proba``.

Reason codes use baseline substitution. The contribution of a feature is the
change in the model's log-odds of default (before calibration) when the
applicant's value is replaced by the baseline applicant's (training median or
most common category). For the scorecard this is exactly
``coefficient x (WOE or one-hot of the value - that of the baseline)``. For the
boosting model each substitution is one more row of the same batch. The
features with the largest positive contributions, those that raise the PD
most, become the reasons.

A categorical value never seen in training contributes nothing of its own
(one-hot ``handle_unknown="ignore"``), and ``ScoreResult.unseen_categories``
lists it, so the credit policy can send the application to manual review.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from lendapp.i18n import translate
from lendapp.risk.features import (
    CATEGORICAL_FEATURES,
    MODEL_FEATURES,
    NUMERIC_FEATURES,
    ApplicationFeatures,
    FeatureSchemaError,
)
from lendapp.risk.points import score_from_pd, scores_from_pd
from lendapp.risk.registry import ModelBundle, ModelRegistry
from lendapp.risk.transformers import check_columns

logger = logging.getLogger(__name__)

DEFAULT_REASON_COUNT = 4


@dataclass(frozen=True)
class ReasonCode:
    """One factor that raised an applicant's PD compared with the baseline applicant.

    Attributes:
        feature: Model feature name.
        value: The applicant's value, as text.
        contribution: Increase in log-odds of default that the value causes.
        staff_key: Catalog key of the text for staff (takes ``value``).
        borrower_key: Catalog key of the plain text for a decline notice.
    """

    feature: str
    value: str
    contribution: float
    staff_key: str
    borrower_key: str


@dataclass(frozen=True)
class ScoreResult:
    """A scored application.

    Attributes:
        pd: Calibrated probability of default, finite and within 0..1.
        score: Points on the scale of ``lendapp.risk.points``.
        reason_codes: Factors that raise the PD most, largest first.
        unseen_categories: ``feature=value`` for each categorical value the
            model never saw in training.
        model_version: Registry version of the model that scored.
    """

    pd: float
    score: int
    reason_codes: tuple[ReasonCode, ...]
    unseen_categories: tuple[str, ...]
    model_version: str


def _check_numeric(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) and not hasattr(value, "is_finite"):
        raise FeatureSchemaError(f"{name}: invalid value {value!r}; expected a number")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise FeatureSchemaError(f"{name}: invalid value {value!r}; numeric features must be finite")
    return number


def row_from_input(application: ApplicationFeatures | Mapping[str, object]) -> dict[str, object]:
    """Return the model's input values of one application, checked.

    A mapping must contain exactly the ``MODEL_FEATURES`` keys.

    Raises:
        FeatureSchemaError: On a missing or unexpected key, a non-finite number or a non-text category.
    """
    if isinstance(application, ApplicationFeatures):
        return application.model_row()
    missing = [name for name in MODEL_FEATURES if name not in application]
    unexpected = sorted(set(application) - set(MODEL_FEATURES))
    if missing or unexpected:
        raise FeatureSchemaError(f"model input: missing {missing}, unexpected {unexpected}; expected {list(MODEL_FEATURES)}")
    row: dict[str, object] = {}
    for name in NUMERIC_FEATURES:
        row[name] = _check_numeric(name, application[name])
    for name in CATEGORICAL_FEATURES:
        value = application[name]
        if not isinstance(value, str):
            raise FeatureSchemaError(f"{name}: invalid value {value!r}; expected a category code as text")
        row[name] = value
    return row


class CompiledModel:
    """The arithmetic of a fitted calibrated pipeline on plain values.

    Args:
        model: A fitted ``CalibratedClassifierCV`` built by ``lendapp.risk.training.build_calibrated``.
        baseline: The baseline applicant's values of every model feature.
    """

    def __init__(self, model: object, baseline: Mapping[str, object]) -> None:
        calibrated = model.calibrated_classifiers_  # type: ignore[attr-defined]
        if len(calibrated) != 1:
            raise ValueError("CompiledModel: expected CalibratedClassifierCV(ensemble=False) with one pipeline")
        pipeline = calibrated[0].estimator
        calibrator = calibrated[0].calibrators[0]
        if not hasattr(calibrator, "a_"):
            raise ValueError("CompiledModel: only sigmoid calibration is supported")
        self._a = float(calibrator.a_)
        self._b = float(calibrator.b_)
        columns = pipeline.named_steps["columns"]
        self._estimator = pipeline.named_steps["model"]
        encoder = columns.named_transformers_["onehot"]
        self.categories: dict[str, list[str]] = {
            name: [str(category) for category in categories]
            for name, categories in zip(CATEGORICAL_FEATURES, encoder.categories_, strict=True)
        }
        self.is_linear = "woe" in columns.named_transformers_
        if self.is_linear:
            self._compile_linear(columns.named_transformers_["woe"])
        else:
            self._compile_encoded()
        self.baseline = dict(baseline)
        self._baseline_parts = self._parts(self.baseline)[0] if self.is_linear else None

    def _compile_linear(self, woe: object) -> None:
        coefficients = self._estimator.coef_[0]
        self._intercept = float(self._estimator.intercept_[0])
        self._edges = [list(map(float, edges)) for edges in woe.edges_]  # type: ignore[attr-defined]
        self._numeric_tables = [
            coefficients[j] * np.asarray(table) for j, table in enumerate(woe.woe_)  # type: ignore[attr-defined]
        ]
        self._numeric_lists = [table.tolist() for table in self._numeric_tables]
        offset = len(NUMERIC_FEATURES)
        self._category_points: dict[str, dict[str, float]] = {}
        for name in CATEGORICAL_FEATURES:
            values = self.categories[name]
            self._category_points[name] = {value: float(coefficients[offset + i]) for i, value in enumerate(values)}
            offset += len(values)

    def _compile_encoded(self) -> None:
        self._column_of: dict[str, dict[str, int]] = {}
        offset = len(NUMERIC_FEATURES)
        for name in CATEGORICAL_FEATURES:
            self._column_of[name] = {value: offset + i for i, value in enumerate(self.categories[name])}
            offset += len(self.categories[name])
        self._width = offset

    def unseen(self, row: Mapping[str, object]) -> list[str]:
        """Return ``feature=value`` for each categorical value of ``row`` not seen in training."""
        return [f"{name}={row[name]}" for name in CATEGORICAL_FEATURES if row[name] not in self.categories[name]]

    def _parts(self, row: Mapping[str, object]) -> tuple[list[float], float]:
        """Return the scorecard's per-feature log-odds parts of ``row`` and their total with the intercept."""
        parts = []
        for j, name in enumerate(NUMERIC_FEATURES):
            parts.append(self._numeric_lists[j][bisect.bisect_right(self._edges[j], row[name])])
        for name in CATEGORICAL_FEATURES:
            parts.append(self._category_points[name].get(row[name], 0.0))  # type: ignore[arg-type]
        return parts, self._intercept + math.fsum(parts)

    def _encode(self, row: Mapping[str, object], out: np.ndarray) -> None:
        for j, name in enumerate(NUMERIC_FEATURES):
            out[j] = row[name]
        for name in CATEGORICAL_FEATURES:
            column = self._column_of[name].get(row[name])  # type: ignore[arg-type]
            if column is not None:
                out[column] = 1.0

    def calibrate(self, raw: np.ndarray | float) -> np.ndarray | float:
        """Apply the sigmoid calibrator to log-odds from the estimator's ``decision_function``."""
        return expit(-(self._a * raw + self._b))

    def raw_with_contributions(self, row: Mapping[str, object]) -> tuple[float, list[float]]:
        """Return the log-odds of ``row`` and each feature's contribution against the baseline."""
        if self.is_linear:
            parts, total = self._parts(row)
            return total, [part - base for part, base in zip(parts, self._baseline_parts, strict=True)]
        matrix = np.zeros((len(MODEL_FEATURES) + 1, self._width))
        self._encode(row, matrix[0])
        for k, name in enumerate(MODEL_FEATURES, start=1):
            self._encode({**row, name: self.baseline[name]}, matrix[k])
        raw = self._estimator.decision_function(matrix)
        return float(raw[0]), [float(raw[0] - raw[k]) for k in range(1, len(raw))]

    def raw_one(self, row: Mapping[str, object]) -> float:
        """Return the log-odds of default of one row."""
        if self.is_linear:
            return self._parts(row)[1]
        vector = np.zeros((1, self._width))
        self._encode(row, vector[0])
        return float(self._estimator.decision_function(vector)[0])

    def raw_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the log-odds of default of every row of a checked frame."""
        if self.is_linear:
            total = np.full(len(frame), self._intercept)
            for j, name in enumerate(NUMERIC_FEATURES):
                bins = np.searchsorted(np.asarray(self._edges[j]), frame[name].to_numpy(dtype=float), side="right")
                total += self._numeric_tables[j][bins]
            for name in CATEGORICAL_FEATURES:
                codes = pd.Categorical(frame[name], categories=self.categories[name]).codes
                # Code -1 (unseen) picks the appended 0.0.
                table = np.append([self._category_points[name][value] for value in self.categories[name]], 0.0)
                total += table[codes]
            return total
        matrix = np.zeros((len(frame), self._width))
        for j, name in enumerate(NUMERIC_FEATURES):
            matrix[:, j] = frame[name].to_numpy(dtype=float)
        offset = len(NUMERIC_FEATURES)
        for name in CATEGORICAL_FEATURES:
            codes = pd.Categorical(frame[name], categories=self.categories[name]).codes
            seen = codes >= 0
            matrix[np.flatnonzero(seen), offset + codes[seen]] = 1.0
            offset += len(self.categories[name])
        return self._estimator.decision_function(matrix)


def _finite_pd(value: float) -> float:
    if not math.isfinite(value):
        raise FeatureSchemaError(f"model output: PD {value!r} is not finite; check the input for extreme values")
    return min(max(value, 0.0), 1.0)


class Scorer:
    """Scores applications with one registered model.

    Args:
        bundle: A verified model bundle from ``ModelRegistry.load``.
    """

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.version = bundle.manifest.version
        self.compiled = CompiledModel(bundle.model, bundle.baseline)

    def score(self, application: ApplicationFeatures | Mapping[str, object], reason_count: int = DEFAULT_REASON_COUNT) -> ScoreResult:
        """Score one application.

        Args:
            application: ApplicationFeatures, or a mapping of exactly the ``MODEL_FEATURES``.
            reason_count: Maximum number of reason codes; 0 skips them.

        Raises:
            FeatureSchemaError: When the input is missing a feature, has an extra
                one, or has a non-finite number.
        """
        row = row_from_input(application)
        if reason_count > 0:
            raw, contributions = self.compiled.raw_with_contributions(row)
        else:
            raw, contributions = self.compiled.raw_one(row), []
        pd_value = _finite_pd(float(self.compiled.calibrate(raw)))
        return ScoreResult(
            pd=pd_value,
            score=score_from_pd(pd_value),
            reason_codes=self._reasons(row, contributions, reason_count),
            unseen_categories=tuple(self.compiled.unseen(row)),
            model_version=self.version,
        )

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the PD of every row of ``frame`` (``MODEL_FEATURES`` columns, in order), vectorized.

        Raises:
            FeatureSchemaError: When columns are missing, extra or out of order, or a number is not finite.
        """
        check_columns(frame.columns, MODEL_FEATURES)
        numbers = frame[list(NUMERIC_FEATURES)].to_numpy(dtype=float)
        if not np.isfinite(numbers).all():
            raise FeatureSchemaError("model input: numeric features contain NaN or infinity")
        pd_values = self.compiled.calibrate(self.compiled.raw_frame(frame))
        if not np.isfinite(pd_values).all():
            raise FeatureSchemaError("model output: PD is not finite for some rows")
        return np.clip(pd_values, 0.0, 1.0)

    def score_frame(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Return the PDs and scores of every row of ``frame``; no reason codes."""
        pd_values = self.predict_pd(frame)
        return pd_values, scores_from_pd(pd_values)

    def anomaly_scores(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the IsolationForest anomaly score of each row; higher is more unusual (above 0 is an outlier)."""
        check_columns(frame.columns, MODEL_FEATURES)
        return -self.bundle.anomaly_detector.decision_function(frame)  # type: ignore[attr-defined]

    def _reasons(self, row: Mapping[str, object], contributions: Sequence[float], count: int) -> tuple[ReasonCode, ...]:
        ranked = sorted(
            (pair for pair in zip(MODEL_FEATURES, contributions, strict=False) if pair[1] > 0),
            key=lambda pair: pair[1],
            reverse=True,
        )
        return tuple(
            ReasonCode(
                feature=name,
                value=str(row[name]),
                contribution=float(contribution),
                staff_key=f"risk.reason.staff.{name}",
                borrower_key=f"risk.reason.borrower.{name}",
            )
            for name, contribution in ranked[:count]
        )


async def score_async(scorer: Scorer, application: ApplicationFeatures | Mapping[str, object], reason_count: int = DEFAULT_REASON_COUNT) -> ScoreResult:
    """Score one application in a worker thread, so an event handler does not block the event loop."""
    return await asyncio.to_thread(scorer.score, application, reason_count)


def load_active_scorer(registry: ModelRegistry | None = None) -> Scorer:
    """Load and verify the active model of ``registry`` (the default registry when None)."""
    return Scorer((registry or ModelRegistry()).load_active())


def load_challenger_scorers(registry: ModelRegistry | None = None) -> list[Scorer]:
    """Load every challenger that passes verification; a failing one is logged and left out."""
    registry = registry or ModelRegistry()
    scorers = []
    for version in registry.challenger_versions():
        try:
            scorers.append(Scorer(registry.load(version)))
        except Exception:
            logger.exception("Challenger model %s failed to load; it is left out of challenger scoring", version)
    return scorers


def score_challengers(challengers: Sequence[Scorer], application: ApplicationFeatures | Mapping[str, object]) -> dict[str, ScoreResult]:
    """Score an application with each challenger, for comparison only; a challenger never decides.

    A challenger that fails is logged and left out, so it cannot block the active model's decision.
    """
    results = {}
    for challenger in challengers:
        try:
            results[challenger.version] = challenger.score(application)
        except Exception:
            logger.exception("Challenger model %s failed to score an application", challenger.version)
    return results


def reason_texts(result: ScoreResult, locale: str, audience: str) -> list[str]:
    """Return the reason codes of ``result`` as catalog texts for ``audience`` ("staff" or "borrower")."""
    if audience == "staff":
        return [translate(reason.staff_key, locale, value=reason.value) for reason in result.reason_codes]
    if audience == "borrower":
        return [translate(reason.borrower_key, locale) for reason in result.reason_codes]
    raise ValueError(f"audience {audience!r}: expected staff or borrower")
