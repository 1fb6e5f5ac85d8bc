"""How fast `wasec org guardrails` decides an organization: accounts × guardrails per second.

Builds an organization in memory (accounts spread over nested OUs, the guardrails attached at
different levels, one OU with FullAWSAccess replaced by an allow-list) and times the decision for
every account and guardrail with the IAM evaluator. No peer decides this (the others list SCPs or
read their text), so the figure stands alone.

    python bench/guardrails_bench.py --accounts 1000
"""

from __future__ import annotations

import argparse
import time

from wasec.foundations.guardrails import guardrails
from wasec.foundations.holds import decide
from wasec.foundations.orgtree import FULL_AWS_ACCESS, Node, OrgTree
from wasec.iam.policy import parse


def build(accounts: int) -> OrgTree:
    rails = guardrails()
    tree = OrgTree()
    tree.nodes["r-root"] = Node("r-root", "Root", "root", None)
    tree.policies[FULL_AWS_ACCESS] = parse({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "FullAWSAccess")
    tree.policies["p-allow"] = parse({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:*", "s3:*", "lambda:*", "dynamodb:*"], "Resource": "*"}]}, "allow-list")
    for g in rails:
        tree.policies[g.id] = parse(g.policy(), g.id)
    tree.attached["r-root"] = [FULL_AWS_ACCESS, rails[0].id, rails[1].id]
    ous = []
    for i in range(20):  # 20 OUs two levels deep, guardrails on some, an allow-list on others
        top = f"ou-top-{i % 4}"
        if top not in tree.nodes:
            tree.nodes[top] = Node(top, f"Top{i % 4}", "ou", "r-root")
            tree.attached[top] = [FULL_AWS_ACCESS, *(g.id for g in rails[2:5])] if i % 4 else ["p-allow"]
        ou = f"ou-{i}"
        tree.nodes[ou] = Node(ou, f"OU{i}", "ou", top)
        tree.attached[ou] = [FULL_AWS_ACCESS, *(g.id for g in rails[5:] if i % 2)]
        ous.append(ou)
    for a in range(accounts):
        acct = f"{100000000000 + a}"
        tree.nodes[acct] = Node(acct, f"account-{a}", "account", ous[a % len(ous)])
        tree.attached[acct] = [FULL_AWS_ACCESS]
    return tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    args = ap.parse_args()
    tree = build(args.accounts)
    rails = guardrails()
    t = time.perf_counter()
    m = decide(tree, rails)
    wall = time.perf_counter() - t
    cells = len(m.rows) * len(rails)
    print(f"{len(m.rows)} accounts × {len(rails)} guardrails = {cells} cells, {m.decisions} IAM decisions, "
          f"{m.leaking} leaking, in {wall:.2f} s")
    print(f"{cells / wall:,.0f} account×guardrail cells/s, {m.decisions / wall:,.0f} decisions/s")


if __name__ == "__main__":
    main()
