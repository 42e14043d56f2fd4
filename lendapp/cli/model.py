"""Credit model commands: ``model train``, ``model list`` and ``model activate``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``model`` command group to the operator command line."""
    model = subparsers.add_parser("model", help="train, list and activate credit scoring models")
    commands = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND")

    train = commands.add_parser("train", help="cross-validate the candidates, calibrate the best and register it")
    train.add_argument("--data", type=Path, help="German Credit CSV; defaults to the copy shipped in lendapp/risk/data")
    train.add_argument("--source", choices=("german_credit", "platform"), default="german_credit",
                       help="german_credit (the cold start) or platform (lendapp's own matured loans, time-split)")
    train.add_argument("--cutoff", help="platform only: decisions before this date (YYYY-MM-DD) train, later ones test")
    train.add_argument("--registry", type=Path, help="registry folder; defaults to VAR_DIR/models")
    train.add_argument("--activate", action="store_true", help="make the new model active even when another one is")
    train.add_argument("--jobs", type=int, default=1, help="worker processes for cross-validation (default 1)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of progress lines")
    train.set_defaults(func=run_train)

    listing = commands.add_parser("list", help="list registered models with their metrics")
    listing.add_argument("--registry", type=Path, help="registry folder; defaults to VAR_DIR/models")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=run_list)

    activate = commands.add_parser("activate", help="make a registered model version the active one")
    activate.add_argument("version", help="version as shown by `model list`")
    activate.add_argument("--registry", type=Path, help="registry folder; defaults to VAR_DIR/models")
    activate.set_defaults(func=run_activate)

    model.set_defaults(func=lambda args: _missing_subcommand(model))


def _missing_subcommand(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_INVALID_INPUT


def _write_line(text: str, stream: object = None) -> None:
    (stream or sys.stdout).write(text + "\n")  # type: ignore[attr-defined]


def run_train(args: argparse.Namespace) -> int:
    """Train on German Credit, register the model and print the metrics of each candidate."""
    from lendapp.risk.features import FeatureSchemaError
    from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
    from lendapp.risk.registry import ModelRegistry
    from lendapp.risk.training import train

    data_path = args.data or DATA_PATH
    if not data_path.is_file():
        _write_line(f"--data: file not found: {data_path}", sys.stderr)
        return EXIT_INVALID_INPUT
    if args.jobs < 1:
        _write_line(f"--jobs: invalid value {args.jobs}; allowed 1 or more", sys.stderr)
        return EXIT_INVALID_INPUT
    progress = None if args.json else (lambda line: _write_line(line, sys.stderr))
    registry = ModelRegistry(args.registry)
    holdout: dict[str, object] | None = None
    if args.source == "platform":
        prepared = _platform_split(args, registry, progress)
        if isinstance(prepared, int):
            return prepared
        frame, target, data_sha256, holdout_frame, cutoff = prepared
    else:
        try:
            frame, target, _ = load_german_credit(data_path)
        except FeatureSchemaError as error:
            _write_line(f"--data: {error}", sys.stderr)
            return EXIT_INVALID_INPUT
        data_sha256 = file_sha256(data_path)
    result = train(frame, target, n_jobs=args.jobs, progress=progress)
    if args.source == "platform":
        holdout = _holdout_metrics(result, holdout_frame, cutoff)
        if progress:
            progress(f"time-split test on {holdout['rows']} decisions from {holdout['cutoff']}: AUC {holdout['auc']:.4f}")
    manifest = registry.register(result, data_sha256, activate=True if args.activate else None)
    summary = {
        "version": manifest.version,
        "chosen": result.kind,
        "active": registry.active_version() == manifest.version,
        "registry": str(registry.root),
        "training_rows": result.training_rows,
        "source": args.source,
        "time_split": holdout,
        "training_data_sha256": manifest.training_data_sha256,
        "models": {
            kind: {**dataclasses.asdict(cv.mean), "auc_per_fold": [round(fold.auc, 4) for fold in cv.folds]}
            for kind, cv in result.cross_validation.items()
        },
    }
    if args.json:
        _write_line(json.dumps(summary))
    else:
        state = "active" if summary["active"] else "challenger"
        _write_line(f"registered {manifest.version} ({result.kind}) as {state} in {registry.root}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print every registered version, marking the active one."""
    from lendapp.risk.registry import ModelRegistry, ModelRegistryError

    registry = ModelRegistry(args.registry)
    try:
        manifests = registry.list_manifests()
        active = registry.active_version()
    except ModelRegistryError as error:
        _write_line(str(error), sys.stderr)
        return EXIT_FAILURE
    if args.json:
        rows = [{**manifest.to_json(), "active": manifest.version == active} for manifest in manifests]
        _write_line(json.dumps({"registry": str(registry.root), "models": rows}))
        return 0
    if not manifests:
        _write_line(f"no models in {registry.root}; run `python -m lendapp model train`", sys.stderr)
        return 0
    for manifest in manifests:
        metrics = manifest.metrics.get(manifest.kind, {})
        marker = "*" if manifest.version == active else " "
        _write_line(f"{marker} {manifest.version}  {manifest.kind}  AUC {metrics.get('auc', float('nan')):.4f}  rows {manifest.training_rows}")
    return 0


def run_activate(args: argparse.Namespace) -> int:
    """Verify a version and make it the active model."""
    from lendapp.risk.registry import ModelRegistry, ModelRegistryError

    registry = ModelRegistry(args.registry)
    try:
        registry.activate(args.version)
    except ModelRegistryError as error:
        _write_line(str(error), sys.stderr)
        return EXIT_FAILURE
    _write_line(f"activated {args.version} in {registry.root}")
    return 0


def _platform_split(args: argparse.Namespace, registry, progress):
    """Load matured-loan outcomes and split them by decision date; return an exit code on bad input."""
    import datetime as dt

    from lendapp.risk.features import MODEL_FEATURES, TARGET, split_by_time
    from lendapp.services.platform_training import InsufficientOutcomesError, default_cutoff, platform_training_data

    try:
        data = platform_training_data(registry=registry)
    except InsufficientOutcomesError as error:
        _write_line(f"--source platform: {error}", sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        cutoff = dt.date.fromisoformat(args.cutoff) if args.cutoff else default_cutoff(data.frame)
        train_part, test_part = split_by_time(data.frame, cutoff)
    except ValueError as error:
        _write_line(f"--cutoff: {error}", sys.stderr)
        return EXIT_INVALID_INPUT
    if progress:
        progress(f"platform data: {len(data.frame)} matured loans; training on {len(train_part)} decided before {cutoff}")
    features = list(MODEL_FEATURES)
    return train_part[features], train_part[TARGET].to_numpy(), data.sha256, test_part, cutoff


def _holdout_metrics(result, test_part, cutoff) -> dict[str, object]:
    """AUC of the fitted model on the decisions after the cutoff, which training never saw."""
    from sklearn.metrics import roc_auc_score

    from lendapp.risk.features import MODEL_FEATURES, TARGET

    y = test_part[TARGET].to_numpy()
    probabilities = result.model.predict_proba(test_part[list(MODEL_FEATURES)])[:, 1]
    auc = float(roc_auc_score(y, probabilities)) if len(set(y)) > 1 else float("nan")
    return {"cutoff": cutoff.isoformat(), "rows": int(len(test_part)), "defaults": int(y.sum()), "auc": round(auc, 4)}
