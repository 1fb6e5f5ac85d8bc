"""AWS managed policies by name: the documents of those worth judging by content (shipped, see
``tools/build_managed_policies.py``), so an attachment by ARN is judged by what the policy grants."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from typing import Any

from wasec import data as files

_ARN = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


@cache
def _shipped() -> dict[str, Any]:
    data = files.read_bytes("aws_managed_policies.json.gz")
    return dict(json.loads(gzip.decompress(data))["policies"])


def name_of(arn: str) -> str | None:
    """The policy name of an AWS managed policy ARN (``arn:aws:iam::aws:policy/service-role/X`` → ``X``)."""
    m = _ARN.match(arn)
    return m.group(1) if m else None


def document(arn: str) -> dict[str, Any] | None:
    """The document of the AWS managed policy ``arn`` names, when wasec ships it (None otherwise)."""
    name = name_of(arn)
    entry = _shipped().get(name) if name else None
    return entry["document"] if entry else None
