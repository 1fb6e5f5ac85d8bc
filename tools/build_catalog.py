#!/usr/bin/env python3
"""Build src/wasec/data/catalog.json from the framework catalogs (ids, titles, risk levels).

usage: python tools/build_catalog.py [CATALOG_DIR]   (default: ../shared/catalog)

The package ships only what it needs for mappings and the review: Well-Architected Security Pillar
questions and best practices, CIS AWS Foundations v7.0.0 controls, AWS FSBP control ids. Titles are
the frameworks' own; see the README for sources.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "wasec", "data", "catalog.json")


def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def main() -> None:
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "catalog")
    wa, cis, fsbp = (_read(os.path.join(src, n)) for n in ("wa_security_pillar.json", "cis_aws_foundations.json", "aws_fsbp.json"))
    out = {
        "sources": {
            "wa": wa["revision_captured"],
            "cis": cis["benchmarks"][0]["name"],
            "fsbp": fsbp["framework"],
        },
        "wa": {
            "areas": wa["areas"],
            "questions": [
                {
                    "id": q["id"],
                    "area": q["area"],
                    "question": q["question"],
                    "best_practices": [
                        {"id": b["id"], "title": b["title"], "risk": b["risk_if_not_established"], "url": b.get("aws_url", "")}
                        for b in q["best_practices"]
                    ],
                }
                for q in wa["questions"]
            ],
        },
        "cis": {
            "version": cis["benchmarks"][0]["version"],
            "controls": {
                c["id"]: {"title": c["title"], "assessment": c["assessment"], "profile": c["profile"]}
                for c in cis["benchmarks"][0]["controls"]
            },
        },
        "fsbp": {
            c["id"]: {"title": c["title"], "severity": c["severity"], "current": c["fsbp_membership"].startswith("current")}
            for c in fsbp["controls"]
        },
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=0, sort_keys=True)
        fh.write("\n")
    print(f"wrote {OUT}: {sum(len(q['best_practices']) for q in out['wa']['questions'])} best practices, "
          f"{len(out['cis']['controls'])} CIS controls, {len(out['fsbp'])} FSBP controls")


if __name__ == "__main__":
    main()
