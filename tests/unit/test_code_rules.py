"""Project-wide rules that a reviewer would otherwise have to check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = PROJECT_ROOT / "lendapp"


def _python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_package_has_no_print_calls() -> None:
    offenders = []
    for path in _python_files(PACKAGE_DIR):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert offenders == []


def test_io_modules_define_module_logger() -> None:
    """Services, API routes and jobs log through logging.getLogger(__name__)."""
    missing = []
    for folder in ("services", "api", "jobs", "integrations"):
        for path in _python_files(PACKAGE_DIR / folder):
            text = path.read_text(encoding="utf-8")
            if path.name != "__init__.py" and "logging.getLogger(__name__)" not in text:
                missing.append(str(path.relative_to(PROJECT_ROOT)))
    assert missing == []


def test_nothing_reads_shared_folder() -> None:
    """A user's clone has only this repository, so nothing may read the folder beside it."""
    # Built from parts so that this file does not match its own search.
    outside_paths = ("/".join(("..", "shared")), "/".join(("", "work", "shared")))
    offenders = []
    for folder in ("lendapp", "tests", "alembic", "bench"):
        for path in _python_files(PROJECT_ROOT / folder):
            text = path.read_text(encoding="utf-8")
            if any(outside in text for outside in outside_paths):
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_pages_and_states_run_no_queries() -> None:
    """Database access belongs in services; pages and states call them."""
    offenders = []
    for folder in ("pages", "state", "components"):
        for path in _python_files(PACKAGE_DIR / folder):
            text = path.read_text(encoding="utf-8")
            if "select(" in text or "sqlmodel" in text or "session_scope" in text:
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []
