"""Live AWS accounts as a source: collectors read APIs into the canonical inventory (see spec.py).

boto3 loads only when a live scan runs.
"""

from wasec.sources.aws.runner import AwsCollected, AwsOptions, collect_aws

__all__ = ["AwsCollected", "AwsOptions", "collect_aws"]
