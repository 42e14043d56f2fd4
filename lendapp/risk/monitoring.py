"""Monitoring of a model in production: drift (PSI), default rate by score band, fairness.

All functions are pure: they take arrays or records and return dataclasses,
so a service or a job can feed them from the database.

Population stability index: ``PSI = sum((a_i - e_i) * ln(a_i / e_i))`` over
bins, where ``e_i`` is the training share and ``a_i`` the current share of bin
``i``. Bins are fixed at training time (quantile edges of the training values,
or the training categories plus an "other" bin). Every share is floored at
``PSI_EPSILON`` before the logarithm, so an empty bin adds a large but finite
term. Common reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above
0.25 a shift that needs a look (``PSI_ALERT``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

PSI_ALERT = 0.25
PSI_EPSILON = 1e-4
NUMERIC_PSI_BINS = 10
OTHER_CATEGORY = "__other__"

# Features whose drift is reported next to the score's.
KEY_FEATURES: tuple[str, ...] = ("age", "loan_amount", "term_months", "checking_status", "credit_history", "savings", "purpose")

# Score bands of the calibration report: [low, high) in points.
DEFAULT_SCORE_BANDS: tuple[tuple[int, int], ...] = ((300, 450), (450, 500), (500, 550), (550, 600), (600, 650), (650, 901))

# Age bands of the fairness report: [low, high) in years.
AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 25), (25, 35), (35, 45), (45, 55), (55, 200))


@dataclass(frozen=True)
class BinnedReference:
    """Training distribution of one variable over fixed bins.

    Attributes:
        name: Variable name.
        edges: Interior bin edges of a numeric variable (a value ``v`` falls in
            bin ``searchsorted(edges, v, side="right")``); empty for a categorical one.
        categories: Bin labels of a categorical variable, ending with ``OTHER_CATEGORY``.
        shares: Training share of each bin; sums to 1.
    """

    name: str
    edges: tuple[float, ...]
    categories: tuple[str, ...]
    shares: tuple[float, ...]

    def counts(self, values: Sequence[object] | np.ndarray) -> np.ndarray:
        """Count ``values`` per bin of this reference."""
        if self.categories:
            index = {category: i for i, category in enumerate(self.categories)}
            other = index[OTHER_CATEGORY]
            positions = np.fromiter((index.get(value, other) for value in values), dtype=np.int64)
            return np.bincount(positions, minlength=len(self.categories))
        numbers = np.asarray(values, dtype=float)
        if not np.isfinite(numbers).all():
            raise ValueError(f"{self.name}: values contain NaN or infinity")
        return np.bincount(np.searchsorted(np.asarray(self.edges), numbers, side="right"), minlength=len(self.edges) + 1)


def numeric_reference(name: str, values: Sequence[float] | np.ndarray, n_bins: int = NUMERIC_PSI_BINS) -> BinnedReference:
    """Fix quantile bins of a numeric training variable and store its shares."""
    numbers = np.asarray(values, dtype=float)
    edges = np.unique(np.quantile(numbers, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    reference = BinnedReference(name=name, edges=tuple(float(edge) for edge in edges), categories=(), shares=())
    counts = reference.counts(numbers)
    return BinnedReference(name=name, edges=reference.edges, categories=(), shares=tuple(float(c) for c in counts / counts.sum()))


def categorical_reference(name: str, values: Sequence[object]) -> BinnedReference:
    """Store the shares of a categorical training variable, with an empty "other" bin for new values."""
    series = pd.Series(list(values), dtype=object)
    shares = series.value_counts(normalize=True, sort=False)
    categories = tuple(sorted(str(category) for category in shares.index)) + (OTHER_CATEGORY,)
    return BinnedReference(
        name=name,
        edges=(),
        categories=categories,
        shares=tuple(float(shares.get(category, 0.0)) for category in categories),
    )


def population_stability_index(reference: BinnedReference, values: Sequence[object] | np.ndarray, epsilon: float = PSI_EPSILON) -> float:
    """Return the PSI of ``values`` against ``reference``; 0 for an identical distribution.

    Raises:
        ValueError: When ``values`` is empty.
    """
    counts = reference.counts(values)
    if counts.sum() == 0:
        raise ValueError(f"{reference.name}: no values to compare with the training distribution")
    actual = np.maximum(counts / counts.sum(), epsilon)
    expected = np.maximum(np.asarray(reference.shares), epsilon)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


@dataclass(frozen=True)
class DriftResult:
    """PSI of one variable and whether it crosses ``PSI_ALERT``."""

    name: str
    psi: float
    alert: bool


@dataclass(frozen=True)
class MonitoringReference:
    """Training distributions saved with a model: the score's and the key features'."""

    score: BinnedReference
    features: tuple[BinnedReference, ...]


def build_monitoring_reference(frame: pd.DataFrame, scores: np.ndarray, numeric_features: Sequence[str]) -> MonitoringReference:
    """Fix the PSI bins of the score and of ``KEY_FEATURES`` from the training data."""
    features = []
    for name in KEY_FEATURES:
        if name in numeric_features:
            features.append(numeric_reference(name, frame[name].to_numpy(dtype=float)))
        else:
            features.append(categorical_reference(name, frame[name].tolist()))
    return MonitoringReference(score=numeric_reference("score", scores), features=tuple(features))


def drift_report(reference: MonitoringReference, scores: np.ndarray, frame: pd.DataFrame) -> list[DriftResult]:
    """Compute the PSI of the score and of each key feature of recent applications."""
    results = []
    for binned, values in [(reference.score, scores)] + [(feature, frame[feature.name].tolist()) for feature in reference.features]:
        psi = population_stability_index(binned, values)
        results.append(DriftResult(name=binned.name, psi=psi, alert=psi > PSI_ALERT))
    return results


@dataclass(frozen=True)
class BandOutcome:
    """Observed and predicted default rates of matured loans in one score band.

    Attributes:
        low: Lowest score of the band (inclusive).
        high: Score above the band (exclusive).
        loans: Matured loans in the band.
        observed_default_rate: Share that defaulted; None when the band is empty.
        mean_predicted_pd: Mean PD at decision time; None when the band is empty.
    """

    low: int
    high: int
    loans: int
    observed_default_rate: float | None
    mean_predicted_pd: float | None


def default_rate_by_band(
    scores: Sequence[int] | np.ndarray,
    predicted_pd: Sequence[float] | np.ndarray,
    defaulted: Sequence[bool] | np.ndarray,
    bands: Sequence[tuple[int, int]] = DEFAULT_SCORE_BANDS,
) -> list[BandOutcome]:
    """Compare the observed default rate of matured loans with the mean predicted PD per score band."""
    score_array = np.asarray(scores, dtype=float)
    pd_array = np.asarray(predicted_pd, dtype=float)
    default_array = np.asarray(defaulted, dtype=float)
    if not (len(score_array) == len(pd_array) == len(default_array)):
        raise ValueError("scores, predicted_pd and defaulted must have the same length")
    outcomes = []
    for low, high in bands:
        mask = (score_array >= low) & (score_array < high)
        count = int(mask.sum())
        outcomes.append(
            BandOutcome(
                low=low,
                high=high,
                loans=count,
                observed_default_rate=float(default_array[mask].mean()) if count else None,
                mean_predicted_pd=float(pd_array[mask].mean()) if count else None,
            )
        )
    return outcomes


def age_band(age: int) -> str:
    """Return the label of the fairness age band that contains ``age``, such as ``25-34``."""
    for low, high in AGE_BANDS:
        if low <= age < high:
            return f"{low}+" if high >= 200 else f"{low}-{high - 1}"
    raise ValueError(f"age: invalid value {age}; allowed 0 to 199")


@dataclass(frozen=True)
class GroupFairness:
    """Approval rate and AUC of one group of one protected or monitored attribute.

    Attributes:
        attribute: Attribute name, such as ``sex``.
        group: Group value, such as ``female``.
        applications: Applications in the group.
        approval_rate: Share approved.
        auc: AUC of the predicted PD against the outcome in the group; None
            when outcomes are not given or the group has one outcome class.
    """

    attribute: str
    group: str
    applications: int
    approval_rate: float
    auc: float | None


def fairness_report(
    groups: Mapping[str, Sequence[object]],
    approved: Sequence[bool] | np.ndarray,
    predicted_pd: Sequence[float] | np.ndarray | None = None,
    defaulted: Sequence[bool] | np.ndarray | None = None,
) -> list[GroupFairness]:
    """Compute approval rate and AUC per group of each attribute in ``groups``.

    Args:
        groups: Attribute name to one group label per application, for example
            ``{"sex": [...], "age_band": [...], "province": [...]}``.
        approved: Whether each application was approved.
        predicted_pd: PD of each application, for the AUC.
        defaulted: Outcome of each application, for the AUC (matured loans only).

    Returns:
        One row per attribute and group, groups sorted by label.
    """
    approved_array = np.asarray(approved, dtype=bool)
    pd_array = None if predicted_pd is None else np.asarray(predicted_pd, dtype=float)
    default_array = None if defaulted is None else np.asarray(defaulted, dtype=int)
    rows = []
    for attribute, labels in groups.items():
        label_array = np.asarray([str(label) for label in labels], dtype=object)
        if len(label_array) != len(approved_array):
            raise ValueError(f"{attribute}: {len(label_array)} labels for {len(approved_array)} applications")
        for group in sorted(set(label_array)):
            mask = label_array == group
            auc = None
            if pd_array is not None and default_array is not None and len(set(default_array[mask])) == 2:
                auc = float(roc_auc_score(default_array[mask], pd_array[mask]))
            rows.append(
                GroupFairness(
                    attribute=attribute,
                    group=str(group),
                    applications=int(mask.sum()),
                    approval_rate=float(approved_array[mask].mean()),
                    auc=auc,
                )
            )
    return rows
