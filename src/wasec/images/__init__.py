"""Image vulnerabilities: ECR and Inspector findings (live), Trivy and Grype reports, CycloneDX and OpenVEX
(offline), through one gate: a CVSS threshold, exceptions by CVE with expiry, history and every output."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY_SCORE = {"CRITICAL": 9.0, "HIGH": 7.0, "MEDIUM": 4.0, "LOW": 0.1, "NEGLIGIBLE": 0.0, "INFORMATIONAL": 0.0,
                  "UNKNOWN": None, "UNTRIAGED": None}


@dataclass(frozen=True)
class Vulnerability:
    """One CVE in one package of one image (or instance, or function)."""

    cve: str
    package: str
    version: str
    image: str  # image reference, ECR repository@digest, EC2 instance or Lambda function
    severity: str  # CRITICAL | HIGH | MEDIUM | LOW | UNKNOWN, as the scanner said
    cvss: float | None  # base score (v3 when the scanner has one)
    fixed: str = ""  # the version that fixes it ("" when none yet)
    source: str = ""  # trivy | grype | ecr | ecr-enhanced | inspector
    title: str = ""
    target: str = "image"  # image | ec2 | lambda
    file: str | None = None  # the report it came from
    purl: str = ""  # the package URL, when the scanner gives one (VEX statements name packages by it)
    bom_ref: str = ""  # the package's bom-ref in the scanner's SBOM (Trivy), which CycloneDX VEX BOM-links name

    @property
    def score(self) -> float | None:
        """The CVSS score, or the severity's lower bound when the scanner gave none."""
        return self.cvss if self.cvss is not None else SEVERITY_SCORE.get(self.severity.upper())

    @property
    def key(self) -> str:
        """The finding's resource id: exceptions match it (``CVE-2024-3094/*`` excepts that CVE everywhere)."""
        return f"{self.cve}/{self.package}@{self.version}/{self.image}"
