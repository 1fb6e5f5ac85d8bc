"""Every detector on true and false cases (tests/secrets/cases.yaml), with values generated at test time."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.secrets.tokens import Tokens
from wasec.secrets.detectors import DETECTORS
from wasec.secrets.engine import scan_bytes
from wasec.secrets.files import extension
from wasec.secrets.generic import CODE

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
PLACE = re.compile(r"\{([a-z0-9_]+)(?:#(\d))?\}")


def render(case: dict[str, Any], tokens: Tokens) -> str:
    if "pem" in case:
        return "\n".join(tokens.pem(case["pem"])) + "\n"
    if "pem_json" in case:
        key = "\\n".join(tokens.pem(case["pem_json"])) + "\\n"
        return '{\n  "type": "service_account",\n  "private_key": "' + key + '",\n  "client_email": "x@p.iam.gserviceaccount.com"\n}\n'
    if "pem_yaml" in case:
        return "tls:\n  key: |\n" + "".join(f"    {line}\n" for line in tokens.pem(case["pem_yaml"]))
    cache: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        key = m.group(0)
        if key not in cache:
            cache[key] = tokens.value(m.group(1))
        return cache[key]

    # "{{ x }}" and "${{ x }}" are templates the cases mean literally
    parts = re.split(r"(\$?\{\{.*?\}\})", case["text"])
    return "".join(p if p.startswith(("{{", "${{")) else PLACE.sub(sub, p) for p in parts)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    text = render(case, Tokens(zlib.crc32(case["name"].encode())))
    hits = sorted(scan_bytes(text.encode(), extension(case["file"]) in CODE), key=lambda h: (h.line, h.column))
    assert [h.detector for h in hits] == case["expect"], [(h.detector, h.line, h.why) for h in hits]
    if "lines" in case:
        assert [h.line for h in hits] == case["lines"]
    if "confidence" in case:
        assert {h.confidence for h in hits} == {case["confidence"]}
    flat = re.sub(r"\s|\\n", "", text)
    for h in hits:  # the reported value is in the text at the reported place (PEM: the body after the header)
        line = text.split("\n")[h.line - 1]
        assert h.value in (text if h.detector != "private-key" else flat)
        assert 1 <= h.column <= len(line)


def test_every_detector_has_a_true_case() -> None:
    found = {d for c in CASES for d in c["expect"]}
    assert {d.id for d in DETECTORS} - found == set()
