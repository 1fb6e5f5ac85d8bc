"""What every benchmark shares: measuring one command alone, finding wasec, and peers in throwaway virtualenvs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(json.dumps({"wall": wall, "peak_kb": peak, "rc": p.returncode}) + "\n")
sys.stdout.flush()
sys.stdout.buffer.write(p.stdout)
"""


def measure(cmd: list[str], cwd: Path) -> tuple[dict[str, float], bytes]:
    """Run one command in its own process; report wall time and the peak RSS of that command alone."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # users' installs have bytecode
    out = subprocess.run([sys.executable, "-c", MEASURE, str(cwd), *cmd], stdout=subprocess.PIPE, check=True, env=env).stdout
    head, _, body = out.partition(b"\n")
    return json.loads(head), body


def wasec_bin() -> str:
    candidate = Path(sys.executable).parent / "wasec"
    return str(candidate) if candidate.exists() else shutil.which("wasec") or "wasec"


def ensure_venv(venv: Path, packages: list[str], exe: str) -> Path:
    """``venv/bin/exe``, installing ``packages`` into a new virtualenv there on first use (peers stay out of ours)."""
    path = venv / "bin" / exe
    if not path.exists():
        print(f"installing {', '.join(packages)} into {venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *packages], check=True)
    return path
