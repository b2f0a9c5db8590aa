"""pip-audit over requirements.lock: no known vulnerability, unless accepted by name with a reason.

Accepted findings are listed in security/accepted-vulnerabilities.txt, one id a line followed by
`#` and why it does not reach Kith. An accepted id that no longer turns up is reported, so the list
does not outlive its reasons.

pip-audit says "could not be audited" and moves on when its vulnerability service does not answer,
which would make a clean report of an audit that never happened. So a canary goes first: a release
with a published advisory must come back with it. When it does not, the audit is reported as
skipped (exit 0), or failed where KITH_REQUIRE_AUDIT=1 says an audit must happen.

Run: .venv/bin/python scripts/audit_dependencies.py  (scripts/test.sh runs it)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
ACCEPTED = ROOT / "security" / "accepted-vulnerabilities.txt"
# Jinja2 2.10 has CVE-2019-10906 (sandbox escape), published in every advisory database.
CANARY = "jinja2==2.10"
SERVICE = os.environ.get("KITH_AUDIT_SERVICE", "pypi")


def pip_audit(requirements: Path) -> list[dict[str, Any]]:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(requirements),
        "--no-deps",  # the lock already names every package
        "--disable-pip",
        "--vulnerability-service",
        SERVICE,
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"pip-audit gave no report (exit {done.returncode}):\n{done.stderr[-2000:]}")
    dependencies: list[dict[str, Any]] = report["dependencies"]
    return dependencies


def accepted_ids() -> set[str]:
    ids = set()
    for line in ACCEPTED.read_text().splitlines():
        vuln_id, _, reason = line.partition("#")
        if vuln_id.strip():
            if not reason.strip():
                sys.exit(f"{ACCEPTED.name}: {vuln_id.strip()} is accepted without a reason")
            ids.add(vuln_id.strip())
    return ids


def service_answers() -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        canary = Path(scratch) / "canary.txt"
        canary.write_text(CANARY + "\n")
        (dependency,) = pip_audit(canary)
    return bool(dependency.get("vulns"))


def main() -> int:
    accepted = accepted_ids()
    if not service_answers():
        message = (
            f"SKIPPED: dependency audit. The {SERVICE} vulnerability service did not report the"
            f" known advisory of {CANARY}, so an audit here would check nothing."
        )
        if os.environ.get("KITH_REQUIRE_AUDIT") == "1":
            print(message.replace("SKIPPED", "FAILED"), file=sys.stderr)
            return 1
        print(message)
        return 0

    dependencies = pip_audit(LOCK)
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    found = [(d, vuln) for d in dependencies for vuln in d.get("vulns", [])]
    # An advisory may be known by several ids (PYSEC-, GHSA-, CVE-); accepting any one will do.
    unaccepted = [(d, v) for d, v in found if not accepted & {v["id"], *v.get("aliases", [])}]
    seen_ids = {alias for _, v in found for alias in (v["id"], *v.get("aliases", []))}
    for dependency in unaudited:
        print(f"not audited: {dependency['name']}: {dependency['skip_reason']}")
    for dependency, vuln in unaccepted:
        fixes = ", ".join(vuln["fix_versions"]) or "no release yet"
        name, version = dependency["name"], dependency["version"]
        print(f"VULNERABLE: {name} {version}: {vuln['id']} (fixed in {fixes})")
    for stale in sorted(accepted - seen_ids):
        print(f"accepted but no longer found, remove it from {ACCEPTED.name}: {stale}")
    audited = len(dependencies) - len(unaudited)
    print(
        f"{audited} of {len(dependencies)} locked packages audited; {len(found)} advisories,"
        f" {len(found) - len(unaccepted)} of them accepted"
    )
    return 1 if unaccepted or unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
