"""The built-in rules' own cases: a failing and a passing snippet (Terraform, CloudFormation) per rule.

They ship with the package, in ``cases/<area>.cases``, and run by the machinery of ``wasec rules
test`` (``--builtin``), so anyone can prove on their machine that every rule fires where it should
and stays quiet where it should not. The format, next to nothing but each other::

    ### rule-id
    --- fail.tf          fail | pass | unknown, any suffix, then .tf / .tf.json / .yaml / .yml / .json / .dockerfile
    resource ... {       a line ending in "#!" is where the FAIL finding must point
    --- pass.yaml
    Resources: ...

A ``pass`` case must give at least one PASS and neither FAIL nor UNKNOWN; ``pass_skip…``: the rule
does not apply, so no finding at all on a resource it reads; ``pass_absent…``: for rules against a
type existing at all, no such resource and no finding. ``unknown``: an UNKNOWN and no FAIL.
"""

from __future__ import annotations

import re
from importlib import resources

from wasec.errors import ConfigError
from wasec.rules.packs import Case

NAME = re.compile(r"^(pass|fail|unknown)(_[\w-]+)?\.(tf|tf\.json|yaml|yml|json|dockerfile)$")


def parse(text: str, source: str) -> list[Case]:
    """The cases of one ``.cases`` text; ``source`` names it in messages (``compute.cases``)."""
    cases: list[Case] = []
    rule: str | None = None
    name: str | None = None
    start = 0
    buf: list[str] = []

    def close() -> None:
        if rule and name:
            content = "\n".join(buf).strip("\n") + "\n"
            marked = tuple(i for i, line in enumerate(content.split("\n"), 1) if line.rstrip().endswith("#!"))
            cases.append(Case(rule, name, name.split(".")[0].split("_")[0], f"{source}:{start}", filename=name,
                              content=content, lines=marked))

    for lineno, line in enumerate(text.split("\n"), 1):
        if line.startswith(("### ", "--- ")):
            close()
            name = None
        if line.startswith("### "):
            rule, buf = line[4:].strip(), []
        elif line.startswith("--- "):
            name, buf, start = line[4:].strip(), [], lineno
            if not NAME.match(name):
                raise ConfigError(f"{source}:{lineno}: bad case name {name!r} (pass|fail|unknown[_what].tf|.yaml|…)")
        elif name is not None:
            buf.append(line)
    close()
    return cases


def load() -> list[Case]:
    """Every built-in case, area by area."""
    folder = resources.files("wasec.rules").joinpath("cases")
    out: list[Case] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cases"):
            out += parse(entry.read_text(encoding="utf-8"), entry.name)
    return out
