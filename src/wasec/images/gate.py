"""The gate: vulnerabilities at or above a CVSS threshold are failing findings, like any rule's.

VEX statements that say a CVE does not affect a package at the version found suppress its finding (with
the statement's justification, see :mod:`wasec.images.vex`); what the gate lets through (below the
threshold, unfixed when asked, unscored) stays a finding, suppressed with the reason; exceptions in ``.wasec/exceptions.yml`` match the finding's resource id
``CVE/package@version/image`` (``resource: CVE-2024-3094/*`` excepts a CVE everywhere, with an
expiry). The result is a scan result, so every output, the history and the exit codes work on it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from wasec.images import Vulnerability
from wasec.images.vex import Statement, deciding
from wasec.model.finding import Evidence, Finding, Problem, Severity, Status, Suppression
from wasec.model.resource import Inventory
from wasec.rules.registry import Rule

RULE = Rule(
    id="image-vulnerability", title="Images, instances and functions carry no known vulnerability above the threshold",
    severity=Severity.HIGH, types=("Wasec::Image::Vulnerability",), check=lambda r: None, area="infrastructure",
    category="hardening", wa=("SEC06-BP01", "SEC11-BP02"),
    why="A known, exploitable vulnerability in a package that ships is the easiest way in; the pillar asks that "
        "images be scanned and that what is above the threshold never reaches an environment.",
    fix="Upgrade the package to the fixed version (rebuild on a patched base image), or record a VEX statement or an "
        "exception with an expiry when the vulnerable code is not reachable.",
    fix_example="exceptions:\n  - rule: image-vulnerability\n    resource: CVE-2023-44487/*\n"
                "    justification: HTTP/2 is not exposed\n    owner: platform@example.com\n    expires: 2027-03-31",
    fix_example_lang="yaml", scope="live")

_SEVERITY = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}


def _severity(v: Vulnerability) -> Severity:
    s = v.score
    if s is None:
        return _SEVERITY.get(v.severity.upper(), Severity.MEDIUM)
    return Severity.CRITICAL if s >= 9 else Severity.HIGH if s >= 7 else Severity.MEDIUM if s >= 4 else Severity.LOW


@dataclass(frozen=True)
class Gate:
    """What fails: a score at or above ``threshold``; ``ignore_unfixed`` lets vulnerabilities with no fix yet pass;
    ``fail_unscored`` fails those with neither a score nor a severity (by default they are named, not failed)."""

    threshold: float = 7.0
    ignore_unfixed: bool = False
    fail_unscored: bool = False


def _below(v: Vulnerability, gate: Gate) -> str | None:
    """Why ``v`` does not fail the gate (None: it does)."""
    score = v.score
    if score is None and not gate.fail_unscored:
        return "no score and no severity from the scanner (--fail-unscored fails these)"
    if score is not None and score < gate.threshold:
        return f"below the gate: CVSS {score:.1f} < {gate.threshold:g}"
    if gate.ignore_unfixed and not v.fixed:
        return "no fix yet (--ignore-unfixed)"
    return None


def findings(vulns: list[Vulnerability], gate: Gate, statements: list[Statement]) -> tuple[list[Finding], int, set[int]]:
    """(findings, how many do not fail the gate, the indexes of the statements that decided a vulnerability).

    Every vulnerability is a finding: those the gate lets through are suppressed with the reason (kind
    ``threshold``), so JSON and SARIF still list them without failing."""
    out: list[Finding] = []
    below = 0
    used: set[int] = set()
    seen: set[str] = set()
    for v in vulns:
        if v.key in seen:
            continue
        seen.add(v.key)
        score = v.score
        statement = deciding(v, statements)
        if statement is not None:
            used.add(statements.index(statement))
        passed = _below(v, gate)
        below += passed is not None
        if statement is not None and statement.not_affected:
            suppressed: Suppression | None = Suppression(
                "vex", f"{statement.state}: {statement.justification}".rstrip(": "), source=statement.file)
        elif passed is not None:
            suppressed = Suppression("threshold", passed)
        else:
            suppressed = None
        fixed = f"; fixed in {v.fixed}" if v.fixed else "; no fix yet"
        message = (f"{v.cve} ({'CVSS ' + format(score, '.1f') if v.cvss is not None else v.severity.lower()}) in "
                   f"{v.package} {v.version}{fixed}")
        sev = _severity(v)
        out.append(Finding(
            RULE.id, Status.FAIL, sev, RULE.title, "Wasec::Image::Vulnerability", v.key, message, v.source,
            file=v.file, arn=v.image if v.image.startswith("arn:") else None,
            evidence=(Evidence("package", {"cve": v.cve, "package": v.package, "version": v.version, "fixed": v.fixed,
                                           "cvss": v.cvss, "severity": v.severity, "image": v.image, "target": v.target,
                                           **({"purl": v.purl} if v.purl else {})},
                               v.title),),
            fingerprint=hashlib.sha256(f"{RULE.id}:{v.key}".encode()).hexdigest()[:32],
            impact=min(5, max(1, round((score or 5.0) / 2))), likelihood=4 if v.fixed else 3,
            suppressed=suppressed))
    return out, below, used


def result(vulns: list[Vulnerability], statements: list[Statement], problems: list[Problem], gate: Gate,
           config: Any, root: str, started: float, what: str) -> Any:
    """A scan result of the gate's findings, exceptions applied; each VEX statement that decided nothing is named."""
    from wasec.findings.exceptions import apply_exceptions
    from wasec.scanning import ScanResult

    found, below, used = findings(vulns, gate, statements)
    unused = [Problem(s.file, f"VEX statement {s.describe()} ({s.state}) matched no vulnerability in the reports",
                      kind="warning") for i, s in enumerate(statements) if i not in used and s.products]
    found, refused = apply_exceptions(found, config, root, inline=False)
    found.sort(key=lambda f: (f.suppressed is not None, -f.severity.rank, f.resource_id))
    images = len({v.image for v in vulns})
    return ScanResult(found, problems + unused + refused, Inventory(), [RULE], root, started, time.time() - started, 0,
                      config, what=f"{what}: {images} image(s), {len(vulns)} vulnerabilities, {below} below CVSS "
                                   f"{gate.threshold:g}" + (" or unfixed" if gate.ignore_unfixed else ""))
