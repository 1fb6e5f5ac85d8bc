"""Vulnerabilities AWS already found: ECR image scans (basic and enhanced) and Inspector findings for ECR
images, EC2 instances and Lambda functions. Read-only (Describe/List calls through wasec's gateway)."""

from __future__ import annotations

import re
from typing import Any

from wasec.images import Vulnerability
from wasec.model.finding import Problem

_INSPECTOR_TARGET = {"AWS_ECR_CONTAINER_IMAGE": "image", "AWS_EC2_INSTANCE": "ec2", "AWS_LAMBDA_FUNCTION": "lambda"}


def _float(v: Any) -> float | None:
    try:
        return float(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _pages(api: Any, service: str, region: str, op: str, key: str, **params: Any) -> list[Any]:
    """Every item of a nextToken-paginated answer (``key`` a dotted path into each page)."""
    out: list[Any] = []
    token = None
    while True:
        page = api.call(service, region, op, cached=False, **params, **({"nextToken": token} if token else {}))
        items: Any = page
        for part in key.split("."):
            items = items.get(part, {}) if isinstance(items, dict) else {}
        out += items if isinstance(items, list) else []
        token = page.get("nextToken")
        if not token:
            return out


def _package_details(d: dict[str, Any], where: str, severity: str, score: float | None, title: str, source: str,
                     target: str) -> list[Vulnerability]:
    cve = str(d.get("vulnerabilityId", ""))
    cvss = [c for c in d.get("cvss") or [] if isinstance(c, dict)]
    v3 = next((_float(c.get("baseScore")) for c in cvss if str(c.get("version", "")).startswith("3")), None)
    base = v3 if v3 is not None else score
    return [Vulnerability(cve, str(p.get("name", "")), str(p.get("version", "")), where, severity.upper(), base,
                          str(p.get("fixedInVersion") or ""), source, title, target)
            for p in d.get("vulnerablePackages") or [{}] if isinstance(p, dict)]


# every call `wasec images --aws` makes (`wasec permissions --command images` grants exactly these)
CALLS = (("ecr", "DescribeRepositories"), ("ecr", "DescribeImages"), ("ecr", "DescribeImageScanFindings"),
         ("inspector2", "ListFindings"))


def ecr(api: Any, region: str) -> tuple[list[Vulnerability], list[Problem]]:
    from wasec.sources.aws.api import CallError

    out: list[Vulnerability] = []
    problems: list[Problem] = []
    try:
        repos = api.pages("ecr", region, "DescribeRepositories", "repositories")
    except CallError as e:
        return [], [Problem(f"aws:ecr:{region}", f"cannot list ECR repositories: {e.reason}")]
    for repo in repos:
        name = str(repo.get("repositoryName"))
        try:
            images = api.pages("ecr", region, "DescribeImages", "imageDetails", repositoryName=name)
        except CallError as e:
            problems.append(Problem(f"aws:ecr:{region}:{name}", f"cannot list images: {e.reason}"))
            continue
        for img in images:
            digest = str(img.get("imageDigest", ""))
            where = f"{repo.get('repositoryUri', name)}@{digest}"
            try:
                page = api.call("ecr", region, "DescribeImageScanFindings", cached=False, repositoryName=name,
                                imageId={"imageDigest": digest})
            except CallError as e:
                if e.code != "ScanNotFoundException":  # an image never scanned has nothing to report
                    problems.append(Problem(f"aws:ecr:{region}:{name}", f"cannot read scan findings of {digest}: {e.reason}"))
                continue
            scan = page.get("imageScanFindings") or {}
            for f in scan.get("findings") or []:  # basic scanning
                attrs = {a.get("key"): a.get("value") for a in f.get("attributes") or [] if isinstance(a, dict)}
                score = _float(attrs.get("CVSS3_SCORE")) or _float(attrs.get("CVSS2_SCORE"))
                out.append(Vulnerability(str(f.get("name", "")), str(attrs.get("package_name", "")),
                                         str(attrs.get("package_version", "")), where, str(f.get("severity", "UNKNOWN")).upper(),
                                         score, "", "ecr", str(f.get("description") or "")))
            for f in scan.get("enhancedFindings") or []:  # enhanced scanning (Inspector)
                details = f.get("packageVulnerabilityDetails") or {}
                out += _package_details(details, where, str(f.get("severity", "UNKNOWN")), _float(f.get("score")),
                                        str(f.get("title") or ""), "ecr-enhanced", "image")
    return out, problems


_ECR_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):ecr:(?P<region>[\w-]+):(?P<account>\d{12}):repository/(?P<name>.+)/"
                      r"(?P<digest>sha256:[0-9a-f]{64})$")


def _ecr_image(resource: dict[str, Any], region: str) -> str:
    """An ECR image as ECR's own scan names it (``repositoryUri@digest``), so an image Inspector and ECR enhanced
    scanning both report is one image; Inspector names it by an ARN and, in its details, by registry and hash."""
    d = (resource.get("details") or {}).get("awsEcrContainerImage") or {}
    m = _ECR_ARN.match(str(resource.get("id", "")))
    arn = m.groupdict() if m else {}
    account = d.get("registry") or arn.get("account")
    name = d.get("repositoryName") or arn.get("name")
    digest = d.get("imageHash") or arn.get("digest")
    if not (account and name and digest):
        return str(resource.get("id", ""))
    where = resource.get("region") or arn.get("region") or region
    suffix = ".amazonaws.com.cn" if (resource.get("partition") or arn.get("partition")) == "aws-cn" else ".amazonaws.com"
    return f"{account}.dkr.ecr.{where}{suffix}/{name}@{digest}"


def inspector(api: Any, region: str) -> tuple[list[Vulnerability], list[Problem]]:
    from wasec.sources.aws.api import CallError

    criteria = {"findingType": [{"comparison": "EQUALS", "value": "PACKAGE_VULNERABILITY"}],
                "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}
    try:
        findings = _pages(api, "inspector2", region, "ListFindings", "findings", filterCriteria=criteria)
    except CallError as e:
        return [], [Problem(f"aws:inspector2:{region}", f"cannot list Inspector findings: {e.reason}")]
    out: list[Vulnerability] = []
    for f in findings:
        details = f.get("packageVulnerabilityDetails")
        if not isinstance(details, dict):
            continue
        for r in f.get("resources") or [{}]:
            target = _INSPECTOR_TARGET.get(str(r.get("type")), "image")
            where = _ecr_image(r, region) if r.get("type") == "AWS_ECR_CONTAINER_IMAGE" else str(r.get("id", ""))
            out += _package_details(details, where, str(f.get("severity", "UNKNOWN")),
                                    _float(f.get("inspectorScore")), str(f.get("title") or ""), "inspector", target)
    return out, []


def collect(api: Any, regions: list[str]) -> tuple[list[Vulnerability], list[Problem]]:
    """ECR scan findings and Inspector findings in every region; an image in both is reported once per CVE."""
    vulns: list[Vulnerability] = []
    problems: list[Problem] = []
    for region in regions:
        for read in (ecr, inspector):
            got, said = read(api, region)
            vulns += got
            problems += said
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for v in vulns:
        k = (v.cve, v.package, v.version, v.image)
        if k not in seen:
            seen.add(k)
            unique.append(v)
    return unique, problems
