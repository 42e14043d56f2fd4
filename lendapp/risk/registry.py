"""Model registry: versioned model files with a verified JSON manifest.

Layout under the registry folder (default ``settings.var_dir / "models"``)::

    index.json               {"active": VERSION or null, "challengers": [VERSION, ...]}
    VERSION/model.joblib     joblib bundle: model, anomaly detector, baseline, monitoring
                             reference and an embedded copy of the manifest
    VERSION/manifest.json    version, kind, feature names in order, training-data
                             SHA-256, metrics, library versions, model file SHA-256

Loading checks, in this order, and raises ModelIntegrityError on the first
failure. First the model file's SHA-256 against the manifest, before
unpickling, because unpickling runs code. Then the library versions against
the running ones, because a scikit-learn pickle is not portable across
versions. Then the manifest against the copy embedded in the model file, and
last the feature names against the code's ``MODEL_FEATURES``.

NOTE: The checks detect corruption and careless edits. Someone able to write
both files can rewrite them consistently, so the registry folder must be
writable only by the operator account.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

from lendapp.risk.features import MODEL_FEATURES
from lendapp.risk.german_credit import file_sha256
from lendapp.risk.monitoring import MonitoringReference
from lendapp.risk.training import TrainingResult

logger = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.json"
MANIFEST_FORMAT = 1


class ModelRegistryError(RuntimeError):
    """A registry operation that cannot be done, such as activating an unknown version."""


class ModelIntegrityError(ModelRegistryError):
    """A model file or manifest that fails verification; the model must not be used."""


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries that a saved model depends on."""
    return {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


@dataclass(frozen=True)
class ModelManifest:
    """Everything known about one registered model.

    Attributes:
        version: Registry version, ``YYYYMMDD-HHMMSS-<kind>`` in UTC.
        kind: Model kind from ``lendapp.risk.training.MODEL_KINDS``.
        created_at: UTC time of registration, ISO 8601.
        feature_names: Model input columns in order.
        training_data_sha256: SHA-256 of the training data file or frame.
        training_rows: Number of training rows.
        default_rate: Share of defaults in the training data.
        metrics: Cross-validated mean metrics per candidate kind (auc, ks, gini, brier).
        library_versions: Versions from ``library_versions()`` at training time.
        model_file: File name of the bundle inside the version folder.
        model_sha256: SHA-256 of the bundle file; empty in the embedded copy.
        format: Manifest format number.
    """

    version: str
    kind: str
    created_at: str
    feature_names: tuple[str, ...]
    training_data_sha256: str
    training_rows: int
    default_rate: float
    metrics: dict[str, dict[str, float]]
    library_versions: dict[str, str]
    model_file: str = MODEL_FILE
    model_sha256: str = ""
    format: int = MANIFEST_FORMAT

    def to_json(self) -> dict[str, object]:
        """Return the manifest as a JSON-ready dict."""
        data = dataclasses.asdict(self)
        data["feature_names"] = list(self.feature_names)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object], source: Path) -> ModelManifest:
        """Build a manifest from its JSON dict.

        Raises:
            ModelIntegrityError: When a field is missing or unknown.
        """
        names = {field.name for field in dataclasses.fields(cls)}
        missing = sorted(names - data.keys())
        unexpected = sorted(data.keys() - names)
        if missing or unexpected:
            raise ModelIntegrityError(f"{source}: invalid manifest: missing fields {missing}, unexpected fields {unexpected}")
        values = dict(data)
        values["feature_names"] = tuple(values["feature_names"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class ModelBundle:
    """A loaded and verified model with what scoring and monitoring need.

    Attributes:
        manifest: The verified manifest.
        model: The calibrated classifier.
        anomaly_detector: The IsolationForest pipeline trained on the same rows.
        baseline: The reference applicant of the reason codes.
        monitoring: Training distributions for PSI.
    """

    manifest: ModelManifest
    model: object
    anomaly_detector: object
    baseline: dict[str, object]
    monitoring: MonitoringReference


def _model_feature_names(model: object) -> list[str]:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        # CalibratedClassifierCV keeps the names on its fitted pipelines only.
        fitted = getattr(model, "calibrated_classifiers_", [])
        names = getattr(fitted[0].estimator, "feature_names_in_", None) if fitted else None
    return [str(name) for name in names] if names is not None else []


def default_registry_dir() -> Path:
    """Return ``settings.var_dir / "models"``."""
    from lendapp.settings import get_settings

    return get_settings().var_dir / "models"


def _write_json_atomic(path: Path, data: object) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


class ModelRegistry:
    """Versioned models in one folder, one of them active and the rest challengers.

    Args:
        root: Registry folder; ``default_registry_dir()`` when None.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_registry_dir()

    def register(self, result: TrainingResult, training_data_sha256: str, activate: bool | None = None) -> ModelManifest:
        """Save a trained model as a new version and return its manifest.

        Args:
            result: The training run to save.
            training_data_sha256: SHA-256 of the data the model was trained on.
            activate: True makes it active, False adds it as a challenger; None
                activates it only when no model is active yet.
        """
        created = datetime.now(UTC)
        version = self._new_version(f"{created:%Y%m%d-%H%M%S}-{result.kind}")
        manifest = ModelManifest(
            version=version,
            kind=result.kind,
            created_at=created.isoformat(timespec="seconds"),
            feature_names=tuple(MODEL_FEATURES),
            training_data_sha256=training_data_sha256,
            training_rows=result.training_rows,
            default_rate=result.default_rate,
            metrics={kind: dataclasses.asdict(cv.mean) for kind, cv in result.cross_validation.items()},
            library_versions=library_versions(),
        )
        folder = self.root / version
        folder.mkdir(parents=True)
        bundle = {
            "manifest": manifest.to_json(),
            "model": result.model,
            "anomaly_detector": result.anomaly_detector,
            "baseline": result.baseline,
            "monitoring": result.monitoring,
        }
        joblib.dump(bundle, folder / MODEL_FILE)
        manifest = dataclasses.replace(manifest, model_sha256=file_sha256(folder / MODEL_FILE))
        _write_json_atomic(folder / MANIFEST_FILE, manifest.to_json())

        index = self._read_index()
        if activate or (activate is None and index["active"] is None):
            if index["active"] is not None:
                index["challengers"].append(index["active"])
            index["active"] = version
        else:
            index["challengers"].append(version)
        self._write_index(index)
        logger.info("Registered model %s (%s) in %s; active: %s", version, result.kind, self.root, index["active"])
        return manifest

    def list_manifests(self) -> list[ModelManifest]:
        """Return the manifests of every version, oldest first, without loading the models."""
        if not self.root.is_dir():
            return []
        manifests = []
        for folder in sorted(self.root.iterdir()):
            if (folder / MANIFEST_FILE).is_file():
                manifests.append(self.read_manifest(folder.name))
        return manifests

    def read_manifest(self, version: str) -> ModelManifest:
        """Read one version's manifest.

        Raises:
            ModelRegistryError: When the version does not exist.
            ModelIntegrityError: When the manifest is not valid JSON or has the wrong fields.
        """
        path = self.root / version / MANIFEST_FILE
        if not path.is_file():
            raise ModelRegistryError(f"model version {version!r} not found in {self.root}; run `python -m lendapp model list`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ModelIntegrityError(f"{path}: invalid JSON ({error}); restore the file or retrain") from error
        return ModelManifest.from_json(data, path)

    def active_version(self) -> str | None:
        """Return the active version, or None when none is active."""
        return self._read_index()["active"]

    def challenger_versions(self) -> list[str]:
        """Return the challenger versions, oldest first."""
        return list(self._read_index()["challengers"])

    def activate(self, version: str) -> None:
        """Make ``version`` active after verifying it loads; the previous active model becomes a challenger.

        Raises:
            ModelRegistryError: When the version does not exist.
            ModelIntegrityError: When it fails verification.
        """
        self.load(version)
        index = self._read_index()
        if index["active"] == version:
            return
        if index["active"] is not None:
            index["challengers"].append(index["active"])
        index["challengers"] = [challenger for challenger in index["challengers"] if challenger != version]
        index["active"] = version
        self._write_index(index)
        logger.info("Activated model %s in %s", version, self.root)

    def load_active(self) -> ModelBundle:
        """Load and verify the active model.

        Raises:
            ModelRegistryError: When no model is active.
            ModelIntegrityError: When it fails verification.
        """
        version = self.active_version()
        if version is None:
            raise ModelRegistryError(f"no active model in {self.root}; run `python -m lendapp model train`")
        return self.load(version)

    def load(self, version: str) -> ModelBundle:
        """Load one version after verifying checksum, library versions, manifest and features.

        Raises:
            ModelRegistryError: When the version does not exist.
            ModelIntegrityError: When any check fails; the message names it.
        """
        manifest = self.read_manifest(version)
        path = self.root / version / manifest.model_file
        if not path.is_file():
            raise ModelIntegrityError(f"{path}: model file missing; restore it or retrain")
        actual_sha = file_sha256(path)
        if actual_sha != manifest.model_sha256:
            raise ModelIntegrityError(
                f"{path}: SHA-256 {actual_sha} does not match the manifest's {manifest.model_sha256}; "
                "the file was changed after training, so restore it or retrain"
            )
        running = library_versions()
        if manifest.library_versions != running:
            raise ModelIntegrityError(
                f"model {version}: trained with {manifest.library_versions}, running {running}; "
                "retrain the model with the installed libraries"
            )
        bundle = joblib.load(path)
        embedded = dict(bundle["manifest"])
        stored = manifest.to_json()
        stored["model_sha256"] = ""
        changed = sorted(key for key in stored if stored[key] != embedded.get(key))
        if changed:
            raise ModelIntegrityError(f"{self.root / version / MANIFEST_FILE}: fields {changed} differ from the copy saved in the model file")
        model_features = _model_feature_names(bundle["model"])
        if model_features != list(manifest.feature_names) or list(manifest.feature_names) != list(MODEL_FEATURES):
            raise ModelIntegrityError(
                f"model {version}: feature names {model_features} do not match the code's {list(MODEL_FEATURES)}; retrain"
            )
        return ModelBundle(
            manifest=manifest,
            model=bundle["model"],
            anomaly_detector=bundle["anomaly_detector"],
            baseline=bundle["baseline"],
            monitoring=bundle["monitoring"],
        )

    def _new_version(self, base: str) -> str:
        version, suffix = base, 2
        while (self.root / version).exists():
            version, suffix = f"{base}-{suffix}", suffix + 1
        return version

    def _read_index(self) -> dict:
        path = self.root / INDEX_FILE
        if not path.is_file():
            return {"active": None, "challengers": []}
        return json.loads(path.read_text(encoding="utf-8"))

    def _write_index(self, index: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(self.root / INDEX_FILE, index)
