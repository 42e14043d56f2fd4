"""Benchmark of credit scoring: one application end to end, and a batch.

Trains the scorecard on German Credit, registers it in a temporary registry,
loads it back through verification, then measures in the same process:

* baseline: ``predict_proba`` of the calibrated scikit-learn Pipeline on a
  one-row pandas DataFrame;
* single: ``Scorer.score`` of one ApplicationFeatures, reason codes included;
* batch: ``Scorer.score_frame`` of 100,000 rows drawn from German Credit.

Targets: single p99 at most 0.3 times the baseline p99, batch at least 20,000
applications per second. The script reports whether they are met and always
exits 0.

Run: ``.venv/bin/python bench/scoring.py [--calls 2000] [--batch 100000]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lendapp.risk.features import ApplicationFeatures  # noqa: E402
from lendapp.risk.german_credit import load_german_credit  # noqa: E402
from lendapp.risk.registry import ModelRegistry  # noqa: E402
from lendapp.risk.scoring import Scorer  # noqa: E402
from lendapp.risk.training import LOGISTIC, train  # noqa: E402

SINGLE_P99_MAX_RATIO = 0.3
BATCH_MIN_PER_SECOND = 20_000


def _timings(function: object, calls: int) -> np.ndarray:
    durations = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        durations[i] = time.perf_counter() - start
    return durations


def _application(row: dict[str, object]) -> ApplicationFeatures:
    return ApplicationFeatures(
        age=int(row["age"]),
        sex="female",
        monthly_income=Decimal("12000"),
        employment_months=int(row["employment_months"]),
        housing=str(row["housing"]),
        dependants=int(row["dependants"]),
        loan_amount=Decimal(str(row["loan_amount"])),
        term_months=int(row["term_months"]),
        purpose=str(row["purpose"]),
        segment="consumer",
        existing_credits=int(row["existing_credits"]),
        province="Zhejiang",
        checking_status=str(row["checking_status"]),
        credit_history=str(row["credit_history"]),
        savings=str(row["savings"]),
        property=str(row["property"]),
        other_installment_plans=str(row["other_installment_plans"]),
        guarantor=str(row["guarantor"]),
        job=str(row["job"]),
        installment_rate_band=int(row["installment_rate_band"]),
        residence_years=int(row["residence_years"]),
    )


def main() -> int:
    """Run the benchmark and write a summary and one JSON line to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="single-application calls per measurement (default 2000)")
    parser.add_argument("--batch", type=int, default=100_000, help="rows in the batch measurement (default 100000)")
    args = parser.parse_args()

    frame, target, _ = load_german_credit()
    result = train(frame, target, kinds=(LOGISTIC,), n_jobs=1)
    with tempfile.TemporaryDirectory() as folder:
        registry = ModelRegistry(Path(folder))
        registry.register(result, "bench")
        scorer = Scorer(registry.load_active())
    pipeline = result.model

    one_row = frame.iloc[[1]]
    application = _application(frame.iloc[1].to_dict())
    for _ in range(50):
        pipeline.predict_proba(one_row)
        scorer.score(application)

    baseline = _timings(lambda: pipeline.predict_proba(one_row), args.calls)
    single = _timings(lambda: scorer.score(application), args.calls)

    rows = np.random.default_rng(0).integers(0, len(frame), size=args.batch)
    batch_frame = frame.iloc[rows].reset_index(drop=True)
    start = time.perf_counter()
    scorer.score_frame(batch_frame)
    batch_seconds = time.perf_counter() - start

    summary = {
        "calls": args.calls,
        "baseline_p50_us": float(np.percentile(baseline, 50) * 1e6),
        "baseline_p99_us": float(np.percentile(baseline, 99) * 1e6),
        "single_p50_us": float(np.percentile(single, 50) * 1e6),
        "single_p99_us": float(np.percentile(single, 99) * 1e6),
        "batch_rows": args.batch,
        "batch_seconds": batch_seconds,
        "batch_per_second": args.batch / batch_seconds,
    }
    summary["single_p99_ratio"] = summary["single_p99_us"] / summary["baseline_p99_us"]
    summary["single_target_met"] = summary["single_p99_ratio"] <= SINGLE_P99_MAX_RATIO
    summary["batch_target_met"] = summary["batch_per_second"] >= BATCH_MIN_PER_SECOND

    out = sys.stdout
    out.write(f"baseline Pipeline.predict_proba, 1-row DataFrame: p50 {summary['baseline_p50_us']:.0f} us, p99 {summary['baseline_p99_us']:.0f} us\n")
    out.write(f"Scorer.score with reason codes:                  p50 {summary['single_p50_us']:.1f} us, p99 {summary['single_p99_us']:.1f} us\n")
    out.write(f"single p99 / baseline p99: {summary['single_p99_ratio']:.3f} (target at most {SINGLE_P99_MAX_RATIO})\n")
    out.write(f"batch of {args.batch}: {batch_seconds:.3f} s, {summary['batch_per_second']:,.0f} per second (target {BATCH_MIN_PER_SECOND:,})\n")
    out.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
