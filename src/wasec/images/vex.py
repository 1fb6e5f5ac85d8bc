"""VEX: statements that a vulnerability does (not) affect a product, in CycloneDX and OpenVEX.

A statement suppresses a finding only when it names the vulnerability (its id or an alias), the
package (by package URL, or by name) **and** the version that was found: a statement for
``xz-utils@9.9.9`` says nothing of 5.6.0-0.2. Versions come from the package URL, from CycloneDX's
``affects[].versions`` (exact versions and ``vers:`` ranges), or are absent (the statement is about every
version of the package, as its author wrote it). CycloneDX refs are bom-refs of the document's own
components, BOM-links (``urn:cdx:serial/version#bom-ref``, what Trivy writes) resolved against every
CycloneDX document read and the reports' own bom-refs, or package URLs. OpenVEX products and
subcomponents are package URLs (an ``oci`` product names the image). A ref that resolves to nothing
and a statement that matches no vulnerability are named, never silently dropped. When statements
disagree, the latest (by timestamp, then by order) decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from wasec.images import Vulnerability

# states that mean "this vulnerability does not affect this product"
CYCLONEDX_NOT_AFFECTED = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})
OPENVEX_NOT_AFFECTED = frozenset({"not_affected", "fixed"})


@dataclass(frozen=True)
class Purl:
    """A package URL's identity: ``pkg:type/namespace/name@version`` (qualifiers kept for ``oci`` images)."""

    type: str
    namespace: str
    name: str
    version: str
    qualifiers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Purl | None:
        text = text.strip()
        if not text.startswith("pkg:"):
            return None
        rest = text[4:].split("#", 1)[0]
        rest, _, query = rest.partition("?")
        rest, _, version = rest.partition("@")
        parts = [unquote(p) for p in rest.strip("/").split("/")]
        if len(parts) < 2 or not parts[0] or not parts[-1]:
            return None
        quals = tuple(sorted((k.lower(), unquote(v)) for k, _, v in (q.partition("=") for q in query.split("&") if q)))
        return cls(parts[0].lower(), "/".join(parts[1:-1]), parts[-1], unquote(version), quals)

    def same_package(self, other: Purl) -> bool:
        return (self.type, self.namespace.lower(), self.name.lower()) == (other.type, other.namespace.lower(),
                                                                          other.name.lower())


@dataclass(frozen=True)
class Product:
    """What a statement is about: a package (purl, or a name), its versions (empty: every version)."""

    purl: Purl | None = None
    name: str = ""
    versions: tuple[str, ...] = ()  # exact versions, or vers: ranges
    bom_ref: str = ""  # a report's own bom-ref (Trivy's PkgIdentifier.BOMRef)

    def covers(self, v: Vulnerability) -> bool:
        if self.bom_ref:
            if v.bom_ref != self.bom_ref:
                return False
        elif self.purl is not None:
            found = Purl.parse(v.purl) if v.purl else None
            if found is not None:
                if not self.purl.same_package(found):
                    return False
            elif self.purl.name.lower() != v.package.lower():
                return False
            if self.purl.version and self.purl.version != v.version and not (found and found.version == self.purl.version):
                return False
        elif self.name.lower() != v.package.lower():
            return False
        return not self.versions or any(version_in(v.version, spec) for spec in self.versions)

    def describe(self) -> str:
        what = (f"pkg:{self.purl.type}/{self.purl.namespace + '/' if self.purl.namespace else ''}{self.purl.name}"
                f"{'@' + self.purl.version if self.purl.version else ''}") if self.purl else self.name or self.bom_ref
        return what + (f" ({', '.join(self.versions)})" if self.versions else "")


@dataclass(frozen=True)
class Statement:
    """One VEX statement: a vulnerability, whether it affects the products named, and why."""

    cve: str
    aliases: tuple[str, ...]
    state: str
    not_affected: bool
    justification: str
    products: tuple[Product, ...]
    file: str
    images: tuple[Purl, ...] = ()  # OpenVEX: the images (oci products) the subcomponents are in
    timestamp: str = ""
    order: int = 0
    unresolved: tuple[str, ...] = field(default=(), compare=False)

    def names(self, v: Vulnerability) -> bool:
        ids = {self.cve, *self.aliases}
        return v.cve in ids or (bool(v.title) and v.title in ids)

    def covers(self, v: Vulnerability) -> bool:
        if not self.names(v) or not any(p.covers(v) for p in self.products):
            return False
        return not self.images or any(image_is(v.image, p) for p in self.images)

    def describe(self) -> str:
        return f"{self.cve} for {', '.join(p.describe() for p in self.products) or 'no product'}"


def image_is(reference: str, oci: Purl) -> bool:
    """Whether an image reference (``registry/repo:tag``, ``repo@sha256:…``) is the ``pkg:oci`` image."""
    repo, digest = reference, ""
    if "@" in repo:
        repo, digest = repo.split("@", 1)
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    quals = dict(oci.qualifiers)
    if repo.rsplit("/", 1)[-1].lower() != oci.name.lower():
        return False
    if quals.get("repository_url") and quals["repository_url"].rstrip("/").lower() != repo.lower():
        return False
    return not oci.version or oci.version == digest


# -- versions ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+|[A-Za-z]+|~")


def _key(version: str) -> tuple[Any, ...]:
    """A sort key for versions as Debian orders them (most ecosystems agree): an epoch first, numbers as numbers,
    '~' before the end."""
    epoch = 0
    if re.match(r"^\d+:", version):
        e, version = version.split(":", 1)
        epoch = int(e)
    out: list[tuple[int, Any]] = []
    for t in _TOKEN.findall(version):
        out.append((-2, 0) if t == "~" else (1, int(t)) if t.isdigit() else (0, t.lower()))
    out.append((-1, 0))  # the end sorts after '~' (2.0~rc1 < 2.0) and before anything more (2.0 < 2.0.1 < 2.0a)
    return (epoch, tuple(out))


def version_in(version: str, spec: str) -> bool:
    """Whether ``version`` is the exact version ``spec``, or lies in a ``vers:`` range (``vers:deb/>=1.0|<1.2``)."""
    if not spec.startswith("vers:"):
        return version == spec
    _, _, constraints = spec[5:].partition("/")
    items = [c.strip() for c in constraints.split("|") if c.strip()]
    if "*" in items:
        return True
    parsed = []
    for c in items:
        m = re.match(r"^(>=|<=|!=|<|>|=)?(.+)$", c)
        if m is None:
            return False
        op, value = m.group(1) or "=", unquote(m.group(2))
        if op == "=" and value == version:
            return True
        if op == "!=" and value == version:
            return False
        if op not in ("=", "!="):
            parsed.append((op, value))
    parsed.sort(key=lambda c: _key(c[1]))
    mine = _key(version)
    i = 0
    while i < len(parsed):
        op, value = parsed[i]
        bound = _key(value)
        if op in (">", ">="):
            lower_ok = mine > bound or (op == ">=" and mine == bound)
            if i + 1 < len(parsed) and parsed[i + 1][0] in ("<", "<="):
                up_op, up = parsed[i + 1]
                if lower_ok and (mine < _key(up) or (up_op == "<=" and mine == _key(up))):
                    return True
                i += 2
                continue
            if lower_ok:
                return True
        elif i == 0 and (mine < bound or (op == "<=" and mine == bound)):
            return True
        i += 1
    return False


# -- CycloneDX --------------------------------------------------------------------------------------

def components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A CycloneDX document's components (nested ones too) by bom-ref."""
    out: dict[str, dict[str, Any]] = {}
    stack: list[Any] = [_dig(doc, "metadata", "component"), *_list(doc.get("components"))]
    while stack:
        c = stack.pop()
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("bom-ref"), str):
            out[c["bom-ref"]] = c
        if isinstance(c.get("components"), list):
            stack.extend(c["components"])
    return out


@dataclass
class Index:
    """Every CycloneDX component read (by serial number and bom-ref), and the reports' own bom-refs."""

    by_serial: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    report_refs: set[str] = field(default_factory=set)

    def add(self, doc: dict[str, Any]) -> None:
        serial = str(doc.get("serialNumber") or "")
        self.by_serial.setdefault(serial, {}).update(components(doc))

    def product(self, ref: str, own_serial: str) -> Product | None:
        serial, bom_ref = own_serial, ref
        if ref.startswith("urn:cdx:"):
            link, _, fragment = ref.partition("#")
            serial = "urn:uuid:" + link[len("urn:cdx:"):].split("/", 1)[0]
            bom_ref = unquote(fragment)
            if not fragment:
                return None  # a link to a whole BOM names no package
        found = self.by_serial.get(serial, {}).get(bom_ref)
        if found is None:
            found = next((cs[bom_ref] for cs in self.by_serial.values() if bom_ref in cs), None)
        if found is not None:
            purl = Purl.parse(str(found.get("purl") or ""))
            name, version = str(found.get("name") or ""), str(found.get("version") or "")
            if purl is not None and not purl.version and version:
                purl = Purl(purl.type, purl.namespace, purl.name, version, purl.qualifiers)
            return Product(purl=purl, name=name, versions=() if purl else ((version,) if version else ()))
        if bom_ref in self.report_refs:
            return Product(bom_ref=bom_ref)
        purl = Purl.parse(bom_ref)
        return Product(purl=purl) if purl is not None else None


def cyclonedx(doc: dict[str, Any], file: str, index: Index, items: list[Any]) -> list[Statement]:
    serial = str(doc.get("serialNumber") or "")
    stamp = str(_dig(doc, "metadata", "timestamp") or "")
    out = []
    for n, v in enumerate(items):
        if not isinstance(v, dict) or not v.get("id") or not isinstance(v.get("analysis"), dict):
            continue
        a = v["analysis"]
        state = str(a.get("state", ""))
        products, unresolved = [], []
        for x in _list(v.get("affects")):
            if not isinstance(x, dict) or not x.get("ref"):
                continue
            product = index.product(str(x["ref"]), serial)
            if product is None:
                unresolved.append(str(x["ref"]))
                continue
            versions = tuple(str(e.get("version") or e.get("range")) for e in _list(x.get("versions"))
                             if isinstance(e, dict) and (e.get("version") or e.get("range")))
            if versions:
                product = Product(product.purl, product.name, versions, product.bom_ref)
            products.append(product)
        aliases = tuple(str(r["id"]) for r in _list(v.get("references")) if isinstance(r, dict) and r.get("id"))
        out.append(Statement(str(v["id"]), aliases, state, state in CYCLONEDX_NOT_AFFECTED,
                             str(a.get("justification") or a.get("detail") or ""), tuple(products), file,
                             timestamp=str(a.get("lastUpdated") or a.get("firstIssued") or stamp), order=n,
                             unresolved=tuple(unresolved)))
    return out


# -- OpenVEX ----------------------------------------------------------------------------------------

def is_openvex(doc: dict[str, Any]) -> bool:
    context = doc.get("@context")
    return isinstance(context, str) and "openvex" in context


def _id(x: Any) -> str:
    return str(x.get("@id") or "") if isinstance(x, dict) else str(x or "")


def openvex(doc: dict[str, Any], file: str, items: list[Any]) -> list[Statement]:
    stamp = str(doc.get("timestamp") or "")
    out = []
    for n, s in enumerate(items):
        if not isinstance(s, dict):
            continue
        vuln = s.get("vulnerability")
        if isinstance(vuln, dict):  # v0.2: {"name": …, "aliases": […]}; v0.0.x: the id as a string
            name = str(vuln.get("name") or vuln.get("@id") or "")
            aliases = tuple(str(a) for a in vuln.get("aliases") or [] if a) if isinstance(vuln.get("aliases"), list) else ()
        else:
            name, aliases = str(vuln or ""), ()
        products_in = _list(s.get("products"))
        subs = list(_list(s.get("subcomponents")))
        images: list[Purl] = []
        tops: list[Purl] = []
        unresolved = []
        for p in products_in:
            purl = Purl.parse(_id(p))
            if purl is None:
                unresolved.append(_id(p) or "(a product without @id)")
                continue
            subs += _list(p.get("subcomponents")) if isinstance(p, dict) else []
            (images if purl.type == "oci" else tops).append(purl)
        packages = []
        for sub in subs:
            purl = Purl.parse(_id(sub))
            if purl is None:
                unresolved.append(_id(sub) or "(a subcomponent without @id)")
            else:
                packages.append(Product(purl=purl))
        if not packages:  # the products are the packages themselves (an image alone names no package)
            packages = [Product(purl=p) for p in tops]
        state = str(s.get("status", ""))
        why = str(s.get("justification") or s.get("impact_statement") or s.get("status_notes") or "")
        if name:
            out.append(Statement(name, aliases, state, state in OPENVEX_NOT_AFFECTED, why, tuple(packages), file,
                                 images=tuple(images), timestamp=str(s.get("timestamp") or stamp), order=n,
                                 unresolved=tuple(unresolved)))
    return out


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dig(d: Any, *keys: str) -> Any:
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def deciding(v: Vulnerability, statements: list[Statement]) -> Statement | None:
    """The statement that decides ``v``: the latest of those that name it (None when none does)."""
    hits = [s for s in statements if s.covers(v)]
    if not hits:
        return None
    return max(hits, key=lambda s: (s.timestamp, s.file, s.order))
