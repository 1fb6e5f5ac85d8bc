#!/usr/bin/env python3
"""Refresh ``src/wasec/data/aws_managed_policies.json.gz``: the AWS managed policies a scan judges by content.

    python tools/build_managed_policies.py

An attachment of an AWS managed policy names it by ARN only; its document is public, published by AWS. wasec
ships the documents of those that give their holder administrator access or a privilege-escalation path
without a condition (a few dozen of the ~1,600), so ``iam-managed-policy-escalation`` judges the attachment by
what the policy grants. The documents come from the copy the AWS emulator package (moto, Apache 2.0 licence)
installs with the dev extra; the analysis that picks them is wasec's own.
"""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "wasec" / "data" / "aws_managed_policies.json.gz"


def main() -> int:
    sys.path.insert(0, str(OUT.parents[2]))
    from wasec.iam.analysis import analyze
    from wasec.iam.policy import parse

    moto = importlib.import_module("moto")
    data = json.loads(importlib.import_module("moto.iam.aws_managed_policies").aws_managed_policies_data)
    chosen = {}
    for name, p in sorted(data.items()):
        a = analyze(parse(p["Document"], name))
        if a.admin or any(not e.conditional for e in a.escalations):
            chosen[name] = {"path": p.get("Path", "/"), "document": p["Document"]}
    doc = {"source": f"AWS managed policies as published by AWS, from moto {moto.__version__} (Apache 2.0 licence)",
           "policies": chosen}
    OUT.write_bytes(gzip.compress(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode(), 9, mtime=0))
    print(f"{OUT}: {len(chosen)} of {len(data)} policies, {OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
