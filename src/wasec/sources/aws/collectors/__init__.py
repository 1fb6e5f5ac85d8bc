"""The collectors, one module per group of services; importing them registers them."""

from wasec.sources.aws.collectors import (  # noqa: F401
    compute,
    data,
    databases,
    ec2,
    edge,
    iam,
    integration,
    monitoring,
    s3,
)
