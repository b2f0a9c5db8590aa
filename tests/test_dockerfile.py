"""No Docker engine runs here, so the Dockerfile is checked by reading it."""

import json
import tomllib
from pathlib import Path

from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent


def _parsed() -> DockerfileParser:
    parser = DockerfileParser()
    parser.content = (ROOT / "Dockerfile").read_text()
    return parser


def _instructions(name: str) -> list[str]:
    return [i["value"] for i in _parsed().structure if i["instruction"] == name]


def test_slim_python_base() -> None:
    assert _parsed().baseimage.startswith("python:3.1")
    assert _parsed().baseimage.endswith("-slim")


def test_installs_the_project_with_every_package_it_ships() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    copied = {source for value in _instructions("COPY") for source in value.split()[:-1]}
    for pattern in packages:
        assert pattern.rstrip("*") in copied, pattern
    assert "pyproject.toml" in copied
    assert "requirements.lock" in copied
    # Installed through the lock, so that the image runs the audited versions.
    assert any(
        run.startswith("pip install --constraint requirements.lock .")
        for run in _instructions("RUN")
    )


def test_runs_as_a_non_root_user() -> None:
    users = _instructions("USER")
    assert users
    assert users[-1] not in ("root", "0")


def test_serves_with_kith_serve_and_checks_health() -> None:
    command = json.loads(_instructions("CMD")[-1])
    assert command[:2] == ["kith", "serve"]
    assert "0.0.0.0" in command
    healthcheck = _instructions("HEALTHCHECK")[-1]
    assert "/healthz" in healthcheck
    assert "KITH_ENVIRONMENT=production" in " ".join(_instructions("ENV"))
