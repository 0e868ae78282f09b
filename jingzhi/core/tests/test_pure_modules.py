"""Pure modules (rules, state tables, the routing engine, value types) touch no database.

The import-linter contract in pyproject.toml keeps them from importing our models, actions, queries and
loaders; it cannot forbid part of an external package, so this test reads each pure module's source and
refuses any `django.db` import, at the top or inside a function, except Django's choice enums (value types
with no table behind them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"django.db.models.enums"}


def pure_modules() -> list[Path]:
    found = {*ROOT.glob("*/workflow.py"), *ROOT.glob("*/rules.py"), *ROOT.glob("*/types.py")}
    found |= {ROOT / "duties" / "routing.py", ROOT / "core" / "ids.py"}
    return sorted(found)


def database_imports(source: str) -> list[str]:
    """The `django.db` modules a source imports from, other than the choice enums."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
    return [
        module
        for module in modules
        if (module == "django.db" or module.startswith("django.db."))
        and not any(module == ok or module.startswith(ok + ".") for ok in ALLOWED)
    ]


def test_the_check_sees_database_imports_at_the_top_and_inside_functions():
    source = "from django.db import models\ndef f():\n    import django.db.transaction\n"
    assert database_imports(source) == ["django.db", "django.db.transaction"]
    assert database_imports("from django.db.models import Q\n") == ["django.db.models"]
    assert database_imports("from django.db.models.enums import TextChoices\n") == []


def test_the_pure_modules_are_found():
    names = {f"{path.parent.name}/{path.name}" for path in pure_modules()}
    assert {"cases/workflow.py", "taxonomy/rules.py", "taxonomy/types.py", "duties/routing.py"} <= names


@pytest.mark.parametrize("path", pure_modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_a_pure_module_imports_nothing_from_django_db_but_choice_enums(path):
    assert database_imports(path.read_text(encoding="utf-8")) == []
