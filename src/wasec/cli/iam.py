"""``wasec iam analyze`` and ``wasec iam explain``: the IAM analyzer on policy files."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from wasec.cli.shared import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli, fail, guard

KINDS = ["auto", "identity", "resource", "trust", "scp", "boundary"]
_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def _load(path: str) -> tuple[Any, str]:
    """The decoded JSON of a file (or ``-``, standard input), or the error that names the file and the problem."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        text = data.decode("utf-8-sig")
    except OSError as e:
        return None, f"{path}: cannot read: {e.strerror}"
    except UnicodeDecodeError as e:
        return None, f"{path}: not UTF-8 text (byte {e.start})"
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as e:
        return None, f"{path}: malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}"


def _documents(files: tuple[str, ...]) -> Any:
    """(path, document) for each file; None where it cannot be read, said on standard error."""
    for path in files:
        doc, error = _load(path)
        if error:
            click.echo(f"wasec: error: {error}", err=True)
            yield path, None
        else:
            yield path, doc


def _read(path: str) -> Any:
    doc, error = _load(path)
    if error:
        fail(error)
    return doc


def _policy(path: str, label: str) -> Any:
    from wasec.iam import PolicyError, parse
    from wasec.iam.report import unwrap

    try:
        return parse(unwrap(_read(path)), label)
    except PolicyError as e:
        fail(f"{path}: {e}")


@cli.group()
def iam() -> None:
    """The IAM analyzer: exact policy evaluation, admin-equivalence, privilege escalation, exposure."""


@iam.command("analyze")
@click.argument("files", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(KINDS), default="auto", show_default=True,
              help="What the documents are (auto: a Principal makes it a resource or trust policy).")
@click.option("--account", default="", help="The account that owns the resource (for cross-account exposure).")
@click.option("--trusted-account", "trusted", multiple=True, help="An account that may be granted access (repeatable).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low", "never"]), default="high",
              show_default=True, help="Exit 1 when a finding is at this severity or higher.")
@guard
def iam_analyze(files: tuple[str, ...], kind: str, account: str, trusted: tuple[str, ...], fmt: str,
                fail_on: str) -> None:
    """Analyze policy documents (FILE, or - for standard input).

    Identity policies: administrator equivalence, privilege-escalation methods, credential, data and
    resource-exposure actions on every resource. Resource and trust policies: public, cross-account
    and confused-deputy access. Every document is validated against the IAM action catalog.
    """
    from wasec.iam import PolicyError, report

    reports, errors = [], 0
    for path, doc in _documents(files):
        if doc is None:
            errors += 1
            continue
        try:
            reports.append(report(doc, path, kind, account, frozenset(trusted)))
        except PolicyError as e:
            click.echo(f"wasec: error: {path}: {e}", err=True)
            errors += 1
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for r in reports:
            _print_report(r)
    worst = max((_RANK[f.severity] for r in reports for f in r.findings), default=0)
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if fail_on != "never" and worst >= _RANK[fail_on] else EXIT_OK)


def _print_report(r: Any) -> None:
    click.echo(f"{r.name} ({r.kind} policy, {len(r.policy.statements)} statement(s))")
    if not r.findings and not r.issues:
        click.echo("  no findings")
    for f in sorted(r.findings, key=lambda f: -_RANK[f.severity]):
        where = f" [{', '.join(f.statements)}]" if f.statements else ""
        click.echo(f"  {f.severity.upper():<8} {f.code}: {f.message}{where}")
        if f.actions and f.code.startswith("privilege-escalation"):
            click.echo(f"           enabled by: {', '.join(f.actions)}")
    for i in r.issues:
        if i.severity != "error":
            click.echo(f"  {i.severity:<8} {i.path}: {i.message} [{i.code}]")
    click.echo("")


@iam.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(KINDS), default="auto", show_default=True,
              help="What the documents are (auto: a Principal makes it a resource or trust policy).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "security", "warning", "suggestion", "never"]), default="error",
              show_default=True, help="Exit 1 when a finding of this type or a graver one is found.")
@guard
def iam_validate(files: tuple[str, ...], kind: str, fmt: str, fail_on: str) -> None:
    """Validate policy documents as IAM Access Analyzer's ValidatePolicy does, for every check a document alone
    decides: errors (AWS refuses the policy, or an element does nothing), security warnings, warnings and
    suggestions, each named as Access Analyzer's check reference names it."""
    from wasec.iam import PolicyError
    from wasec.iam.policy import parse
    from wasec.iam.report import guess_kind, unwrap
    from wasec.iam.validate import validate

    order = {"error": 4, "security": 3, "warning": 2, "suggestion": 1}
    out: list[dict[str, Any]] = []
    errors, worst = 0, 0
    for path, doc in _documents(files):
        if doc is None:
            errors += 1
            continue
        try:
            policy = parse(unwrap(doc), path)
        except PolicyError as e:
            click.echo(f"wasec: error: {path}: {e}", err=True)
            errors += 1
            continue
        issues = sorted(validate(policy, guess_kind(policy) if kind == "auto" else kind),
                        key=lambda i: -order.get(i.severity, 0))
        worst = max([worst, *(order.get(i.severity, 0) for i in issues)])
        out.append({"file": path, "findings": [{"type": i.severity, "check": i.code, "path": i.path,
                                                "message": i.message} for i in issues]})
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
    else:
        for entry in out:
            click.echo(f"{entry['file']}: {len(entry['findings'])} finding(s)")
            for f in entry["findings"]:
                click.echo(f"  {f['type'].upper():<10} {f['check']}: {f['path']}: {f['message']}")
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if fail_on != "never" and worst >= order[fail_on] else EXIT_OK)


@iam.command("explain")
@click.argument("file")
@click.option("--action", "-a", required=True, help="The action asked for (s3:GetObject).")
@click.option("--resource", "-r", default="*", show_default=True, help="The resource ARN.")
@click.option("--principal", "-p", default="", help="The caller's ARN (needed for resource policies).")
@click.option("--context", "-c", "contexts", multiple=True, metavar="KEY=VALUE",
              help="A request context value, e.g. aws:SourceIp=10.0.0.1 (repeat a key for several values).")
@click.option("--resource-policy", type=click.Path(dir_okay=False), help="The resource's policy.")
@click.option("--boundary", type=click.Path(dir_okay=False), help="A permissions boundary.")
@click.option("--scp", "scps", multiple=True, type=click.Path(dir_okay=False), help="A service control policy (repeatable).")
@click.option("--resource-account", default="", help="The account owning the resource (decides cross-account rules).")
@guard
def iam_explain(file: str, action: str, resource: str, principal: str, contexts: tuple[str, ...],
                resource_policy: str | None, boundary: str | None, scps: tuple[str, ...], resource_account: str) -> None:
    """Decide one request against FILE (an identity policy, or with --kind resource… a resource policy)
    and print the decision and the statements that decided it. Exit 0 when allowed, 1 when denied."""
    from wasec.iam import Request, evaluate
    from wasec.iam.report import guess_kind

    context: dict[str, list[str]] = {}
    for c in contexts:
        if "=" not in c:
            fail(f"--context expects KEY=VALUE, got {c!r}")
        k, _, v = c.partition("=")
        context.setdefault(k.strip(), []).append(v)
    from wasec.errors import did_you_mean
    from wasec.iam.catalog import catalog

    cat = catalog()
    if "*" not in action and "?" not in action and cat.get(action) is None:
        service = action.split(":", 1)[0].lower()
        if not cat.known_service(service):
            fail(f"--action {action}: no AWS service has the prefix {service!r}{did_you_mean(service, cat.spans)}")
        names = [a.name for a in cat.actions if a.service.lower() == service]
        fail(f"--action {action}: {service} has no such action{did_you_mean(action, names)}")
    main = _policy(file, file)
    identity, res = [main], None
    if guess_kind(main) != "identity":
        identity, res = [], main
    if resource_policy:
        res = _policy(resource_policy, resource_policy)
    d = evaluate(Request(action, resource, principal, context), identity=identity, resource=res,
                 scps=[_policy(s, s) for s in scps], boundary=_policy(boundary, boundary) if boundary else None,
                 resource_account=resource_account)
    click.echo(f"{d.effect}: {d.reason}")
    for m in d.by:
        click.echo(f"  decided by {m.policy} {m.statement.label}: {m.statement.effect}")
    for n in d.notes:
        click.echo(f"  note: {n}")
    sys.exit(EXIT_OK if d.allowed else EXIT_FINDINGS)

