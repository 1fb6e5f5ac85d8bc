"""Shared test helpers: write real files, scan them with the real pipeline."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wasec.scanning import ScanOptions, ScanResult, scan


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write({"main.tf": "..."}) → the directory holding the files."""

    def _write(files: dict[str, str | bytes], base: Path | None = None) -> Path:
        root = base or tmp_path
        for name, content in files.items():
            p = root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content)
        return root

    return _write


def scan_paths(*paths: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, **kw: Any) -> ScanResult:
    return scan(ScanOptions(paths=[str(p) for p in paths], root=str(root or paths[0]), **kw))


def statuses(result: ScanResult, rule_id: str) -> list[str]:
    return [f.status.value for f in result.findings if f.rule_id == rule_id]



def ignores_sigpipe(pid: int) -> bool:
    """Whether a running process ignores SIGPIPE (Linux: the SigIgn mask in /proc): a server that does not dies the
    first time it writes to a client that has hung up."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.M).group(1), 16)  # type: ignore[union-attr]
    return bool(mask & (1 << (signal.SIGPIPE - 1)))
