"""Model registry: round trip, verification of file and manifest, active and challenger models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lendapp.risk.registry import MANIFEST_FILE, MODEL_FILE, ModelIntegrityError, ModelManifest, ModelRegistry, ModelRegistryError
from lendapp.risk.scoring import Scorer, score_challengers
from lendapp.risk.training import TrainingResult
from tests.unit.risk.factories import make_application


@pytest.fixture
def registry_copy(tmp_path: Path, scorecard_registry: tuple[ModelRegistry, ModelManifest]) -> tuple[ModelRegistry, str]:
    source, manifest = scorecard_registry
    shutil.copytree(source.root, tmp_path / "models")
    return ModelRegistry(tmp_path / "models"), manifest.version


def _edit_manifest(registry: ModelRegistry, version: str, **changes: object) -> None:
    path = registry.root / version / MANIFEST_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_registry_round_trip_scores_equal(registry_copy: tuple[ModelRegistry, str], scorecard_result: TrainingResult, german_credit: tuple) -> None:
    registry, version = registry_copy

    bundle = registry.load(version)

    frame = german_credit[0]
    np.testing.assert_allclose(Scorer(bundle).predict_pd(frame), scorecard_result.model.predict_proba(frame)[:, 1], atol=1e-12)
    assert bundle.manifest.version == version


def test_registry_manifest_has_provenance(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy

    manifest = registry.read_manifest(version)

    assert set(manifest.library_versions) == {"sklearn", "numpy", "pandas", "python"}
    assert len(manifest.model_sha256) == 64
    assert manifest.feature_names[0] == "age"
    assert 0.7 < manifest.metrics["logistic_scorecard"]["auc"] < 0.9


def test_registry_tampered_model_refused(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy
    with (registry.root / version / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")

    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        registry.load(version)


def test_registry_tampered_metrics_refused(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy
    _edit_manifest(registry, version, metrics={"logistic_scorecard": {"auc": 0.99, "ks": 0.9, "gini": 0.98, "brier": 0.01}})

    with pytest.raises(ModelIntegrityError, match="metrics"):
        registry.load(version)


def test_registry_reordered_features_refused(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy
    features = list(registry.read_manifest(version).feature_names)
    _edit_manifest(registry, version, feature_names=features[::-1])

    with pytest.raises(ModelIntegrityError, match="feature_names"):
        registry.load(version)


def test_registry_library_mismatch_refused(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy
    versions = dict(registry.read_manifest(version).library_versions, sklearn="0.0.1")
    _edit_manifest(registry, version, library_versions=versions)

    with pytest.raises(ModelIntegrityError, match="retrain"):
        registry.load(version)


def test_registry_invalid_json_refused(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, version = registry_copy
    (registry.root / version / MANIFEST_FILE).write_text("{", encoding="utf-8")

    with pytest.raises(ModelIntegrityError, match="invalid JSON"):
        registry.load(version)


def test_registry_unknown_version_raises(registry_copy: tuple[ModelRegistry, str]) -> None:
    registry, _ = registry_copy

    with pytest.raises(ModelRegistryError, match="not found"):
        registry.activate("19990101-000000-none")


def test_registry_challenger_then_activate(registry_copy: tuple[ModelRegistry, str], scorecard_result: TrainingResult) -> None:
    registry, first = registry_copy

    second = registry.register(scorecard_result, "1" * 64).version

    assert registry.active_version() == first
    assert registry.challenger_versions() == [second]
    registry.activate(second)
    assert registry.active_version() == second
    assert registry.challenger_versions() == [first]


def test_challengers_score_without_deciding(registry_copy: tuple[ModelRegistry, str], scorecard_result: TrainingResult) -> None:
    registry, _ = registry_copy
    second = registry.register(scorecard_result, "1" * 64).version

    results = score_challengers([Scorer(registry.load(second))], make_application())

    assert list(results) == [second]
    assert results[second].model_version == second


def test_registry_empty_has_no_active(tmp_path: Path) -> None:
    with pytest.raises(ModelRegistryError, match="no active model"):
        ModelRegistry(tmp_path).load_active()
