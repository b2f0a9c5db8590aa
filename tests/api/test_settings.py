import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import AuthSettings, Settings

KITH = str(Path(sys.executable).parent / "kith")


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(environment="production")


def test_production_accepts_a_real_secret() -> None:
    secret = "x8Jq2vR7mN4pL9sT1wZ6yB3cF5hK0gD8"
    settings = Settings(environment="production", auth=AuthSettings(jwt_secret=secret))
    assert settings.auth.tokens().secret == secret


def test_environment_variables_configure_nested_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://kith@db/kith")
    monkeypatch.setenv("KITH_AUTH__ACCESS_TTL_S", "120")
    monkeypatch.setenv("KITH_HTTP__MAX_BODY_BYTES", "4096")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://kith@db/kith"
    assert settings.auth.access_ttl_s == 120
    assert settings.http.max_body_bytes == 4096


def test_one_variable_changes_one_setting_of_a_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITH_CRISIS__CRISIS__FIRST_WAVE", "3")

    policy = Settings().crisis.policy()

    assert policy.crisis.first_wave == 3
    assert policy.crisis.interval.total_seconds() == 300  # the crisis pace's own default
    assert policy.normal.first_wave == 3
    assert policy.normal.interval.total_seconds() == 900


def test_the_command_refuses_to_start_misconfigured(tmp_path: Path) -> None:
    result = subprocess.run(
        [KITH, "migrate"],
        env={"KITH_ENVIRONMENT": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "KITH_AUTH__JWT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "kith.db").exists()


def test_configuration_errors_do_not_echo_secrets(tmp_path: Path) -> None:
    result = subprocess.run(
        [KITH, "migrate"],
        env={
            "KITH_ENVIRONMENT": "production",
            "KITH_AUTH__JWT_SECRET": "tooshort-but-secret",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "tooshort-but-secret" not in result.stderr + result.stdout


def test_demo_is_refused_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [KITH, "serve", "--demo"],
        env={
            "KITH_ENVIRONMENT": "production",
            "KITH_AUTH__JWT_SECRET": "x8Jq2vR7mN4pL9sT1wZ6yB3cF5hK0gD8",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "not in production" in result.stderr
    assert not (tmp_path / "kith.db").exists()
