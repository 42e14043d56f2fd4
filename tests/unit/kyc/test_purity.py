"""The KYC package imports no data tables, services or frameworks; lookups are passed in."""

from __future__ import annotations

import ast
from pathlib import Path

KYC_DIR = Path(__file__).resolve().parents[3] / "lendapp" / "domain" / "kyc"
FORBIDDEN_PREFIXES = ("id_validator", "cardbin", "lendapp.integrations", "lendapp.services", "lendapp.db", "reflex", "sqlmodel", "sqlalchemy")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_kyc_modules_found() -> None:
    assert len(list(KYC_DIR.glob("*.py"))) >= 5


def test_kyc_imports_no_io_packages() -> None:
    offenders = {
        path.name: sorted(name for name in _imports(path) if name.startswith(FORBIDDEN_PREFIXES))
        for path in KYC_DIR.glob("*.py")
    }

    assert {name: bad for name, bad in offenders.items() if bad} == {}
