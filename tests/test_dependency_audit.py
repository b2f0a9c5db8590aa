"""The dependency audit's verdicts, given pip-audit's reports (no vulnerability service answers
here, so the reports are pip-audit's JSON shape, written out)."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
CANARY_FOUND = [{"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217"}]}]
CANARY_UNAUDITED = [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"}]


def load_audit(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    canary: list[dict[str, Any]],
    lock: list[dict[str, Any]],
    accepted: str = "",
) -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    accepted_file = tmp_path / "accepted.txt"
    accepted_file.write_text(accepted)
    monkeypatch.setattr(module, "ACCEPTED", accepted_file)
    monkeypatch.setattr(
        module, "pip_audit", lambda requirements: lock if requirements == module.LOCK else canary
    )
    return module


def advisory(vuln_id: str, *aliases: str) -> dict[str, Any]:
    return {"id": vuln_id, "aliases": list(aliases), "fix_versions": ["9.9"]}


def test_a_clean_lock_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean = [{"name": "httpx", "version": "0.28.1", "vulns": []}]
    assert load_audit(monkeypatch, tmp_path, CANARY_FOUND, clean).main() == 0


def test_an_advisory_not_accepted_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lock = [{"name": "h11", "version": "0.14", "vulns": [advisory("GHSA-1", "CVE-2025-1")]}]
    assert load_audit(monkeypatch, tmp_path, CANARY_FOUND, lock).main() == 1


def test_an_advisory_accepted_by_any_alias_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lock = [{"name": "h11", "version": "0.14", "vulns": [advisory("GHSA-1", "CVE-2025-1")]}]
    accepted = "CVE-2025-1  # chunked bodies never reach h11 behind the proxy\n"
    assert load_audit(monkeypatch, tmp_path, CANARY_FOUND, lock, accepted).main() == 0


def test_accepting_without_a_reason_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    audit = load_audit(monkeypatch, tmp_path, CANARY_FOUND, [], accepted="CVE-2025-1\n")
    with pytest.raises(SystemExit, match="without a reason"):
        audit.main()


def test_a_package_that_could_not_be_audited_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lock = [{"name": "kith-private", "skip_reason": "Dependency not found on PyPI"}]
    assert load_audit(monkeypatch, tmp_path, CANARY_FOUND, lock).main() == 1


def test_a_silent_service_is_a_skip_unless_an_audit_is_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean: list[dict[str, Any]] = []
    audit = load_audit(monkeypatch, tmp_path, CANARY_UNAUDITED, clean)
    assert audit.main() == 0
    assert "SKIPPED: dependency audit" in capsys.readouterr().out
    monkeypatch.setenv("KITH_REQUIRE_AUDIT", "1")
    assert audit.main() == 1
