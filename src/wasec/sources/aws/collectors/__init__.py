"""The collectors, one module per group of services; importing them registers them."""

from wasec.sources.aws.collectors import compute, data, databases, ec2, edge, iam, monitoring, s3  # noqa: F401
