#!/usr/bin/env python3
"""Write docs/rules.md from the rule registry (the SARIF help links point into it)."""

from __future__ import annotations

from pathlib import Path

from wasec.rules.docs import rules_markdown

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    out.write_text(rules_markdown())
    print(f"wrote {out}")
