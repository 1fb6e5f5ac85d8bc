"""The frameworks rules map to: Well-Architected Security Pillar, CIS AWS Foundations, AWS FSBP.

Loaded lazily from the package's ``data/catalog.json`` (built by ``tools/build_catalog.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from wasec import data as files


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    text = files.read_text("catalog.json")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def best_practices() -> dict[str, dict[str, Any]]:
    """Well-Architected best practices by id, each with its question id."""
    out = {}
    for q in catalog()["wa"]["questions"]:
        for bp in q["best_practices"]:
            out[bp["id"]] = {**bp, "question": q["id"]}
    return out


def questions() -> list[dict[str, Any]]:
    return list(catalog()["wa"]["questions"])


def cis_controls() -> dict[str, dict[str, Any]]:
    return dict(catalog()["cis"]["controls"])


def cis_version() -> str:
    return str(catalog()["cis"]["version"])


def fsbp_controls() -> dict[str, dict[str, Any]]:
    return dict(catalog()["fsbp"])
