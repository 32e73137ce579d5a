"""The shape of the code (docs/architecture.md): domains in layers, checked by import-linter,
and two rules it cannot see: no import hidden inside a function, no import of another
domain's views."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def _modules():
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield path, ".".join(parts), ast.parse(path.read_text(encoding="utf-8"))


def _target(module: str, node: ast.AST, is_package: bool) -> list[str]:
    """The absolute module names an import statement reaches."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".")
    if node.level:
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    # `from app.x import y` may import the submodule app.x.y: count both.
    return [stem] + [f"{stem}.{alias.name}" for alias in node.names]


def test_no_import_of_our_own_code_inside_a_function():
    """Cycles are solved by layers and signals, never by deferring an import."""
    hidden = []
    for path, module, tree in _modules():
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = _target(module, node, path.name == "__init__.py")
                    if any(name == "app" or name.startswith("app.") for name in names):
                        hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hidden == []


def test_no_domain_imports_another_domains_views():
    """Views are leaves: only create_app (app/__init__.py) registers their blueprints."""
    wrong = []
    for path, module, tree in _modules():
        if module == "app":
            continue
        domain = module.split(".")[1] if module.count(".") else None
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _target(module, node, path.name == "__init__.py"):
                parts = name.split(".")
                is_views = parts[-1] == "views" or parts[-1].endswith("_views")
                if parts[0] == "app" and len(parts) > 2 and is_views and parts[1] != domain:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert wrong == []


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts: layers, forbidden imports, no cycles."""
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.fail("lint-imports is missing: pip install -e '.[dev]'")
    done = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:]
