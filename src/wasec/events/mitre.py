"""MITRE ATT&CK (Enterprise, cloud) techniques the detections name: each technique's name and tactics, so a
detection can be listed by tactic and a coverage table drawn. Technique ids and names as ATT&CK publishes them."""

from __future__ import annotations

TACTICS = {"TA0043": "Reconnaissance", "TA0042": "Resource Development", "TA0001": "Initial Access",
           "TA0002": "Execution", "TA0003": "Persistence", "TA0004": "Privilege Escalation", "TA0005": "Defense Evasion",
           "TA0006": "Credential Access", "TA0007": "Discovery", "TA0008": "Lateral Movement", "TA0009": "Collection",
           "TA0010": "Exfiltration", "TA0040": "Impact"}  # in ATT&CK's order

# technique → (name, tactic ids); a sub-technique (T1552.005) is looked up by its parent when not listed
TECHNIQUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "T1021": ("Remote Services", ("TA0008",)),
    "T1040": ("Network Sniffing", ("TA0006", "TA0007")),
    "T1059": ("Command and Scripting Interpreter", ("TA0002",)),
    "T1070": ("Indicator Removal", ("TA0005",)),
    "T1078": ("Valid Accounts", ("TA0001", "TA0003", "TA0004", "TA0005")),
    "T1078.004": ("Valid Accounts: Cloud Accounts", ("TA0001", "TA0003", "TA0004", "TA0005")),
    "T1087": ("Account Discovery", ("TA0007",)),
    "T1098": ("Account Manipulation", ("TA0003", "TA0004")),
    "T1110": ("Brute Force", ("TA0006",)),
    "T1110.001": ("Brute Force: Password Guessing", ("TA0006",)),
    "T1136": ("Create Account", ("TA0003",)),
    "T1190": ("Exploit Public-Facing Application", ("TA0001",)),
    "T1199": ("Trusted Relationship", ("TA0001",)),
    "T1484": ("Domain or Tenant Policy Modification", ("TA0005", "TA0004")),
    "T1484.002": ("Domain or Tenant Policy Modification: Trust Modification", ("TA0005", "TA0004")),
    "T1485": ("Data Destruction", ("TA0040",)),
    "T1486": ("Data Encrypted for Impact", ("TA0040",)),
    "T1490": ("Inhibit System Recovery", ("TA0040",)),
    "T1496": ("Resource Hijacking", ("TA0040",)),
    "T1525": ("Implant Internal Image", ("TA0003",)),
    "T1526": ("Cloud Service Discovery", ("TA0007",)),
    "T1530": ("Data from Cloud Storage", ("TA0009",)),
    "T1535": ("Unused/Unsupported Cloud Regions", ("TA0005",)),
    "T1537": ("Transfer Data to Cloud Account", ("TA0010",)),
    "T1546": ("Event Triggered Execution", ("TA0004", "TA0003")),
    "T1550": ("Use Alternate Authentication Material", ("TA0005", "TA0008")),
    "T1552": ("Unsecured Credentials", ("TA0006",)),
    "T1555": ("Credentials from Password Stores", ("TA0006",)),
    "T1556": ("Modify Authentication Process", ("TA0006", "TA0005", "TA0003")),
    "T1562": ("Impair Defenses", ("TA0005",)),
    "T1578": ("Modify Cloud Compute Infrastructure", ("TA0005",)),
    "T1580": ("Cloud Infrastructure Discovery", ("TA0007",)),
    "T1589": ("Gather Victim Identity Information", ("TA0043",)),
    "T1599": ("Network Boundary Bridging", ("TA0005",)),
    "T1606": ("Forge Web Credentials", ("TA0006",)),
    "T1651": ("Cloud Administration Command", ("TA0002",)),
    # sub-techniques the detections name
    "T1021.004": ("Remote Services: SSH", ("TA0008",)),
    "T1021.007": ("Remote Services: Cloud Services", ("TA0008",)),
    "T1087.004": ("Account Discovery: Cloud Account", ("TA0007",)),
    "T1098.001": ("Account Manipulation: Additional Cloud Credentials", ("TA0003", "TA0004")),
    "T1098.003": ("Account Manipulation: Additional Cloud Roles", ("TA0003", "TA0004")),
    "T1136.003": ("Create Account: Cloud Account", ("TA0003",)),
    "T1550.001": ("Use Alternate Authentication Material: Application Access Token", ("TA0005", "TA0008")),
    "T1552.005": ("Unsecured Credentials: Cloud Instance Metadata API", ("TA0006",)),
    "T1555.006": ("Credentials from Password Stores: Cloud Secrets Management Stores", ("TA0006",)),
    "T1556.006": ("Modify Authentication Process: Multi-Factor Authentication", ("TA0006", "TA0005", "TA0003")),
    "T1556.007": ("Modify Authentication Process: Hybrid Identity", ("TA0006", "TA0005", "TA0003")),
    "T1562.001": ("Impair Defenses: Disable or Modify Tools", ("TA0005",)),
    "T1562.006": ("Impair Defenses: Indicator Blocking", ("TA0005",)),
    "T1562.007": ("Impair Defenses: Disable or Modify Cloud Firewall", ("TA0005",)),
    "T1562.008": ("Impair Defenses: Disable or Modify Cloud Logs", ("TA0005",)),
    "T1578.002": ("Modify Cloud Compute Infrastructure: Create Cloud Instance", ("TA0005",)),
    "T1578.004": ("Modify Cloud Compute Infrastructure: Revert Cloud Instance", ("TA0005",)),
}


def technique(tid: str) -> tuple[str, tuple[str, ...]] | None:
    """(name, tactic ids) of a technique or sub-technique."""
    return TECHNIQUES.get(tid) or TECHNIQUES.get(tid.split(".")[0])


def tactics(tids: tuple[str, ...]) -> list[str]:
    """The tactic names of some techniques, in ATT&CK's order, each once."""
    ids = {t for tid in tids for t in (technique(tid) or ("", ()))[1]}
    return [name for tid, name in TACTICS.items() if tid in ids]
