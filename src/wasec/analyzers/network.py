"""Network rules: who a rule admits, and on which ports."""

from __future__ import annotations

import ipaddress
from typing import Any

from wasec.model.values import Unknown

ANYWHERE = ("0.0.0.0/0", "::/0")
ADMIN_PORTS = {22: "SSH", 3389: "RDP", 23: "Telnet", 5985: "WinRM", 5986: "WinRM over TLS"}
DATABASE_PORTS = {
    1433: "SQL Server", 1521: "Oracle", 3306: "MySQL", 5432: "PostgreSQL", 5439: "Redshift", 6379: "Redis",
    9200: "Elasticsearch", 9300: "Elasticsearch", 27017: "MongoDB", 27018: "MongoDB", 5984: "CouchDB",
    9042: "Cassandra", 11211: "Memcached", 8086: "InfluxDB", 7474: "Neo4j", 2049: "NFS", 445: "CIFS/SMB",
    135: "RPC", 137: "NetBIOS", 139: "NetBIOS", 161: "SNMP", 389: "LDAP", 636: "LDAPS", 9092: "Kafka",
}
ALL_PROTOCOLS = {"-1", "all", -1}


def is_anywhere(cidr: Any) -> bool:
    if not isinstance(cidr, str) or isinstance(cidr, Unknown):
        return False
    c = cidr.strip()
    if c in ANYWHERE:
        return True
    try:
        net = ipaddress.ip_network(c, strict=False)
    except ValueError:
        return False
    # no organisation holds a block wider than a /8 (IPv6: a /12): 0.0.0.0/1 with 128.0.0.0/1 is the internet in
    # halves, the way rules are written to slip past a check for 0.0.0.0/0
    return net.prefixlen < (8 if net.version == 4 else 12)


def is_wide(cidr: Any, max_prefix: int = 8) -> bool:
    """A public range at least as wide as a /8 (never a private range)."""
    if not isinstance(cidr, str):
        return False
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    return net.prefixlen <= max_prefix and not net.is_private


def all_protocols(protocol: Any) -> bool:
    return protocol in ALL_PROTOCOLS or (isinstance(protocol, str) and protocol.strip().lower() in ("-1", "all"))


def port_range(rule: dict[str, Any], from_key: str = "FromPort", to_key: str = "ToPort") -> tuple[int, int] | None:
    """The (from, to) ports a rule opens; None for a range that is not known."""
    if all_protocols(rule.get("IpProtocol", rule.get("Protocol"))):
        return (0, 65535)
    lo, hi = rule.get(from_key), rule.get(to_key)
    if lo is None and hi is None:
        return (0, 65535)
    try:
        lo_i = int(lo if lo is not None else hi)  # type: ignore[arg-type]
        hi_i = int(hi) if hi is not None else lo_i
    except (TypeError, ValueError):
        return None
    if lo_i == -1 and hi_i == -1:
        return (0, 65535)
    return (min(lo_i, hi_i), max(lo_i, hi_i))


def tcp_or_udp(protocol: Any) -> bool:
    p = str(protocol).strip().lower() if protocol is not None else "-1"
    return p in ("-1", "all", "tcp", "udp", "6", "17")


def exposed_ports(lo: int, hi: int, table: dict[int, str]) -> list[str]:
    return [f"{port} ({name})" for port, name in sorted(table.items()) if lo <= port <= hi]
