"""Shape conversions shared by sources that read AWS's own JSON (Terraform, live APIs)."""

from __future__ import annotations

from typing import Any

# mappings whose keys are user data (labels, driver options), not property names
_NO_CAPITALIZE = {"dockerLabels", "options", "systemControls", "secretOptions", "labels"}


def pascal_keys(v: Any, parent: str = "") -> Any:
    """ECS container definitions: the API's camelCase keys → CloudFormation's PascalCase."""
    if isinstance(v, list):
        return [pascal_keys(x, parent) for x in v]
    if isinstance(v, dict):
        if parent in _NO_CAPITALIZE:
            return v
        return {(k[:1].upper() + k[1:]): pascal_keys(x, k) for k, x in v.items()}
    return v


# The partition code is deployed to is known only then, but no verdict depends on it: every rule reads all
# partitions' ARNs alike (arn:aws…, arn:aws-cn…), so the commercial partition's values stand in for it
# (Terraform's data "aws_partition" attributes; CloudFormation's AWS::Partition and AWS::URLSuffix).
PARTITION = {"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}
PSEUDO_PARTITION = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
