"""Vulnerability reports written elsewhere: Trivy and Grype JSON, and CycloneDX VEX statements.

Each is read to its documented shape; the format is recognised by content (Trivy's ``SchemaVersion`` and
``Results``, Grype's ``matches``, CycloneDX's ``bomFormat`` with ``vulnerabilities``), so file names do not
matter. What does not fit is a named problem, never a silent empty report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from wasec.errors import InputError
from wasec.images import Vulnerability
from wasec.model.finding import Problem
from wasec.safe_io import read_text

# VEX analysis states that mean "this CVE does not affect this product" (CycloneDX 1.4+)
NOT_AFFECTED = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})


@dataclass(frozen=True)
class Statement:
    """A VEX statement: a CVE, its state and why, for the packages it names (``refs``; empty: any)."""

    cve: str
    state: str
    justification: str
    refs: tuple[str, ...]
    file: str

    def covers(self, v: Vulnerability) -> bool:
        if v.cve != self.cve and self.cve not in v.title:
            return False
        if not self.refs:
            return True
        base = v.purl.split("?")[0].split("#")[0]
        return any((base and base in ref) or f"/{v.package}@" in ref or ref.endswith(f"/{v.package}") for ref in self.refs)


class ReportError(ValueError):
    """A report whose shape would hide vulnerabilities if read anyway (a list that is not a list)."""


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _items(parent: dict[str, Any], key: str, where: str) -> list[Any]:
    """A list the format defines; any other value is refused, since reading it as empty would pass the gate."""
    v = parent.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise ReportError(f"{where}{key} must be a list, not {type(v).__name__}")
    return v


def _float(v: Any) -> float | None:
    try:
        f = float(v) if v is not None and not isinstance(v, bool) else None
    except (TypeError, ValueError, OverflowError):
        return None
    return f if f is not None and math.isfinite(f) else None


def trivy(doc: dict[str, Any], file: str) -> list[Vulnerability]:
    image = str(doc.get("ArtifactName") or file)
    out = []
    for i, result in enumerate(_items(doc, "Results", "")):
        if not isinstance(result, dict):
            continue
        for v in _items(result, "Vulnerabilities", f"Results[{i}]."):
            if not isinstance(v, dict) or not v.get("VulnerabilityID"):
                continue
            cvss = _dict(v.get("CVSS"))
            scores = [_float(src.get("V3Score")) for src in cvss.values() if isinstance(src, dict)]
            nvd = _dict(cvss.get("nvd"))
            score = _float(nvd.get("V3Score")) or next((s for s in scores if s is not None), None)
            ident = _dict(v.get("PkgIdentifier"))
            out.append(Vulnerability(str(v["VulnerabilityID"]), str(v.get("PkgName", "")), str(v.get("InstalledVersion", "")),
                                     image, str(v.get("Severity", "UNKNOWN")).upper(), score, str(v.get("FixedVersion") or ""),
                                     "trivy", str(v.get("Title") or ""), file=file, purl=str(ident.get("PURL") or "")))
    return out


def _grype_score(vuln: dict[str, Any]) -> float | None:
    best = None
    cvss = vuln.get("cvss")
    for c in cvss if isinstance(cvss, list) else []:
        if isinstance(c, dict) and isinstance(c.get("metrics"), dict):
            s = _float(c["metrics"].get("baseScore"))
            if s is not None and (best is None or str(c.get("version", "")).startswith("3")):
                best = s
    return best


def grype(doc: dict[str, Any], file: str) -> list[Vulnerability]:
    source = _dict(doc.get("source"))
    target = source.get("target")
    image = str(target.get("userInput") if isinstance(target, dict) else target or file)
    out = []
    for m in _items(doc, "matches", ""):
        if not isinstance(m, dict) or not isinstance(m.get("vulnerability"), dict):
            continue
        vuln, art = m["vulnerability"], _dict(m.get("artifact"))
        listed = m.get("relatedVulnerabilities")
        related = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
        cve = str(vuln.get("id", ""))
        if not cve.startswith("CVE-"):  # a GHSA or distribution id: name the CVE it is about when there is one
            cve = next((str(r["id"]) for r in related if str(r.get("id", "")).startswith("CVE-")), cve)
        score = _grype_score(vuln) or next((s for s in map(_grype_score, related) if s is not None), None)
        fix = _dict(vuln.get("fix"))
        versions = fix.get("versions")
        out.append(Vulnerability(cve, str(art.get("name", "")), str(art.get("version", "")), image,
                                 str(vuln.get("severity", "Unknown")).upper(), score, ", ".join(map(str, versions)) if isinstance(versions, list) else "",
                                 "grype", str(vuln.get("id", "")), file=file, purl=str(art.get("purl") or "")))
    return out


def vex(doc: dict[str, Any], file: str) -> list[Statement]:
    out = []
    for i, v in enumerate(_items(doc, "vulnerabilities", "")):
        if not isinstance(v, dict) or not v.get("id") or not isinstance(v.get("analysis"), dict):
            continue
        a = v["analysis"]
        # an affects that cannot be read would widen the statement to every image: refuse it
        refs = tuple(str(x.get("ref")) for x in _items(v, "affects", f"vulnerabilities[{i}].")
                     if isinstance(x, dict) and x.get("ref"))
        out.append(Statement(str(v["id"]), str(a.get("state", "")), str(a.get("justification") or a.get("detail") or ""),
                             refs, file))
    return out


def load(path: str, max_bytes: int = 200 * 1024 * 1024) -> tuple[list[Vulnerability], list[Statement], list[Problem]]:
    """The vulnerabilities or VEX statements of one report, by its content."""
    try:
        doc = orjson.loads(read_text(path, max_bytes))
    except InputError as e:
        return [], [], [Problem(path, str(e))]
    except orjson.JSONDecodeError as e:
        return [], [], [Problem(path, f"not JSON: {e}")]
    if not isinstance(doc, dict):
        return [], [], [Problem(path, "not a Trivy, Grype or CycloneDX VEX report (expected a JSON object)")]
    try:
        if "Results" in doc or "SchemaVersion" in doc:
            return trivy(doc, path), [], []
        if "matches" in doc:
            return grype(doc, path), [], []
        statements = vex(doc, path) if doc.get("bomFormat") == "CycloneDX" else None
    except ReportError as e:
        return [], [], [Problem(path, f"a report that cannot be read whole: {e}")]
    if statements is not None:
        problems = [] if statements or not doc.get("vulnerabilities") else [
            Problem(path, "CycloneDX vulnerabilities without analysis: no VEX statement to apply", kind="warning")]
        return [], statements, problems
    return [], [], [Problem(path, "not a Trivy, Grype or CycloneDX VEX report (no Results, matches or bomFormat)")]
