"""Vulnerability reports written elsewhere: Trivy and Grype JSON, CycloneDX (VEX and SBOMs) and OpenVEX.

Each is read to its documented shape; the format is recognised by content (Trivy's ``SchemaVersion`` and
``Results``, Grype's ``matches``, CycloneDX's ``bomFormat``, OpenVEX's ``@context``), so file names do not
matter. What does not fit is a named problem, never a silent empty report. Reading is in two steps:
every file first (:func:`load`), then the VEX statements (:func:`statements`), whose CycloneDX refs
resolve against every document and report read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import orjson

from wasec.errors import InputError
from wasec.images import Vulnerability, vex
from wasec.model.finding import Problem
from wasec.safe_io import read_text


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
                                     "trivy", str(v.get("Title") or ""), file=file, purl=str(ident.get("PURL") or ""),
                                     bom_ref=str(ident.get("BOMRef") or "")))
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


@dataclass
class Loaded:
    """One file as read: its vulnerabilities, or the VEX document it is, or what is wrong with it."""

    path: str
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    doc: dict[str, Any] | None = None  # a CycloneDX or OpenVEX document
    kind: str = ""  # trivy | grype | cyclonedx | openvex | "" (unreadable)
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_vex(self) -> bool:
        return self.kind in ("cyclonedx", "openvex")


def load(path: str, max_bytes: int = 200 * 1024 * 1024) -> Loaded:
    """One report or VEX document, recognised by its content."""
    try:
        doc = orjson.loads(read_text(path, max_bytes))
    except InputError as e:
        return Loaded(path, problems=[Problem(path, str(e))])
    except orjson.JSONDecodeError as e:
        return Loaded(path, problems=[Problem(path, f"not JSON: {e}")])
    if not isinstance(doc, dict):
        return Loaded(path, problems=[Problem(path, f"{_NOT_ONE} (expected a JSON object)")])
    try:
        if "Results" in doc or "SchemaVersion" in doc:
            return Loaded(path, trivy(doc, path), kind="trivy")
        if "matches" in doc:
            return Loaded(path, grype(doc, path), kind="grype")
        if doc.get("bomFormat") == "CycloneDX":
            for i, v in enumerate(_items(doc, "vulnerabilities", "")):
                if isinstance(v, dict):
                    _items(v, "affects", f"vulnerabilities[{i}].")  # refused, not read as "every package"
            return Loaded(path, doc=doc, kind="cyclonedx")
        if vex.is_openvex(doc):
            _items(doc, "statements", "")
            return Loaded(path, doc=doc, kind="openvex")
    except ReportError as e:
        return Loaded(path, problems=[Problem(path, f"a report that cannot be read whole: {e}")])
    return Loaded(path, problems=[Problem(path, f"{_NOT_ONE} (no Results, matches, bomFormat or OpenVEX @context)")])


_NOT_ONE = "not a Trivy, Grype, CycloneDX or OpenVEX report"


def statements(loaded: list[Loaded]) -> tuple[list[vex.Statement], list[Problem]]:
    """The VEX statements of every VEX document read, refs resolved against everything read."""
    index = vex.Index()
    for item in loaded:
        if item.kind == "cyclonedx" and item.doc is not None:
            index.add(item.doc)
        index.report_refs.update(v.bom_ref for v in item.vulnerabilities if v.bom_ref)
    out: list[vex.Statement] = []
    problems: list[Problem] = []
    for item in loaded:
        if item.doc is None:
            continue
        if item.kind == "cyclonedx":
            items = item.doc.get("vulnerabilities") or []
            said = vex.cyclonedx(item.doc, item.path, index, items)
            if items and not said:
                problems.append(Problem(item.path, "CycloneDX vulnerabilities without analysis: no VEX statement to "
                                                   "apply", kind="warning"))
        else:
            said = vex.openvex(item.doc, item.path, item.doc.get("statements") or [])
        for s in said:
            for ref in s.unresolved:
                problems.append(Problem(item.path, f"VEX statement for {s.cve}: {ref} names no component of the "
                                                   "documents read and is not a package URL (it applies to nothing)",
                                        kind="warning"))
            if not s.products and not s.unresolved:
                problems.append(Problem(item.path, f"VEX statement for {s.cve} names no product (it applies to nothing)",
                                        kind="warning"))
        out += said
    return out, problems
