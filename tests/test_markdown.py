"""The pull-request comment: counts, the top findings by risk, grouped by area, and a clean empty case."""

from __future__ import annotations

from pathlib import Path

from wasec.outputs import render
from wasec.scanning import ScanOptions, scan

SG = 'resource "aws_security_group" "s" {\n  description = "x|y"\n  ingress {\n    from_port = 22\n    to_port = 22\n' \
     '    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'


def test_comment_lists_top_risks_grouped_and_counts_the_rest(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SG)
    r = scan(ScanOptions(paths=[str(tmp_path)], root=str(tmp_path)))
    live = sorted((f for f in r.findings if f.counts), key=lambda f: -f.risk)
    text = render("markdown", r, limit=1)
    assert text.startswith(f"### wasec: {len(live)} findings to fix")
    assert "**Infrastructure protection**" in text and "`main.tf:" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(live) >= 2 and len(rows) == 1 and rows[0].split("|")[2].strip() == str(live[0].risk)
    assert f"…and {len(live) - 1} more" in text
    assert all(line.count("|") == 6 for line in rows)  # messages cannot break the table


def test_comment_for_a_clean_scan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {}\n')
    r = scan(ScanOptions(paths=[str(tmp_path)], root=str(tmp_path)))
    assert render("markdown", r).startswith("### wasec: no findings")
