"""VEX people can trust: a statement suppresses only the package and version it names, CycloneDX refs resolve
(bom-refs, BOM-links, package URLs), OpenVEX is read, what is not VEX is refused, and statements that match
nothing are named. Documents written to the CycloneDX 1.5 and OpenVEX 0.2 specifications."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_images import TRIVY, _failing, _run, _write
from wasec.images.vex import Purl, image_is, version_in

SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"


def _cdx(statements: list[dict[str, Any]], components: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "serialNumber": SERIAL,
            **({"components": components} if components else {}), "vulnerabilities": statements}


def _xz(ref: str, **extra: Any) -> dict[str, Any]:
    return {"id": "CVE-2024-3094", "analysis": {"state": "not_affected", "justification": "code_not_present"},
            "affects": [{"ref": ref, **extra}]}


def _suppressed(out: dict[str, Any], cve: str) -> Any:
    return next(f["suppressed"] for f in out["findings"] if f["resource_id"].startswith(cve))


def test_a_statement_for_another_version_suppresses_nothing_and_is_named(tmp_path: Path) -> None:
    _write(tmp_path, "trivy.json", TRIVY)
    _write(tmp_path, "vex.json", _cdx([_xz("pkg:deb/debian/xz-utils@9.9.9")]))
    code, out = _run(tmp_path, "trivy.json", "--vex", "vex.json")
    assert code == 1 and "CVE-2024-3094" in _failing(out)
    assert any("xz-utils@9.9.9" in p["message"] and "matched no vulnerability" in p["message"] for p in out["problems"])
    # the right version suppresses
    _write(tmp_path, "vex.json", _cdx([_xz("pkg:deb/debian/xz-utils@5.6.0-0.2?arch=amd64")]))
    code, out = _run(tmp_path, "trivy.json", "--vex", "vex.json")
    assert "CVE-2024-3094" not in _failing(out) and _suppressed(out, "CVE-2024-3094")["kind"] == "vex"
    # and another package of that version does not
    _write(tmp_path, "vex.json", _cdx([_xz("pkg:deb/debian/liblzma5@5.6.0-0.2")]))
    assert "CVE-2024-3094" in _failing(_run(tmp_path, "trivy.json", "--vex", "vex.json")[1])


@pytest.mark.parametrize("versions, suppressed", [
    ([{"version": "5.6.0-0.2", "status": "unaffected"}], True),
    ([{"range": "vers:deb/>=5.6.0|<5.6.1", "status": "unaffected"}], True),
    ([{"range": "vers:deb/<5.6.0", "status": "unaffected"}], False),
    ([{"version": "5.6.1", "status": "unaffected"}], False),
])
def test_affects_versions_and_ranges_narrow_a_statement(tmp_path: Path, versions: list[Any], suppressed: bool) -> None:
    _write(tmp_path, "trivy.json", TRIVY)
    _write(tmp_path, "vex.json", _cdx([_xz("pkg:deb/debian/xz-utils", versions=versions)]))
    out = _run(tmp_path, "trivy.json", "--vex", "vex.json")[1]
    assert ("CVE-2024-3094" not in _failing(out)) is suppressed


def test_bom_links_resolve_against_the_sbom_and_the_reports_bom_refs(tmp_path: Path) -> None:
    # Trivy's SBOM names packages by an opaque bom-ref; its VEX points at them with BOM-links
    uid = "7d1c2e0a-5f0e-4a5e-9c36-0ad5a2d1b111"
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "serialNumber": SERIAL,
            "components": [{"bom-ref": uid, "type": "library", "name": "xz-utils", "version": "5.6.0-0.2",
                            "purl": "pkg:deb/debian/xz-utils@5.6.0-0.2?arch=amd64"}]}
    link = f"urn:cdx:{SERIAL.removeprefix('urn:uuid:')}/1#{uid}"
    _write(tmp_path, "trivy.json", TRIVY)
    _write(tmp_path, "sbom.json", sbom)
    _write(tmp_path, "vex.json", _cdx([_xz(link)]))
    out = _run(tmp_path, "trivy.json", "--vex", "sbom.json", "--vex", "vex.json")[1]
    assert "CVE-2024-3094" not in _failing(out)
    # without the SBOM, the same link is named (it resolves to nothing) and suppresses nothing
    out = _run(tmp_path, "trivy.json", "--vex", "vex.json")[1]
    assert "CVE-2024-3094" in _failing(out)
    assert any(uid in p["message"] and "names no component" in p["message"] for p in out["problems"])
    # a Trivy report that carries the bom-ref (PkgIdentifier.BOMRef) resolves it too
    report = json.loads(json.dumps(TRIVY))
    report["Results"][0]["Vulnerabilities"][0]["PkgIdentifier"]["BOMRef"] = uid
    _write(tmp_path, "trivy.json", report)
    assert "CVE-2024-3094" not in _failing(_run(tmp_path, "trivy.json", "--vex", "vex.json")[1])
    # a BOM-link whose fragment is a package URL (percent-encoded, as the BOM-link specification writes it)
    _write(tmp_path, "trivy.json", TRIVY)
    _write(tmp_path, "vex.json", _cdx([_xz(f"urn:cdx:{SERIAL[9:]}/1#pkg%3Adeb%2Fdebian%2Fxz-utils%405.6.0-0.2")]))
    assert "CVE-2024-3094" not in _failing(_run(tmp_path, "trivy.json", "--vex", "vex.json")[1])


def _openvex(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/web-1", "author": "Platform",
            "timestamp": "2026-11-01T10:00:00Z", "version": 1, "statements": list(statements)}


IMAGE = "pkg:oci/web?repository_url=registry.example.com/shop/web"


def test_openvex_statements_name_the_image_and_the_package(tmp_path: Path) -> None:
    _write(tmp_path, "trivy.json", TRIVY)
    statement = {"vulnerability": {"name": "CVE-2024-3094"}, "status": "not_affected",
                 "justification": "vulnerable_code_not_in_execute_path",
                 "products": [{"@id": IMAGE, "subcomponents": [{"@id": "pkg:deb/debian/xz-utils@5.6.0-0.2"}]}]}
    _write(tmp_path, "web.openvex.json", _openvex(statement))
    out = _run(tmp_path, "trivy.json", "--vex", "web.openvex.json")[1]
    assert "CVE-2024-3094" not in _failing(out)
    assert "vulnerable_code_not_in_execute_path" in _suppressed(out, "CVE-2024-3094")["reason"]
    # the same statement for another image suppresses nothing
    other = json.loads(json.dumps(statement))
    other["products"][0]["@id"] = "pkg:oci/api?repository_url=registry.example.com/shop/api"
    _write(tmp_path, "api.openvex.json", _openvex(other))
    out = _run(tmp_path, "trivy.json", "--vex", "api.openvex.json")[1]
    assert "CVE-2024-3094" in _failing(out)
    # a later statement that says affected wins over an earlier not_affected (v0.0.x shapes: strings)
    later = {"vulnerability": "CVE-2024-3094", "status": "affected", "timestamp": "2026-11-20T10:00:00Z",
             "products": ["pkg:deb/debian/xz-utils@5.6.0-0.2"], "action_statement": "upgrade"}
    _write(tmp_path, "both.openvex.json", _openvex(statement, later))
    assert "CVE-2024-3094" in _failing(_run(tmp_path, "trivy.json", "--vex", "both.openvex.json")[1])


def test_a_report_given_as_vex_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path, "trivy.json", TRIVY)
    code, out = _run(tmp_path, "trivy.json", "--vex", "trivy.json")
    assert code == 2
    assert any("not VEX" in p["message"] for p in out["problems"])
    (tmp_path / "notes.json").write_text('{"hello": "world"}')
    assert _run(tmp_path, "trivy.json", "--vex", "notes.json")[0] == 2


def test_unfixed_and_unscored_vulnerabilities(tmp_path: Path) -> None:
    report = json.loads(json.dumps(TRIVY))
    report["Results"][0]["Vulnerabilities"].append(
        {"VulnerabilityID": "CVE-2026-0001", "PkgName": "libfoo", "InstalledVersion": "1.0", "Severity": "UNKNOWN"})
    _write(tmp_path, "trivy.json", report)
    out = _run(tmp_path, "trivy.json")[1]
    assert "CVE-2026-0001" not in _failing(out) and _suppressed(out, "CVE-2026-0001")["kind"] == "threshold"
    assert "CVE-2026-0001" in _failing(_run(tmp_path, "trivy.json", "--fail-unscored")[1])
    # libnghttp2 has no fix yet: --ignore-unfixed lets it through, xz (fixed upstream) still fails
    out = _run(tmp_path, "trivy.json", "--ignore-unfixed")[1]
    assert set(_failing(out)) == {"CVE-2024-3094"}
    assert "no fix yet" in _suppressed(out, "CVE-2023-44487")["reason"]


@pytest.mark.parametrize("version, spec, inside", [
    ("5.6.0-0.2", "vers:deb/>=5.6.0|<5.6.1", True),
    ("5.6.1", "vers:deb/>=5.6.0|<5.6.1", False),
    ("1:1.2.13", "vers:deb/<1:1.3", True),
    ("1:1.2.13", "vers:deb/<1.3", False),  # an epoch outranks every version without one
    ("2.0~rc1", "vers:generic/<2.0", True),  # '~' sorts before the release
    ("2.14.1", "vers:maven/>=2.0|<2.15.0|>=2.16|<2.17", True),
    ("2.15.5", "vers:maven/>=2.0|<2.15.0|>=2.16|<2.17", False),
    ("3.0.2", "vers:generic/*", True),
    ("3.0.2", "vers:generic/!=3.0.2", False),
    ("3.0.2", "3.0.2", True),
])
def test_version_ranges(version: str, spec: str, inside: bool) -> None:
    assert version_in(version, spec) is inside


def test_package_urls_and_images() -> None:
    p = Purl.parse("pkg:oci/web@sha256%3Aabc?repository_url=registry.example.com/shop/web&tag=1.4.2")
    assert p is not None and p.name == "web" and p.version == "sha256:abc"
    assert image_is("registry.example.com/shop/web@sha256:abc", p)
    assert not image_is("registry.example.com/shop/web:1.4.2", p)  # a tag may have moved: not the image stated
    assert not image_is("registry.example.com/other/web@sha256:abc", p)
    assert Purl.parse("not a purl") is None and Purl.parse("pkg:deb") is None
