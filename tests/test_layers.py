"""DESIGN.md's import rule: api -> services -> models, and never the web framework below api."""

import ast
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
