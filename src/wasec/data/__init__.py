"""Data files wasec ships (catalogs, managed policies, AWS's published ranges), read by name.

A plain path beside this module: importing ``importlib.resources`` costs a one-file scan more than reading does.
"""

from __future__ import annotations

import os

DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def read_bytes(name: str) -> bytes:
    with open(os.path.join(DIRECTORY, name), "rb") as fh:
        return fh.read()


def read_text(name: str) -> str:
    return read_bytes(name).decode("utf-8")
