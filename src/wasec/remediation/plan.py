"""``wasec fix``: from failing findings to a reviewed change of the user's own files.

1. Each failing, unsuppressed finding of a rule with a mechanical fix (:mod:`.fixes`) becomes an
   edit of the file and resource it names (:mod:`.hcl_edit`, :mod:`.cfn_edit`); a resource declared
   once with ``count``/``for_each`` is edited once for all its instances.
2. The edited files are scanned again in a scratch copy of their directory: an edit is *verified*
   when the rule no longer fails there. An edit that does not cure its finding is dropped, and said.
3. The plan is a unified diff per file. Nothing is written unless asked (``apply``).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Finding, Status
from wasec.remediation.cfn_edit import set_property
from wasec.remediation.fixes import FIXES, Fix
from wasec.remediation.hcl_edit import EditError, find_resource, set_attribute

_TF_ADDRESS = re.compile(r"(?:^|\.)([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[[^\]]*\])?$")


@dataclass
class Item:
    finding: Finding
    fix: Fix
    file: str  # as the finding names it (relative to the scan root)
    status: str = "planned"  # planned | verified | not-fixed | no-edit
    reason: str = ""


@dataclass
class Plan:
    root: str
    items: list[Item] = field(default_factory=list)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (before, after)

    @property
    def ready(self) -> list[Item]:
        return [i for i in self.items if i.status == "verified"]

    def diff(self) -> str:
        out: list[str] = []
        for file, (before, after) in sorted(self.texts.items()):
            if before != after:
                out += difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            f"a/{file}", f"b/{file}")
        return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in out)

    def file_diff(self, file: str) -> str:
        before, after = self.texts[file]
        return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            f"a/{file}", f"b/{file}"))


def _edit(text: str, path: str, f: Finding, fix: Fix) -> str:
    if f.source == "terraform":
        m = _TF_ADDRESS.search(f.resource_id)
        if m is None:
            raise EditError(f"cannot tell the Terraform resource from {f.resource_id}")
        target = fix.for_terraform(m.group(1))
        if target is None:
            raise EditError(f"no mechanical fix for {m.group(1)}")
        return set_attribute(text, find_resource(text, m.group(1), m.group(2)), target[0], target[1])
    if f.source == "cloudformation":
        from wasec.sources.documents import load_json, load_yaml

        target_c = fix.for_cloudformation(f.resource_type)
        if target_c is None:
            raise EditError(f"no mechanical fix for {f.resource_type}")
        is_json = text.lstrip()[:1] == "{"
        _, lines = load_json(text) if is_json else load_yaml(text)  # the text as edited so far, not the file
        return set_property(text, lines, f.resource_id, target_c[0], target_c[1], is_json=is_json)
    raise EditError(f"{f.source} findings are not edited (change the source they come from)")


def make(findings: Iterable[Finding], root: str) -> Plan:
    """Edits for every failing finding with a mechanical fix, not yet verified."""
    plan = Plan(root)
    done: set[tuple[str, str, str]] = set()
    chosen = [f for f in findings if f.status is Status.FAIL and f.suppressed is None and f.rule_id in FIXES and f.file]
    # bottom-up within a file, so an insertion never moves a place still to be edited
    chosen.sort(key=lambda f: (f.file or "", -(f.resource_line or f.line or 0)))
    for f in chosen:
        assert f.file is not None
        item = Item(f, FIXES[f.rule_id], f.file)
        plan.items.append(item)
        declared = _TF_ADDRESS.search(f.resource_id)
        key = (f.file, f.rule_id, declared.group(0).split("[")[0] if declared and f.source == "terraform" else f.resource_id)
        if key in done:
            item.status, item.reason = "planned", "same declaration as another instance"
            continue
        path = f.file if os.path.isabs(f.file) else os.path.join(root, f.file)
        try:
            before = plan.texts[f.file][1] if f.file in plan.texts else open(path, encoding="utf-8").read()  # noqa: SIM115
            after = _edit(before, path, f, item.fix)
        except (EditError, OSError, UnicodeDecodeError) as e:
            item.status, item.reason = "no-edit", str(e)
            continue
        done.add(key)
        original = plan.texts[f.file][0] if f.file in plan.texts else before
        plan.texts[f.file] = (original, after)
    return plan


def verify(plan: Plan, scan_options: Any = None) -> Plan:
    """Scan each edited file's directory in a scratch copy; keep the edits that cure their finding."""
    from wasec.scanning import ScanOptions, scan

    by_dir: dict[str, list[str]] = {}
    for file in plan.texts:
        by_dir.setdefault(os.path.dirname(file), []).append(file)
    still: set[tuple[str, str, str]] = set()
    for directory, files in by_dir.items():
        src = os.path.join(plan.root, directory)
        with tempfile.TemporaryDirectory(prefix="wasec-fix-") as tmp:
            copy = os.path.join(tmp, "d")
            shutil.copytree(src, copy, ignore=shutil.ignore_patterns(".git", ".terraform", ".wasec"), symlinks=True)
            for file in files:
                with open(os.path.join(copy, os.path.basename(file)), "w", encoding="utf-8") as fh:
                    fh.write(plan.texts[file][1])
            rules = sorted({i.finding.rule_id for i in plan.items})
            opts = ScanOptions(paths=[copy], root=copy, rules=rules, secrets=False, config_dir=tmp,
                               **({k: getattr(scan_options, k) for k in ("tf_vars", "tf_var_files", "cfn_params")}
                                  if scan_options is not None else {}))
            for f in scan(opts).findings:
                if f.status is Status.FAIL:
                    still.add((os.path.join(directory, f.file or "") if directory else f.file or "", f.rule_id,
                               _declared(f)))
    for item in plan.items:
        if item.status != "planned":
            continue
        if item.file not in plan.texts:
            item.status, item.reason = "no-edit", "no edit was made"
        elif (item.file, item.finding.rule_id, _declared(item.finding)) in still:
            item.status, item.reason = "not-fixed", "the rule still fails after the edit (the value may come from elsewhere)"
        else:
            item.status = "verified"
    # a file whose edits all failed verification is left as it was
    for file in list(plan.texts):
        if not any(i.file == file and i.status == "verified" for i in plan.items):
            del plan.texts[file]
    return plan


def _declared(f: Finding) -> str:
    m = _TF_ADDRESS.search(f.resource_id) if f.source == "terraform" else None
    return f"{m.group(1)}.{m.group(2)}" if m else f.resource_id


def apply(plan: Plan) -> list[str]:
    """Write the verified edits; returns the files written."""
    written = []
    for file, (_, after) in sorted(plan.texts.items()):
        path = file if os.path.isabs(file) else os.path.join(plan.root, file)
        tmp = path + ".wasec-fix"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(after)
        os.replace(tmp, path)  # whole or not at all
        written.append(file)
    return written
