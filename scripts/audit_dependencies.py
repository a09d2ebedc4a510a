"""Audit the installed Python packages with pip-audit, honestly.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about each installed package. Where that service
cannot be reached (a CI machine whose package index is a mirror without PyPI's JSON API), pip-audit reports every
package as "could not be audited" and still says "No known vulnerabilities found". This script does not let that pass
as a clean audit: it counts what was really audited and says so.

Exit status:
  1  a known vulnerability that docs/security.md does not accept (IGNORED below), or the service was unreachable
     while EHSSG_REQUIRE_AUDIT=1 (set it wherever the vulnerability data can be reached: release pipelines);
  0  every package audited and clean, or nothing could be audited and the run said so loudly (NOT AUDITED).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Vulnerability ids accepted on purpose, each with its reason in docs/security.md ("Accepted findings").
IGNORED: dict[str, str] = {}


def main() -> int:
    pip_audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    if pip_audit is None:
        print("pip-audit is not installed: pip install -e '.[dev]'", file=sys.stderr)
        return 1
    argv = [pip_audit, "--skip-editable", "--progress-spinner", "off", "--format", "json", "--desc", "off"]
    for vuln_id in IGNORED:
        argv += ["--ignore-vuln", vuln_id]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout + result.stderr, file=sys.stderr)
        print("pip-audit failed to run (see above)", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    # Our own package (installed editable) is not on PyPI: ruff and bandit check it instead.
    dependencies = [d for d in dependencies if "editable" not in (d.get("skip_reason") or "")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    print(f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, {len(skipped)} not audited")
    if vulnerable:
        return 1
    if skipped and not audited:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print("NOT AUDITED: the vulnerability data could not be reached from this machine "
              f"({'; '.join(reasons)}). Run `make audit` where PyPI's JSON API or OSV is reachable.")  # fmt: skip
        return 1 if os.environ.get("EHSSG_REQUIRE_AUDIT") == "1" else 0
    if skipped:
        print("Not audited (not on PyPI or unreachable): " + ", ".join(d["name"] for d in skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
