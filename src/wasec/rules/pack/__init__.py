"""The built-in rule pack, one module per topic of the Security Pillar (each rule names its pillar area).

Importing this package registers every rule; a new rule goes in the module of its topic.
"""

from wasec.rules.pack import (  # noqa: F401  (registrations)
    account,
    compute,
    containers,
    credentials,
    data_access,
    data_at_rest,
    data_in_transit,
    databases,
    detection,
    encryption_services,
    identity,
    k8s_access,
    k8s_control_plane,
    k8s_exposure,
    k8s_hardening,
    keys_and_secrets,
    kubernetes,
    network,
    network_firewall,
    patching,
    placement,
    resilience,
    service_access,
    service_logging,
    threat_detection,
    web_protection,
)
