"""The dashboard is an interface over `accounts` and `memories`: it imports them, never the other
way round, so the domain and the API can be read, tested and run without any HTML screen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function bodies included)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("app", ["memories", "accounts"])
def test_the_domain_apps_never_import_the_dashboard(app):
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(
            module for module in imported_modules(path) if module.split(".")[0] == "dashboard"
        )
        for path in (REPO_ROOT / app).rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_memories_has_no_screens_left():
    # Python files only: a checkout updated across the move may keep an old __pycache__ folder.
    memories = REPO_ROOT / "memories"
    leftovers = [*memories.glob("urls*.py"), *memories.glob("views/*.py")]
    assert [str(path.relative_to(REPO_ROOT)) for path in leftovers] == []
