"""Starting the production build of lendapp on a free loopback port for browser tests."""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.postgres import free_port

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_SECONDS = 600
# A small demo book keeps the seed step to a few seconds.
DEMO_BORROWERS = 30


@dataclasses.dataclass
class AppServer:
    """A running app: its address, database and the demo staff passwords."""

    base_url: str
    database_url: str
    var_dir: Path
    staff_passwords: dict[str, str]
    process: subprocess.Popen
    log_path: Path


def bun_bin_dir() -> Path:
    """Return the folder of the bun binary that `make` installs from the npm registry."""
    arch = "aarch64" if platform.machine() in ("aarch64", "arm64") else "x64"
    path = PROJECT_ROOT / ".tools" / "bun" / "node_modules" / "@oven" / f"bun-linux-{arch}" / "bin"
    if not (path / "bun").exists():
        raise RuntimeError(f"bun not found in {path}: run `make bun` first")
    return path


def app_environment(var_dir: Path, database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a Reflex process that reaches no host but loopback."""
    env = dict(os.environ)
    env.update(
        {
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "PATH": f"{bun_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "0",
            "NPM_CONFIG_REGISTRY": "https://registry.npmjs.org",
            "REFLEX_DIR": str(PROJECT_ROOT / ".cache" / "reflex"),
            "BUN_INSTALL_CACHE_DIR": str(PROJECT_ROOT / ".cache" / "bun"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def _parse_passwords(seed_output: str) -> dict[str, str]:
    passwords = {}
    for line in seed_output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("demo_"):
            passwords[parts[0]] = parts[1]
    return passwords


def register_scorecard(registry_dir: Path) -> None:
    """Train the logistic scorecard alone (seconds, not the minute of `model train`) and make it the active model.

    The demo book is scored by the active model, and applications submitted in
    the browser tests are decided by it.
    """
    from lendapp.risk.german_credit import DATA_PATH, file_sha256, load_german_credit
    from lendapp.risk.registry import ModelRegistry
    from lendapp.risk.training import LOGISTIC, train

    frame, target, _ = load_german_credit()
    ModelRegistry(registry_dir).register(train(frame, target, kinds=(LOGISTIC,), n_jobs=1), file_sha256(DATA_PATH), activate=True)


def wait_for_http(url: str, process: subprocess.Popen, log_path: Path) -> None:
    """Poll ``url`` until it responds with 200, failing early if ``process`` exits."""
    deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with status {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer {url} within {BUILD_TIMEOUT_SECONDS} s; see {log_path}")


def start_app(
    var_dir: Path, log_dir: Path, database_url: str | None = None, extra_env: dict[str, str] | None = None,
    project_root: Path | None = None, log_name: str = "app-server.log",
) -> AppServer:
    """Migrate, seed and start `reflex run --env prod` in its own process group.

    ``project_root`` builds in another copy of the project (see ``copy_project``),
    so a second server does not overwrite the first one's ``.web``.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{var_dir / 'lendapp.db'}"
    env = app_environment(var_dir, database_url, extra_env)
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    register_scorecard(var_dir / "models")
    seed = subprocess.run(
        [sys.executable, "-m", "lendapp", "demo", "seed", "--borrowers", str(DEMO_BORROWERS)],
        cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, text=True,
    )
    port = free_port()
    log_path = log_dir / log_name
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-host", "127.0.0.1",
            "--frontend-port", str(port), "--backend-port", str(port),
        ],
        cwd=project_root or PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base_url}/api/health", process, log_path)
        wait_for_http(f"{base_url}/", process, log_path)
    except BaseException:
        stop_app(process)
        raise
    return AppServer(base_url, database_url, var_dir, _parse_passwords(seed.stdout), process, log_path)


# Build output, local state and tools that a project copy must not carry along.
COPY_EXCLUDES = (".web", "var", ".git", "artifacts", ".tools", ".venv", ".cache", "uploaded_files", "__pycache__")


def copy_project(destination: Path) -> Path:
    """Copy the project's sources to ``destination`` for a second, independent production build.

    The build writes the server's port into ``.web``, so two servers built in
    one folder would send the first one's pages to the second one's backend.
    The copy shares the bun binary and the Reflex and bun caches by symbolic links.
    """
    shutil.copytree(PROJECT_ROOT, destination, ignore=shutil.ignore_patterns(*COPY_EXCLUDES), symlinks=True)
    (destination / ".tools").symlink_to(PROJECT_ROOT / ".tools")
    (destination / ".cache").mkdir()
    for cache in ("reflex", "bun"):
        (destination / ".cache" / cache).symlink_to(PROJECT_ROOT / ".cache" / cache)
    return destination


def stop_app(process: subprocess.Popen) -> None:
    """Stop the app's whole process group (Reflex starts the server as a child)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
