"""Discrimination and calibration metrics of a default model (1 is bad, 0 is good)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve


@dataclass(frozen=True)
class ModelMetrics:
    """Metrics of one model on one evaluation set.

    Attributes:
        auc: Area under the ROC curve.
        ks: Kolmogorov-Smirnov statistic: the maximum gap between the cumulative
            score distributions of bads and goods (max of TPR - FPR).
        gini: Gini coefficient, ``2 * auc - 1``.
        brier: Brier score, the mean squared error of the predicted PD.
    """

    auc: float
    ks: float
    gini: float
    brier: float


def evaluate(y_true: np.ndarray, pd_predicted: np.ndarray) -> ModelMetrics:
    """Compute AUC, KS, Gini and Brier score of predicted default probabilities.

    Raises:
        ValueError: When ``y_true`` has a single class, so AUC is undefined.
    """
    y = np.asarray(y_true)
    p = np.asarray(pd_predicted, dtype=float)
    if len(np.unique(y)) < 2:
        raise ValueError("evaluate: y_true has one class; AUC needs both defaults and non-defaults")
    auc = float(roc_auc_score(y, p))
    fpr, tpr, _ = roc_curve(y, p)
    return ModelMetrics(auc=auc, ks=float(np.max(tpr - fpr)), gini=2.0 * auc - 1.0, brier=float(brier_score_loss(y, p)))


def mean_metrics(folds: list[ModelMetrics]) -> ModelMetrics:
    """Average metrics over cross-validation folds."""
    return ModelMetrics(
        auc=float(np.mean([fold.auc for fold in folds])),
        ks=float(np.mean([fold.ks for fold in folds])),
        gini=float(np.mean([fold.gini for fold in folds])),
        brier=float(np.mean([fold.brier for fold in folds])),
    )
