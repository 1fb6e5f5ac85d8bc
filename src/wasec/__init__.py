"""wasec: the AWS Well-Architected Security Pillar, executable.

One rule set for Terraform, CloudFormation and live accounts. The library API mirrors the CLI::

    from wasec import scan, ScanOptions
    result = scan(ScanOptions(paths=["infra/"]))
    for f in result.failing():
        print(f.rule_id, f.file, f.line, f.message)

Nothing heavy is imported until used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["ScanOptions", "ScanResult", "__version__", "scan"]


def __getattr__(name: str) -> Any:
    if name in ("scan", "ScanOptions", "ScanResult"):
        from wasec import scanning as _scan_module

        return getattr(_scan_module, name)
    raise AttributeError(name)
