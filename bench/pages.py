"""Compare lendapp's home page with Reflex's blank starter app under Lighthouse's mobile audit.

Both apps run as production builds (`reflex run --env prod`) on free loopback
ports, one after the other so they do not compete for the CPU. Lighthouse
12.2.3 (from `make audit-tools`) audits each home page with its default mobile
settings, which simulate a slow 4G network and a 4x slower CPU. The script
prints the median of three runs (``--runs``) and always exits 0: it reports, it does not gate.

Lighthouse's CPU slowdown is relative to the machine it runs on, so the
script also prints Lighthouse's benchmark index of this machine. The index
divided by the slowdown estimates the simulated phone's index: Lighthouse's
throttling guide puts mid-tier phones between 125 and 800 and Chrome
DevTools' CPU calibration takes 264 for a low-tier phone.

Usage: .venv/bin/python -m bench.pages [--cpu-slowdown N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM  # noqa: E402
from tests.e2e.test_lighthouse import LIGHTHOUSE, run_lighthouse  # noqa: E402
from tests.support.app_server import PROJECT_ROOT, app_environment, start_app, stop_app, wait_for_http  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402

logger = logging.getLogger("bench.pages")

DEFAULT_RUNS = 3
REPORT_DIR = PROJECT_ROOT / "artifacts" / "bench-pages"
START_TIMEOUT_SECONDS = 600
TARGET_PERFORMANCE = 90
TARGET_LCP_SECONDS = 2.5
TARGET_JS_RATIO = 1.5
# Lighthouse 12.2.3 adds a slow-CPU warning to its report below this index (core/gather/driver/environment.js).
SLOW_HOST_BENCHMARK_INDEX = 1000


def start_starter(work_dir: Path) -> tuple[str, subprocess.Popen]:
    """Create Reflex's blank app in ``work_dir`` and start its production build; return its URL and process."""
    app_dir = work_dir / "starter"
    app_dir.mkdir()
    env = app_environment(work_dir, f"sqlite:///{work_dir / 'starter.db'}")
    subprocess.run(
        [sys.executable, "-m", "reflex", "init", "--template", "blank", "--no-agents"],
        cwd=app_dir, env=env, check=True, capture_output=True, timeout=START_TIMEOUT_SECONDS,
    )
    port = free_port()
    log_path = REPORT_DIR / "starter.log"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-host", "127.0.0.1",
            "--frontend-port", str(port), "--backend-port", str(port),
        ],
        cwd=app_dir, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process, log_path)
    except BaseException:
        stop_app(process)
        raise
    return url, process


def measure(name: str, url: str, cpu_slowdown: float, runs: int) -> dict:
    """Run Lighthouse's performance audit ``runs`` times on ``url`` and return the medians and the script URLs."""
    scores, lcps, fcps, blocking, script_bytes, total_bytes, benchmark = [], [], [], [], [], [], []
    document_bytes = []
    script_urls: set[str] = set()
    for run in range(1, runs + 1):
        report = run_lighthouse(
            url, "performance", REPORT_DIR / f"{name}-{run}.json",
            [f"--throttling.cpuSlowdownMultiplier={cpu_slowdown}"],
        )
        benchmark.append(report["environment"]["benchmarkIndex"])
        scores.append(report["categories"]["performance"]["score"] * 100)
        lcps.append(report["audits"]["largest-contentful-paint"]["numericValue"] / 1000)
        fcps.append(report["audits"]["first-contentful-paint"]["numericValue"] / 1000)
        blocking.append(report["audits"]["total-blocking-time"]["numericValue"])
        requests = report["audits"]["network-requests"]["details"]["items"]
        scripts = [item for item in requests if item.get("resourceType") == "Script"]
        script_bytes.append(sum(item.get("transferSize", 0) for item in scripts))
        total_bytes.append(sum(item.get("transferSize", 0) for item in requests))
        document_bytes.append(sum(item.get("transferSize", 0) for item in requests if item.get("resourceType") == "Document"))
        script_urls.update(item["url"] for item in scripts)
    return {
        "performance": statistics.median(scores),
        "lcp_s": statistics.median(lcps),
        "fcp_s": statistics.median(fcps),
        "tbt_ms": statistics.median(blocking),
        "js_bytes": statistics.median(script_bytes),
        "total_bytes": statistics.median(total_bytes),
        "document_bytes": statistics.median(document_bytes),
        "benchmark_index": statistics.median(benchmark),
        "script_urls": sorted(script_urls),
    }


def _machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), {chromium}"


def print_table(starter: dict, lendapp: dict, cpu_slowdown: float, runs: int) -> None:
    """Print the figures of both apps, lendapp's ratios to the starter and whether each target is met."""
    js_ratio = lendapp["js_bytes"] / starter["js_bytes"]
    rows = [
        ("Performance score", f"{starter['performance']:.0f}", f"{lendapp['performance']:.0f}",
         f"{lendapp['performance'] / starter['performance']:.2f}", f">= {TARGET_PERFORMANCE}", lendapp["performance"] >= TARGET_PERFORMANCE),
        ("LCP (s)", f"{starter['lcp_s']:.2f}", f"{lendapp['lcp_s']:.2f}",
         f"{lendapp['lcp_s'] / starter['lcp_s']:.2f}", f"< {TARGET_LCP_SECONDS}", lendapp["lcp_s"] < TARGET_LCP_SECONDS),
        ("First contentful paint (s)", f"{starter['fcp_s']:.2f}", f"{lendapp['fcp_s']:.2f}",
         f"{lendapp['fcp_s'] / starter['fcp_s']:.2f}", "-", None),
        ("Total blocking time (ms)", f"{starter['tbt_ms']:.0f}", f"{lendapp['tbt_ms']:.0f}",
         f"{lendapp['tbt_ms'] / max(starter['tbt_ms'], 1):.1f}", "-", None),
        ("JavaScript (KiB)", f"{starter['js_bytes'] / 1024:.0f}", f"{lendapp['js_bytes'] / 1024:.0f}",
         f"{js_ratio:.2f}", f"<= {TARGET_JS_RATIO}x starter", js_ratio <= TARGET_JS_RATIO),
        ("HTML document (KiB)", f"{starter['document_bytes'] / 1024:.0f}", f"{lendapp['document_bytes'] / 1024:.0f}",
         f"{lendapp['document_bytes'] / starter['document_bytes']:.2f}", "-", None),
        ("All transfers (KiB)", f"{starter['total_bytes'] / 1024:.0f}", f"{lendapp['total_bytes'] / 1024:.0f}",
         f"{lendapp['total_bytes'] / starter['total_bytes']:.2f}", "-", None),
    ]
    print(f"| Measure (median of {runs}) | Starter | lendapp | Ratio | Target | Met |")
    print("|---|---|---|---|---|---|")
    for label, base, ours, ratio, target, met in rows:
        print(f"| {label} | {base} | {ours} | {ratio} | {target} | {'-' if met is None else ('yes' if met else 'no')} |")
    plotly = [url for url in lendapp["script_urls"] if "plotly" in url.lower()]
    print(f"\nPlotly scripts on lendapp's home page: {plotly or 'none'}")
    print(f"Machine: {_machine()}")
    index = statistics.median([starter["benchmark_index"], lendapp["benchmark_index"]])
    print(
        f"Lighthouse benchmark index {index:.0f} (starter runs {starter['benchmark_index']:.0f}, "
        f"lendapp runs {lendapp['benchmark_index']:.0f}), CPU slowdown {cpu_slowdown:g}x, "
        f"so the simulated phone's index is about {index / cpu_slowdown:.0f}"
    )
    if index < SLOW_HOST_BENCHMARK_INDEX:
        print(
            f"Lighthouse warns below a benchmark index of {SLOW_HOST_BENCHMARK_INDEX}: "
            "this machine simulates a slower phone than the default settings intend"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cpu-slowdown", type=float, default=4,
        help="Lighthouse's CPU slowdown multiplier for both apps (default: 4, Lighthouse's mobile default)",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"Lighthouse runs per app (default: {DEFAULT_RUNS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start each app in turn, measure its home page and print the comparison."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not LIGHTHOUSE.exists():
        logger.error("Lighthouse not found at %s: run `make audit-tools` first", LIGHTHOUSE)
        return 0
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lendapp-bench-pages-") as temp:
        work_dir = Path(temp)
        logger.info("Building and starting Reflex's blank starter app")
        url, process = start_starter(work_dir)
        try:
            starter = measure("starter", url, args.cpu_slowdown, args.runs)
        finally:
            stop_app(process)
        logger.info("Building and starting lendapp with demo data")
        server = start_app(work_dir / "lendapp", REPORT_DIR)
        try:
            lendapp = measure("lendapp", server.base_url + "/", args.cpu_slowdown, args.runs)
        finally:
            stop_app(server.process)
    (REPORT_DIR / "summary.json").write_text(json.dumps({"cpu_slowdown": args.cpu_slowdown, "starter": starter, "lendapp": lendapp}, indent=2))
    print_table(starter, lendapp, args.cpu_slowdown, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
