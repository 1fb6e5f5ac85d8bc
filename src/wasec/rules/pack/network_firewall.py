"""Network inspection (SEC05-BP03): AWS Network Firewall firewalls, their policies, rule groups and logs."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

INSPECT = ("SEC05-BP03",)
FIREWALL = "AWS::NetworkFirewall::Firewall"
POLICY = "AWS::NetworkFirewall::FirewallPolicy"
# what a stateless default action may be: drop, or hand the packet to the stateful engine
_INSPECTED = ("aws:drop", "aws:forward_to_sfe")

expect("network-firewall-deletion-protection", types=[FIREWALL], path="DeleteProtection", ok=is_true, default=False,
       message="the firewall can be deleted in one call, and the traffic it inspects then flows uninspected",
       title="Network Firewall firewalls have deletion protection", severity="medium", area="infrastructure",
       category="resilience", wa=INSPECT, fsbp=("NetworkFirewall.9",),
       why="Deleting the firewall removes inspection from every route that points at it; an attacker (or a mistaken "
           "apply) removing it is a quiet way to open the network.",
       fix="Turn deletion protection on.", tf="delete_protection = true", cfn="DeleteProtection: true")

expect("network-firewall-subnet-change-protection", types=[FIREWALL], path="SubnetChangeProtection", ok=is_true,
       default=False, message="the firewall's subnets can be changed without first lifting a protection",
       title="Network Firewall firewalls have subnet change protection", severity="medium", area="infrastructure",
       category="resilience", wa=INSPECT, fsbp=("NetworkFirewall.10",),
       why="Moving the firewall's endpoints out of the subnets the routes use takes inspection off the traffic path "
           "without deleting anything that would be noticed.",
       fix="Turn subnet change protection on.", tf="subnet_change_protection = true", cfn="SubnetChangeProtection: true")


@rule("network-firewall-logging", title="Network Firewall firewalls log flows or alerts", severity="medium",
      types=[FIREWALL], area="detection", category="logging", wa=("SEC04-BP01", *INSPECT), fsbp=("NetworkFirewall.2",),
      why="Without logs, what the firewall allowed, dropped or alerted on is gone: there is no trace of the traffic it "
          "exists to watch.",
      fix="Send the firewall's FLOW and ALERT logs to CloudWatch Logs, S3 or Firehose.",
      tf='resource "aws_networkfirewall_logging_configuration" "fw" {\n  firewall_arn = aws_networkfirewall_firewall.fw.arn\n'
         '  logging_configuration {\n    log_destination_config {\n      log_type             = "ALERT"\n'
         '      log_destination_type = "CloudWatchLogs"\n      log_destination = {\n'
         '        logGroup = aws_cloudwatch_log_group.fw.name\n      }\n    }\n  }\n}',
      cfn="Type: AWS::NetworkFirewall::LoggingConfiguration\nProperties:\n  FirewallArn: !Ref Firewall\n"
          "  LoggingConfiguration:\n    LogDestinationConfigs:\n      - LogType: ALERT\n        LogDestinationType: CloudWatchLogs\n"
          "        LogDestination: {logGroup: !Ref FirewallLogs}")
def firewall_logging(r: View) -> Any:
    if r.present("LoggingConfiguration.LogDestinationConfigs"):
        return None
    if "LoggingConfiguration" in r.props:  # read from the account with the firewall itself
        return Fail("LoggingConfiguration", "the firewall sends its logs nowhere")
    for cfg in r.related("AWS::NetworkFirewall::LoggingConfiguration", "FirewallArn"):
        dest = cfg.properties.get("LoggingConfiguration")
        if isinstance(dest, Unknown) or (isinstance(dest, dict) and dest.get("LogDestinationConfigs")):
            return None  # a configuration computed elsewhere still sends the logs somewhere
    return Fail("", "the firewall sends its logs nowhere")


@rule("network-firewall-policy-rule-groups", title="Network Firewall policies use at least one rule group",
      severity="medium", types=[POLICY], area="infrastructure", category="network", wa=INSPECT,
      fsbp=("NetworkFirewall.3",),
      why="A policy without rule groups inspects nothing: every packet meets only the default actions.",
      fix="Reference stateless or stateful rule groups (AWS managed threat signatures are a good start).",
      tf="stateful_rule_group_reference {\n  resource_arn = aws_networkfirewall_rule_group.block.arn\n}",
      cfn="StatefulRuleGroupReferences:\n  - ResourceArn: !Ref BlockRules")
def policy_rule_groups(r: View) -> Any:
    if r.present("FirewallPolicy.StatelessRuleGroupReferences") or r.present("FirewallPolicy.StatefulRuleGroupReferences"):
        return None
    return Fail("FirewallPolicy", "the policy references no stateless or stateful rule group")


@rule("network-firewall-policy-default-drop", title="Network Firewall policies do not pass uninspected packets by default",
      severity="medium", types=[POLICY], area="infrastructure", category="network", wa=INSPECT,
      fsbp=("NetworkFirewall.4", "NetworkFirewall.5"),
      why="A stateless default action of pass lets every packet (or fragment) that no stateless rule matches through "
          "without the stateful engine ever seeing it.",
      fix="Set the stateless default actions, for full packets and for fragments, to aws:forward_to_sfe (or aws:drop).",
      tf='stateless_default_actions          = ["aws:forward_to_sfe"]\n'
         'stateless_fragment_default_actions = ["aws:forward_to_sfe"]',
      cfn="StatelessDefaultActions: [aws:forward_to_sfe]\nStatelessFragmentDefaultActions: [aws:forward_to_sfe]")
def policy_default(r: View) -> Any:
    fails = []
    for key, what in (("StatelessDefaultActions", "full packets"), ("StatelessFragmentDefaultActions", "fragmented packets")):
        path = f"FirewallPolicy.{key}"
        actions = r.get(path)
        names = [str(a) for a in actions] if isinstance(actions, list) else [] if actions is None else [str(actions)]
        if not any(a in _INSPECTED for a in names):
            fails.append(Fail(path, f"{what} that no stateless rule matches are passed uninspected", names or None))
    return fails


@rule("network-firewall-stateless-rule-group-not-empty", title="Stateless Network Firewall rule groups hold rules",
      severity="medium", types=["AWS::NetworkFirewall::RuleGroup"], area="infrastructure", category="network",
      wa=INSPECT, fsbp=("NetworkFirewall.1", "NetworkFirewall.6"),
      why="An empty stateless rule group matches nothing: a policy that relies on it filters nothing while looking "
          "configured.",
      fix="Add the stateless rules the group is meant to enforce, or remove it from the policies.",
      tf="rules_source {\n  stateless_rules_and_custom_actions {\n    stateless_rule {\n      priority = 1\n"
         "      rule_definition {\n        actions = [\"aws:drop\"]\n        match_attributes {\n"
         "          source {\n            address_definition = \"0.0.0.0/0\"\n          }\n        }\n      }\n    }\n  }\n}",
      cfn="RulesSource:\n  StatelessRulesAndCustomActions:\n    StatelessRules:\n      - Priority: 1\n"
          "        RuleDefinition: {Actions: [aws:drop], MatchAttributes: {Sources: [{AddressDefinition: 0.0.0.0/0}]}}")
def stateless_group(r: View) -> Any:
    if str(r.get("Type", "")).upper() != "STATELESS":
        return Skip("a stateful rule group")
    if r.present("RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules"):
        return None
    return Fail("RuleGroup.RulesSource" if r.present("RuleGroup") else "", "the stateless rule group has no rules")
