"""The domain package stays pure Python: no web, database, payment or numeric frameworks."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "lendapp" / "domain"
FORBIDDEN = frozenset({"reflex", "sqlmodel", "sqlalchemy", "stripe", "sklearn", "numpy", "numpy_financial", "pandas"})


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_found() -> None:
    assert len(list(DOMAIN_DIR.glob("*.py"))) > 1


def test_domain_imports_no_framework() -> None:
    offenders = {}
    for path in sorted(DOMAIN_DIR.glob("*.py")):
        bad = _imported_roots(path) & FORBIDDEN
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_layering_walk_detects_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import numpy as np\nfrom sqlalchemy.orm import Session\n", encoding="utf-8")
    assert _imported_roots(module) & FORBIDDEN == {"numpy", "sqlalchemy"}
