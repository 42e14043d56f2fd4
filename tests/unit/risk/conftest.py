"""Shared fixtures of the credit scoring tests: one scorecard trained once per session."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from lendapp.risk.german_credit import load_german_credit
from lendapp.risk.registry import ModelManifest, ModelRegistry
from lendapp.risk.scoring import Scorer
from lendapp.risk.training import LOGISTIC, TrainingResult, train


@pytest.fixture(scope="session")
def german_credit() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    return load_german_credit()


@pytest.fixture(scope="session")
def scorecard_result(german_credit: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]) -> TrainingResult:
    frame, target, _ = german_credit
    return train(frame, target, kinds=(LOGISTIC,), n_jobs=1)


@pytest.fixture(scope="session")
def scorecard_registry(tmp_path_factory: pytest.TempPathFactory, scorecard_result: TrainingResult) -> tuple[ModelRegistry, ModelManifest]:
    registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    return registry, registry.register(scorecard_result, "0" * 64)


@pytest.fixture(scope="session")
def scorer(scorecard_registry: tuple[ModelRegistry, ModelManifest]) -> Scorer:
    registry, _ = scorecard_registry
    return Scorer(registry.load_active())
