"""scikit-learn transformers of the credit model: the column contract and WOE binning."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from lendapp.risk.features import FeatureSchemaError


def check_columns(actual: Sequence[str], expected: Sequence[str]) -> None:
    """Raise FeatureSchemaError unless ``actual`` equals ``expected`` name for name and in order.

    A frame whose columns are merely reordered is rejected too, because an
    array built from it by position would give a wrong score without an error.
    """
    actual, expected = list(actual), list(expected)
    if actual == expected:
        return
    missing = [name for name in expected if name not in actual]
    unexpected = [name for name in actual if name not in expected]
    if missing or unexpected:
        raise FeatureSchemaError(f"model input columns: missing {missing}, unexpected {unexpected}; expected {expected}")
    raise FeatureSchemaError(f"model input columns are out of order: got {actual}; expected {expected}")


class ColumnContract(TransformerMixin, BaseEstimator):
    """First pipeline step: requires a DataFrame with exactly ``columns``, in order, at fit and at transform.

    Args:
        columns: The expected column names in order.
    """

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame, y: object = None) -> ColumnContract:  # noqa: N803 - scikit-learn's name
        """Check the training frame's columns; raises FeatureSchemaError when one is missing."""
        self._check(X)
        self.columns_ = list(self.columns)
        self.feature_names_in_ = np.asarray(self.columns_, dtype=object)
        self.n_features_in_ = len(self.columns_)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return ``X`` unchanged after checking its columns."""
        check_is_fitted(self, "columns_")
        self._check(X)
        return X

    def _check(self, X: object) -> None:  # noqa: N803
        if not isinstance(X, pd.DataFrame):
            raise FeatureSchemaError(f"model input: expected a pandas DataFrame with columns {list(self.columns)}, got {type(X).__name__}")
        check_columns(X.columns, self.columns)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return the column names, unchanged."""
        return np.asarray(self.columns, dtype=object)


class WoeBinner(TransformerMixin, BaseEstimator):
    """Replace each numeric column by the weight of evidence (WOE) of its quantile bin.

    Bin edges are training quantiles (at most ``max_bins`` bins, fewer when
    values repeat). WOE of a bin is ``ln(share of goods in the bin / share of
    bads in the bin)``, so a higher WOE means lower risk. ``smoothing`` is added
    to every bin's counts, so a bin without bads or goods stays finite. A value
    outside the training range falls in the first or last bin.

    Args:
        max_bins: Maximum number of bins per column.
        smoothing: Pseudo-count added to the goods and bads of every bin.
    """

    def __init__(self, max_bins: int = 5, smoothing: float = 0.5) -> None:
        self.max_bins = max_bins
        self.smoothing = smoothing

    def fit(self, X: object, y: object) -> WoeBinner:  # noqa: N803
        """Learn bin edges and WOE values from ``X`` and the 0/1 target ``y`` (1 is bad)."""
        values = self._as_array(X, reset=True)
        target = np.asarray(y, dtype=np.int64)
        if set(np.unique(target)) - {0, 1}:
            raise ValueError("WoeBinner: target must be 0 (good) or 1 (bad)")
        quantiles = np.linspace(0.0, 1.0, self.max_bins + 1)[1:-1]
        self.edges_: list[np.ndarray] = []
        self.woe_: list[np.ndarray] = []
        for column in values.T:
            edges = np.unique(np.quantile(column, quantiles))
            bins = np.searchsorted(edges, column, side="right")
            n_bins = len(edges) + 1
            bads = np.bincount(bins, weights=target, minlength=n_bins) + self.smoothing
            goods = np.bincount(bins, weights=1 - target, minlength=n_bins) + self.smoothing
            self.edges_.append(edges)
            self.woe_.append(np.log((goods / goods.sum()) / (bads / bads.sum())))
        return self

    def transform(self, X: object) -> np.ndarray:  # noqa: N803
        """Return the WOE of each value's bin, as floats of the same shape as ``X``."""
        check_is_fitted(self, "woe_")
        values = self._as_array(X, reset=False)
        result = np.empty_like(values)
        for j, (edges, woe) in enumerate(zip(self.edges_, self.woe_, strict=True)):
            result[:, j] = woe[np.searchsorted(edges, values[:, j], side="right")]
        return result

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return ``<column>_woe`` for each input column."""
        names = input_features if input_features is not None else getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{j}" for j in range(self.n_features_in_)]
        return np.asarray([f"{name}_woe" for name in names], dtype=object)

    def _as_array(self, X: object, *, reset: bool) -> np.ndarray:  # noqa: N803
        if isinstance(X, pd.DataFrame):
            if reset:
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            values = X.to_numpy(dtype=float)
        else:
            values = np.asarray(X, dtype=float)
        if values.ndim != 2:
            raise FeatureSchemaError(f"WoeBinner: expected a 2-D input, got {values.ndim} dimension(s)")
        if reset:
            self.n_features_in_ = values.shape[1]
        elif values.shape[1] != self.n_features_in_:
            raise FeatureSchemaError(f"WoeBinner: expected {self.n_features_in_} columns, got {values.shape[1]}")
        if not np.isfinite(values).all():
            raise FeatureSchemaError("WoeBinner: input contains NaN or infinite values; numeric features must be finite")
        return values
