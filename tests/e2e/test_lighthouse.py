"""Lighthouse's SEO audit of the home page, run from the npm package against Debian's Chromium."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.e2e.conftest import CHROMIUM, QUIET_FLAGS
from tests.support.app_server import PROJECT_ROOT, AppServer

pytestmark = pytest.mark.e2e

LIGHTHOUSE = PROJECT_ROOT / ".tools" / "audit" / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORT_DIR = PROJECT_ROOT / "artifacts" / "lighthouse"
MIN_SEO_SCORE = 0.95
LIGHTHOUSE_TIMEOUT_SECONDS = 300


def run_lighthouse(url: str, categories: str, report_path, extra_args: list[str] | None = None) -> dict:
    """Run the Lighthouse CLI on ``url``, write its JSON report to ``report_path`` and return it.

    Raises:
        subprocess.CalledProcessError: Lighthouse exited with an error; its output is in the exception.
    """
    report_path.parent.mkdir(parents=True, exist_ok=True)
    chrome_flags = " ".join(["--headless", *QUIET_FLAGS])
    command = [
        "node", str(LIGHTHOUSE), url,
        f"--only-categories={categories}",
        "--output=json",
        f"--output-path={report_path}",
        "--quiet",
        f"--chrome-flags={chrome_flags}",
        *(extra_args or []),
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=LIGHTHOUSE_TIMEOUT_SECONDS)
    return json.loads(report_path.read_text(encoding="utf-8"))


def test_lighthouse_seo_home(app_server: AppServer) -> None:
    report = run_lighthouse(app_server.base_url + "/", "seo", REPORT_DIR / "seo-home.json")
    category = report["categories"]["seo"]
    failing = [
        f"{ref['id']}: {report['audits'][ref['id']]['title']}"
        for ref in category["auditRefs"]
        if ref["weight"] > 0 and (report["audits"][ref["id"]]["score"] or 0) < 1
    ]

    assert not report.get("runtimeError"), report.get("runtimeError")
    assert category["score"] >= MIN_SEO_SCORE, f"SEO score {category['score']}; failing audits: {failing}"
