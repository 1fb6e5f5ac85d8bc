"""Secure-by-default building blocks a team adopts: Terraform modules and CloudFormation templates.

They ship as files with the package (``baseline/terraform/<block>/`` and
``baseline/cloudformation/<block>.yaml``), parameterised in their own language, so what
``wasec init baseline`` writes is exactly what the tests scan, lint and deploy.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

FORMATS = ("terraform", "cloudformation")
BLOCKS = ("s3-bucket", "kms-key", "vpc", "log-archive", "detective", "account")


def _root(fmt: str) -> Traversable:
    return resources.files("wasec.foundations").joinpath("baseline", fmt)


def blocks(fmt: str) -> list[str]:
    """The blocks a format offers (CloudFormation has no resource for the account-wide settings)."""
    root = _root(fmt)
    if fmt == "terraform":
        return [b for b in BLOCKS if root.joinpath(b).is_dir()]
    return [b for b in BLOCKS if root.joinpath(f"{b}.yaml").is_file()]


def files(fmt: str, chosen: list[str] | None = None) -> dict[str, str]:
    """Relative path → text of every file of the chosen blocks (all by default), and the README."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})")
    offered = blocks(fmt)
    unknown = [b for b in chosen or [] if b not in offered]
    if unknown:
        raise ValueError(f"no {fmt} baseline named {', '.join(unknown)} (there are: {', '.join(offered)})")
    root = _root(fmt)
    out = {"README.md": root.joinpath("README.md").read_text(encoding="utf-8")}
    for b in chosen or offered:
        if fmt == "terraform":
            for f in sorted(root.joinpath(b).iterdir(), key=lambda t: t.name):
                if f.name.endswith(".tf"):
                    out[f"{b}/{f.name}"] = f.read_text(encoding="utf-8")
        else:
            out[f"{b}.yaml"] = root.joinpath(f"{b}.yaml").read_text(encoding="utf-8")
    return out
