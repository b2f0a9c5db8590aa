"""DESIGN.md's import rule: api -> services -> models, and never the web framework below api."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "models": {"api", "services", "fastapi", "starlette"},
    "services": {"api", "fastapi", "starlette"},
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_downwards(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no source found in {layer}/"
    broken = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & FORBIDDEN[layer])
        for path in files
        if _imported_roots(path) & FORBIDDEN[layer]
    }
    assert broken == {}


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from fastapi import Depends\nimport api.deps\n")
    assert {"fastapi", "api"} <= _imported_roots(sample)


IMPORT_EACH_FIRST = """
import importlib, pkgutil, sys, traceback
import services
names = sorted(m.name for m in pkgutil.iter_modules(services.__path__))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m.startswith("services.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module("services." + name)
    except ImportError:
        failed.append(name + ": " + traceback.format_exc().splitlines()[-1])
print("\\n".join(failed))
"""


def test_every_service_module_imports_when_it_is_imported_first() -> None:
    """An import cycle shows only when a module in it is the first imported: a benchmark
    importing candidates first once failed although every test passed."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_FIRST], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
