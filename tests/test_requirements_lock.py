"""requirements.lock must pin every dependency pyproject.toml names, within its bounds: the venv
and the image install through it and the audit reads it, so a package missing from it would be
installed unpinned and never audited. scripts/lock.sh remakes it."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked_versions() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_dependency_is_pinned_within_its_bounds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = locked_versions()
    unpinned = []
    out_of_bounds = []
    for text in declared:
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            unpinned.append(requirement.name)
        elif not requirement.specifier.contains(version, prereleases=True):
            out_of_bounds.append(f"{requirement.name}=={version} (wants {requirement.specifier})")
    assert unpinned == [], "run scripts/lock.sh"
    assert out_of_bounds == [], "run scripts/lock.sh"
