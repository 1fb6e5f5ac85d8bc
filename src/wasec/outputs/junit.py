"""JUnit XML: one test suite per rule, one test case per resource it checked.

CI systems show a FAIL as a failure, an UNKNOWN as skipped (with the reason), a PASS as passed, and
input problems as errors of a ``wasec.inputs`` suite.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from wasec.model.finding import Finding, Status


def render(scan: Any, **_: Any) -> str:
    suites = ET.Element("testsuites", name="wasec", time=f"{scan.duration:.3f}")
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in scan.findings:
        by_rule[f.rule_id].append(f)
    total_fail = total = 0
    for rule_id in sorted(by_rule):
        items = by_rule[rule_id]
        fails = [f for f in items if f.status is Status.FAIL and f.suppressed is None]
        skipped = [f for f in items if f.status is Status.UNKNOWN or f.suppressed is not None]
        suite = ET.SubElement(suites, "testsuite", name=rule_id, tests=str(len(items)), failures=str(len(fails)),
                              errors="0", skipped=str(len(skipped)))
        for f in items:
            where = f"{f.file}:{f.line}" if f.file else (f.arn or f.resource_id)
            case = ET.SubElement(suite, "testcase", classname=f"{f.resource_type}", name=f"{f.resource_id} ({where})",
                                 file=f.file or "")
            if f.status is Status.FAIL and f.suppressed is None:
                fail = ET.SubElement(case, "failure", message=f.message, type=f.severity.value)
                fail.text = "\n".join([f"{f.title}", f"{where}", *(f"{e.path}: {e.message}" for e in f.evidence)])
            elif f.suppressed is not None:
                ET.SubElement(case, "skipped", message=f"suppressed ({f.suppressed.kind}): {f.suppressed.reason}")
            elif f.status is Status.UNKNOWN:
                ET.SubElement(case, "skipped", message=f"unknown: {f.message}")
        total += len(items)
        total_fail += len(fails)
    if scan.problems:
        suite = ET.SubElement(suites, "testsuite", name="wasec.inputs", tests=str(len(scan.problems)), failures="0",
                              errors=str(sum(1 for p in scan.problems if p.kind == "error")), skipped="0")
        for p in scan.problems:
            case = ET.SubElement(suite, "testcase", classname="input", name=str(p))
            if p.kind == "error":
                ET.SubElement(case, "error", message=p.message).text = str(p)
    coverage = getattr(scan, "coverage", None)
    if coverage is not None:
        cells = coverage.rows()
        suite = ET.SubElement(suites, "testsuite", name="wasec.coverage", tests=str(len(cells)), failures="0",
                              errors="0", skipped=str(len(coverage.gaps())))
        for c in cells:
            case = ET.SubElement(suite, "testcase", classname=f"aws.{c.service}", name=f"{c.service} in {c.account}/{c.region}")
            if c.status != "assessed":
                ET.SubElement(case, "skipped", message=f"{c.status}: {'; '.join(c.reasons)}")
    suites.set("tests", str(total))
    suites.set("failures", str(total_fail))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
