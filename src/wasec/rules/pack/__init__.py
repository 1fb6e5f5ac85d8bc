"""The built-in rule pack, one module per area of the Security Pillar.

Importing this package registers every rule; a new rule goes in the module of its area.
"""

from wasec.rules.pack import (  # noqa: F401  (registrations)
    account,
    compute,
    credentials,
    data_access,
    data_at_rest,
    data_in_transit,
    databases,
    detection,
    identity,
    network,
    patching,
    resilience,
    threat_detection,
    web_protection,
)
