"""A deployment zip for the Lambda entry point, built from this installation.

It holds wasec and the two libraries the handler imports that Lambda's Python runtime lacks (orjson
and PyYAML); boto3 is in the runtime already. Compiled parts are this interpreter's: build on
the Python version and CPU architecture the function runs (python3.11 on x86_64 or arm64).
"""

from __future__ import annotations

import os
import platform
import sys
import zipfile
from importlib import import_module

PACKAGES = ("wasec", "orjson", "yaml")


def build(path: str) -> tuple[int, str]:
    """Write the zip; returns (files written, the runtime it is for)."""
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in PACKAGES:
            mod = import_module(name)
            root = os.path.dirname(mod.__file__ or "")
            base = os.path.dirname(root)
            for d, dirs, files in os.walk(root):
                dirs[:] = [x for x in dirs if x != "__pycache__"]
                for f in files:
                    if f.endswith((".pyc", ".pyo")):
                        continue
                    full = os.path.join(d, f)
                    z.write(full, os.path.relpath(full, base))
                    n += 1
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor} on {platform.machine()}"
    return n, runtime
