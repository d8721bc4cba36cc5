"""Rule family DS: one discovery document at a time (PRM, AS metadata and its `agent_auth` block).

Each fact is reported once, by the rule with the most specific message; the overlaps are
decided here (and repeated in the docs of the rules involved):

- DS001 `schema` reports what no other DS rule covers (types, uniqueness, other enums); a
  violation another rule explains better (missing member, URL shape, identity/assertion enum,
  empty array, `contains`, a `null` endpoint) is dropped from it.
- DS006 `endpoint-url` skips RFC 6570 templates (DS010), `null` (DS013) and URLs that DS008
  already calls a page (`auth.md#anchor`).
- DS012 `required-member` skips a member that DS002 found misplaced or misspelled.
- DS004 skips `"none"` (a stub, DS013); DS005 skips an empty `assertion_types_supported` that
  DS012 reports as missing the id-jag URN.
- Legacy names (`register_uri`, …) are never "unknown" here: the generations family names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from authmd_cli.core.diagnostics import Finding, Severity
from authmd_cli.core.display import inline, violation_message
from authmd_cli.core.suggest import closest
from authmd_cli.core.urls import has_template, scheme_problem, split
from authmd_cli.lint.rules.base import RuleContext, at, key_at, rule
from authmd_cli.protocol import metadata_shape as shape
from authmd_cli.protocol import vocab
from authmd_cli.protocol.model import DocKind, Document
from authmd_cli.protocol.profiles import (
    CLAIM_GRANT_URN,
    ID_JAG_URN,
    IDENTITY_TYPE_SUGGESTIONS,
    JWT_BEARER_URN,
    NO_REGISTRATION,
    PROFILES,
    RENAMES,
    REVOKED_EVENT_URI,
    Profile,
)

if TYPE_CHECKING:
    from authmd_cli.protocol.schemas import SchemaViolation

NO_REG_HINT = ("if this site offers no agent registration, use the no-registration profile and publish "
               "no `agent_auth` block (docs/protocol.md D13)")

# ---------------------------------------------------------------------------- DS001 schema

# Member names whose absence DS012/DS009 report with a better message.
_REQUIRED_ELSEWHERE = frozenset({
    "resource", "authorization_servers", "issuer", "token_endpoint", "grant_types_supported", "agent_auth",
    "identity_endpoint", "register_uri", "identity_types_supported", "claim_endpoint", "claim_uri",
    "identity_assertion", "assertion_types_supported",
})
_URL_TOKENS = frozenset({*vocab.AGENT_AUTH_ENDPOINTS, *vocab.TOP_ENDPOINTS, *vocab.TOP_URL_MEMBERS, "skill"})


def _covered(v: SchemaViolation) -> bool:
    """True when another DS rule reports this schema violation with a better message."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in v.pointer.split("/")[1:]]
    last = tokens[-1] if tokens else ""
    parent = tokens[-2] if len(tokens) >= 2 else ""
    if v.keyword == "required":
        m = re.search(r"missing required member `([^`]+)`", v.message)
        return bool(m and m.group(1) in _REQUIRED_ELSEWHERE)
    if v.keyword in ("minItems", "minLength", "minProperties"):
        return True  # DS005 (SPEC §14 D16)
    if v.keyword == "contains":
        return last in ("grant_types_supported", "assertion_types_supported")  # DS009 / DS012
    is_url = last in _URL_TOKENS or parent == "authorization_servers"
    if v.keyword in ("pattern", "format"):
        return is_url or parent == "events_supported"  # DS006-DS008, DS010, DS011
    if v.keyword in ("enum", "const"):
        return parent in ("identity_types_supported", "assertion_types_supported")  # DS004
    if v.keyword == "type" and last == "skill" and parent == "agent_auth":
        return True  # DS007 reports a skill of any non-string type (`42`, `null`, `[...]`)
    # DS013 (`null` endpoint)
    return v.keyword == "type" and is_url and v.value == "null"


@rule("DS001", "schema", Severity.ERROR, scope="json", spec="docs/protocol.md §13.4; RFC 9728 §2; RFC 8414 §2",
      embedded=True)
def schema(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The document violates the profile's JSON Schema (types, duplicates, closed values).

    Why: agents parse the metadata by its documented shape; a string where an array belongs, a
    duplicated identity type or an unknown `bearer_methods_supported` value breaks them. The
    schemas in `schemas/` (`authmd schema show prm|as-metadata --profile P`) are per profile.
    Findings that another DS rule explains better are left to it: missing required members
    (DS012, DS009), URL shape (DS006-DS008, DS010), identity and assertion types (DS004), empty
    members (DS005), `contains` checks (DS009, DS012), `null` endpoints (DS013).
    Bad: `"identity_types_supported": "anonymous"`, `"bearer_methods_supported": ["cookie"]`
    Good: `"identity_types_supported": ["anonymous"]`, `"bearer_methods_supported": ["header"]`
    Spec: docs/protocol.md §13.4, §4.2, §5.2-5.3.
    """
    from authmd_cli.protocol.schemas import validate

    if doc.json is None:
        return
    kind = "prm" if doc.kind is DocKind.PRM else "as-metadata"
    try:
        violations = validate(doc.json.value, kind, ctx.profile.label)
    except KeyError:  # no schema for this kind under this profile
        return
    for v in violations:
        if ctx.embedded and v.keyword == "required":
            continue  # an example may be an excerpt: checked for what it shows (issue 11)
        if not _covered(v):
            yield Finding(violation_message(v.message, v.value, doc.json.value, v.pointer), at(doc, pointer=v.pointer))


# ---------------------------------------------------------------------------- DS002, DS003


@rule("DS002", "misplaced-member", Severity.ERROR, scope="json", spec="docs/protocol.md D15, P4", embedded=True)
def misplaced_member(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A known member sits in the wrong place, under a renamed wrapper, flattened, or misspelled.

    Why: agents read `agent_auth.identity_endpoint` and nothing else; a member at the top level,
    inside `agent_auth_metadata`, spelled `identityEndpoint` or flattened into
    `identity_assertion_supported` is invisible to them (docs/protocol.md D15, P4).
    Bad: `{"issuer": "…", "identity_types_supported": ["anonymous"], "agent_auth": {…}}`;
    `{"agent_auth_metadata": {…}}`; `"agent_auth": {"credential_types_supported": […]}`
    Good: `{"issuer": "…", "agent_auth": {"identity_types_supported": ["anonymous"], …}}`
    Spec: docs/protocol.md §5.3, D15.
    """
    found = shape.misplacements(doc, ctx.allowed_extension_keys, ctx.profile)
    # `agent_auth` members spread over the top level are one wrapper mistake (the block was
    # flattened, or never made): one finding naming each, the others `related`.
    top = [m for m in found if "is an `agent_auth` member placed at the top" in m.message]
    if len(top) > 1:
        names = ", ".join(f"`{m.pointer.lstrip('/')}`" for m in top)
        where = top[0].message.split("placed at the top level of ", 1)[-1]
        yield Finding(f"{len(top)} `agent_auth` members are placed at the top level of {where}: {names}",
                      key_at(doc, top[0].pointer), hint="move them into the `agent_auth` object",
                      related=tuple(key_at(doc, m.pointer) for m in top[1:]))
        found = [m for m in found if m not in top]
    for m in found:
        yield Finding(m.message, key_at(doc, m.pointer), hint=m.hint)


@rule("DS003", "unknown-member", Severity.INFO, scope="json", spec="docs/protocol.md D15; RFC 9728 §3.2; RFC 8414 §2")
def unknown_member(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A member the protocol does not define (agents ignore it), or an extension block.

    Why: RFC 9728 §3.2 and RFC 8414 §2 tell clients to ignore unknown members, so they are legal
    but do nothing for a generic agent; often they are typos or private extensions. RFC 9728 §2
    and RFC 8414 §2 members, `resource_logo_uri` and legacy names (reported by the generations
    family) are never flagged. An object-valued unknown `agent_auth` member is reported once as
    the `extension-block` dialect (docs/protocol.md §16) and its contents are not inspected. Allow-list
    extension keys in the config (`extension-keys: [key]` in .authmd.yaml; also `agent_auth.key`, `prm.key`, `as.key`).
    Bad: `{"resource": "…", "note": "beta"}`
    Good: `{"resource": "…"}` or `extension-keys: [note]` in .authmd.yaml
    Spec: docs/protocol.md D15, P7, P11.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    ext = ctx.allowed_extension_keys
    misplaced = {m.pointer for m in shape.misplacements(doc, ext, ctx.profile)}
    is_as = doc.kind is DocKind.AS_METADATA
    known = vocab.AS_MEMBERS if is_as else vocab.PRM_MEMBERS
    what = "authorization-server metadata" if is_as else "protected-resource metadata"
    hint = "agents ignore unknown members; remove it, or allow-list it as an extension key in the config"
    for key in root:
        p = shape.ptr(key)
        if key in known or key in vocab.LEGACY_NAMES or p in misplaced or shape.allowed(ext, key):
            continue
        yield Finding(f"`{key}` is not a member of {what} known to the protocol", key_at(doc, p), hint=hint)
    block = shape.block_of(root) if is_as else None
    if block is None:
        return
    for key, value in block.items():
        p = shape.ptr("agent_auth", key)
        if (key in vocab.AGENT_AUTH_MEMBERS or key in vocab.LEGACY_NAMES or p in misplaced
                or shape.allowed(ext, "agent_auth", key)):
            continue
        if isinstance(value, dict):
            yield Finding(f"`agent_auth.{key}` is an extension block (dialect `extension-block`); agents that "
                          "do not know it ignore it and its contents are not checked", key_at(doc, p),
                          hint="allow-list it in the config to silence this")
        else:
            yield Finding(f"`agent_auth.{key}` is not an `agent_auth` member known to the protocol",
                          key_at(doc, p), hint=hint)
    for type_key, members in vocab.TYPE_OBJECT_MEMBERS.items():
        obj = block.get(type_key)
        if not isinstance(obj, dict):
            continue
        for key in obj:
            p = shape.ptr("agent_auth", type_key, key)
            if (key in members or key in vocab.LEGACY_NAMES or p in misplaced
                    or shape.allowed(ext, "agent_auth", type_key, key)):
                continue
            yield Finding(f"`agent_auth.{type_key}.{key}` is not a member known to the protocol",
                          key_at(doc, p), hint=hint)


# ---------------------------------------------------------------------------- DS004


_EMAIL_BEFORE_V06 = ("before v0.6 the email path is `identity_assertion` with the `verified_email` assertion type: "
                     "list \"identity_assertion\" here and \"verified_email\" in "
                     "`agent_auth.identity_assertion.assertion_types_supported`")


def _type_hint(value: str, profile: Profile) -> str:
    """A "did you mean" that only names values the profile has (docs/protocol.md P3, §1.2)."""
    allowed = profile.identity_types
    suggestion = IDENTITY_TYPE_SUGGESTIONS.get(value) or IDENTITY_TYPE_SUGGESTIONS.get(value.lower())
    if suggestion and not suggestion.startswith("("):
        names, _, note = suggestion.partition(" (")
        keep = [n for n in names.split(" or ") if n in allowed]
        if keep:
            return f"did you mean {' or '.join(keep)}?" + (f" ({note}" if note else "")
        if "service_auth" in names:  # the email path of v0.1-v0.5 (SPEC §1.2)
            return _EMAIL_BEFORE_V06
    elif suggestion:
        return f"did you mean {suggestion}?"
    near = closest(value, sorted(allowed), cutoff=0.7)
    if near:
        return f"did you mean \"{near[0]}\"?"
    return "allowed: " + ", ".join(f'"{t}"' for t in sorted(allowed))


def _introduced(value: str, kind: str) -> str:
    """" (added in v0.6)" when `value` belongs to a newer profile than the target."""
    for label, prof in PROFILES.items():
        pool = prof.identity_types if kind == "identity" else prof.assertion_types
        if value in pool:
            return f" (it exists from {label})"
    return ""


@rule("DS004", "unknown-identity-type", Severity.ERROR, scope="as", spec="docs/protocol.md D14, D8, P3",
      embedded=True)
def unknown_identity_type(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """`identity_types_supported` or `assertion_types_supported` holds a value the profile lacks.

    Why: the sets are closed (docs/protocol.md D14): v0.1-v0.5 {anonymous, identity_assertion}, v0.6+
    adds service_auth; assertion types are the id-jag URN (+ `verified_email` in v0.1-v0.5).
    Agents pick a method by these exact strings, so `agent_verified`, `user_claimed` or `id-jag`
    match nothing. Lowered to info when a third-party dialect is detected (docs/protocol.md §16).
    `refresh` (docs/protocol.md D8) is info under v0.7-B and a warning under older profiles. `"none"` is
    reported by DS013 as a stub.
    Bad: `"identity_types_supported": ["agent_verified"]`; `"assertion_types_supported": ["id-jag"]`
    Good: `"identity_types_supported": ["identity_assertion"]`;
    `"assertion_types_supported": ["urn:ietf:params:oauth:token-type:id-jag"]`
    Spec: docs/protocol.md §5.3, D8, D14.
    """
    block = shape.block_of(shape.root_of(doc))
    if block is None:
        return
    dialect_sev = Severity.INFO if ctx.dialect else None
    dialect = f" (dialect `{ctx.dialect}`)" if ctx.dialect else ""
    types = block.get("identity_types_supported")
    unknown: list[Finding] = []
    for i, value in enumerate(types if isinstance(types, list) else []):
        if not isinstance(value, str) or value.lower() == "none" or value in ctx.profile.identity_types:
            continue
        loc = at(doc, pointer=shape.ptr("agent_auth", "identity_types_supported", i))
        if value == "refresh":
            yield Finding("identity type \"refresh\" is a request type, not advertised in "
                          f"`identity_types_supported`{'' if ctx.profile.has_refresh else ' before v0.7-B'}",
                          loc, hint="it is never required (docs/protocol.md D8); remove it",
                          severity=Severity.INFO if ctx.profile.has_refresh else Severity.WARNING)
            continue
        unknown.append(Finding(f"identity type {shape.show(value)} is not defined in profile {ctx.profile.label}"
                               f"{_introduced(value, 'identity')}{dialect}", loc,
                               hint=_type_hint(value, ctx.profile), severity=dialect_sev))
    yield from merged(unknown, "identity types the profile lacks")  # one list, one finding
    ia = block.get("identity_assertion")
    assertion = ia.get("assertion_types_supported") if isinstance(ia, dict) else None
    for i, value in enumerate(assertion if isinstance(assertion, list) else []):
        if (not isinstance(value, str) or value.lower() == "none" or value in ctx.profile.assertion_types
                or value in RENAMES):  # legacy `verified_email` in v0.6+: generations family (D3)
            continue
        hint = (f"use the URN \"{ID_JAG_URN}\"" if "jag" in value.lower()
                else "allowed: " + ", ".join(f'"{t}"' for t in sorted(ctx.profile.assertion_types)))
        yield Finding(f"assertion type {shape.show(value)} is not defined in profile {ctx.profile.label}"
                      f"{_introduced(value, 'assertion')}{dialect}",
                      at(doc, pointer=shape.ptr("agent_auth", "identity_assertion", "assertion_types_supported", i)),
                      hint=hint, severity=dialect_sev)


# ---------------------------------------------------------------------------- DS005


def _extension_blocks(root: dict[str, Any]) -> set[str]:
    block = shape.block_of(root) or {}
    return {shape.ptr("agent_auth", k) for k, v in block.items()
            if isinstance(v, dict) and k not in vocab.AGENT_AUTH_MEMBERS}


def _members(value: dict[str, Any], base: str, skip: set[str]) -> Iterator[tuple[str, str, Any]]:
    for key, child in value.items():
        p = base + shape.ptr(key)
        yield p, key, child
        if isinstance(child, dict) and p not in skip:
            yield from _members(child, p, skip)


_EMPTY_TYPES_HINT = ("a site that offers no agent registration uses the no-registration profile and publishes no "
                     "`agent_auth` block (docs/protocol.md D13, D16)")


@rule("DS005", "empty-array", Severity.WARNING, scope="json", spec="docs/protocol.md D16; RFC 9728 §3.2; RFC 8414 §2",
      embedded=True)
def empty_array(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A zero-valued member (`[]`, `""`, `{}`) that RFC 9728 / RFC 8414 say to omit.

    Why: "zero-valued" members must be omitted (RFC 9728 §3.2, RFC 8414 §2); an empty
    `events_supported` next to an `events_endpoint` says "I accept events" and "none" at once.
    An empty `identity_types_supported` is an **error**: a site that offers no registration
    uses the no-registration profile and publishes no `agent_auth` (docs/protocol.md D13, D16).
    Bad: `"events_supported": []`, `"resource_name": ""`, `"identity_types_supported": []`
    Good: omit the member.
    Spec: docs/protocol.md D16.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    offers_idjag = "identity_assertion" in shape.offered(shape.block_of(root))
    for p, key, value in _members(root, "", _extension_blocks(root)):
        if value not in ([], "", {}) or isinstance(value, bool):
            continue
        shown = shape.show(value)
        if key == "identity_types_supported":
            yield Finding(f"{shape.display(p)} is {shown}: the site advertises no way to register",
                          at(doc, pointer=p), hint=_EMPTY_TYPES_HINT, severity=Severity.ERROR)
        elif key == "assertion_types_supported" and offers_idjag:
            continue  # DS012: identity_assertion offered without the id-jag URN
        elif p == "/grant_types_supported" and "token_endpoint" in root:
            continue  # DS009: a token endpoint without jwt-bearer
        else:
            yield Finding(f"{shape.display(p)} is {shown}; zero-valued members must be omitted", at(doc, pointer=p),
                          hint="remove the member (RFC 9728 §3.2, RFC 8414 §2)")


# ---------------------------------------------------------------------------- DS006


def _where(pointer: str, value: str) -> str:
    # Only for a finding: showing a value scrubs it (five regex passes), and most URLs are fine.
    return f"{shape.display(pointer)} {shape.show(value)}"


@rule("DS006", "endpoint-url", Severity.ERROR, scope="json", spec="docs/protocol.md D12, D29, P5; RFC 8414 §2",
      embedded=True)
def endpoint_url(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An endpoint or identifier URL is not an absolute https URL, has a fragment, or is a placeholder.

    Why: agents POST to these URLs as published; RFC 8414 §2 and RFC 9728 §2 require https
    identifiers without fragments, and a placeholder (`"<identity endpoint>"`, `"..."`) in
    served metadata is a broken document (docs/protocol.md D12). Plain http is accepted only for
    loopback hosts (the local sandbox). `null` values are DS013, RFC 6570 templates DS010, and an
    `auth.md#anchor` or HTML page DS008.
    Bad: `"token_endpoint": "http://auth.service.example.com/oauth2/token"`;
    `"identity_endpoint": "/agent/identity"`; `"issuer": "<issuer>"`
    Good: `"token_endpoint": "https://auth.service.example.com/oauth2/token"`
    Spec: RFC 8414 §2, RFC 9728 §2, docs/protocol.md D12.
    """
    skill = shape.skill_of(doc)
    for m in shape.url_members(doc):
        v = m.value
        if not isinstance(v, str) or has_template(v):
            continue
        if shape.looks_placeholder(v) and ctx.embedded:
            continue  # placeholders are fine in auth.md examples (SPEC §14 D12)
        if shape.looks_placeholder(v):
            yield Finding(f"{_where(m.pointer, v)} is a placeholder, not a URL", at(doc, pointer=m.pointer),
                          hint="served metadata must carry the real URL (docs/protocol.md D12)")
            continue
        problem = scheme_problem(v)
        if problem:
            yield Finding(f"{_where(m.pointer, v)} {problem}", at(doc, pointer=m.pointer),
                          hint="publish the absolute https URL agents should call")
            continue
        parts = split(v)
        identifier = m.key in ("issuer", "authorization_servers")
        if parts and parts.fragment and not (m.role and shape.page_reason(v, skill)):
            yield Finding(f"{_where(m.pointer, v)} has a fragment `#{inline(parts.fragment)}`",
                          at(doc, pointer=m.pointer), hint="remove the fragment; it is never sent to the server")
        elif parts and identifier and parts.query:
            yield Finding(f"{_where(m.pointer, v)} has a query `?{inline(parts.query)}`; an issuer has none "
                          "(RFC 8414 §2)", at(doc, pointer=m.pointer), hint="remove the query component")


# ---------------------------------------------------------------------------- DS007


@rule("DS007", "skill-url", Severity.ERROR, scope="as", spec="docs/protocol.md D29, P6, §13.4", embedded=True)
def skill_url(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """`agent_auth.skill` is missing, not an absolute https URL, or not the URL of an auth.md.

    Why: `skill` tells an agent where the human-readable instructions live; it must be the
    absolute URL of the auth.md document (docs/protocol.md D29). A sentence, a slug or a catalogue URL
    sends agents nowhere. Not an absolute https URL → error; missing → warning; not ending in
    `/auth.md` → warning (docs/protocol.md §13.4).
    Bad: `"skill": "Register agents here"`, `"skill": "https://service.example.com/skills.json"`
    Good: `"skill": "https://service.example.com/auth.md"`
    Spec: docs/protocol.md §5.3, §13.4, D29.
    """
    root = shape.root_of(doc)
    block = shape.block_of(root)
    if block is None:
        return
    p = shape.ptr("agent_auth", "skill")
    if "skill" not in block:
        if ctx.embedded:
            return  # an example need not show every member
        if not any(m.target == p for m in shape.misplacements(doc, ctx.allowed_extension_keys, ctx.profile)):
            yield Finding("`agent_auth.skill` is missing: agents cannot find the auth.md from the metadata",
                          key_at(doc, shape.ptr("agent_auth")), hint="add \"skill\": \"https://<host>/auth.md\"",
                          severity=Severity.WARNING)
        return
    value = block["skill"]
    hint = "set it to the absolute https URL of this site's auth.md, e.g. https://<host>/auth.md"
    if not isinstance(value, str):
        yield Finding(f"`agent_auth.skill` is {shape.show(value)}, not a URL", at(doc, pointer=p), hint=hint)
        return
    if has_template(value):
        return  # DS010
    if shape.looks_placeholder(value) and ctx.embedded:
        return  # SPEC §14 D12
    if shape.looks_placeholder(value):
        yield Finding(f"`agent_auth.skill` {shape.show(value)} is a placeholder, not a URL", at(doc, pointer=p),
                      hint=hint)
        return
    problem = scheme_problem(value)
    if problem:
        yield Finding(f"`agent_auth.skill` {shape.show(value)} {problem}", at(doc, pointer=p), hint=hint)
        return
    parts = split(value)
    if parts is not None and not parts.path.lower().endswith("/auth.md"):
        yield Finding(f"`agent_auth.skill` {shape.show(value)} does not end in `/auth.md`", at(doc, pointer=p),
                      hint="point it at the auth.md document itself", severity=Severity.WARNING)


# ---------------------------------------------------------------------------- DS008


_DCR_PATH_RE = re.compile(r"^(?:/(?:oauth2?|connect|o|oidc|api/oauth2?))?/(?:register|clients)$")


def _is_dcr_path(url: str) -> bool:
    """An RFC 7591 registration path by its usual names (`/register`, `/oauth2/register`,
    `/connect/register`); `/agent/register` names this protocol's endpoint, not RFC 7591."""
    parts = split(url)
    return bool(parts and _DCR_PATH_RE.match(parts.path.rstrip("/").lower()))


def merged(findings: list[Finding], lead: str) -> Iterator[Finding]:
    """One root cause, one finding: several findings of one rule and severity become one that
    names every element (its location the first; the others `related`)."""
    by_sev: dict[Severity | None, list[Finding]] = {}
    for f in findings:
        by_sev.setdefault(f.severity, []).append(f)
    for group in by_sev.values():
        if len(group) == 1:
            yield group[0]
            continue
        first = group[0]
        hints = list(dict.fromkeys(f.hint for f in group if f.hint))
        yield Finding(f"{lead} ({len(group)}): " + "; ".join(f.message for f in group), first.location,
                      hint="; ".join(hints) or None, severity=first.severity,
                      related=tuple(f.location for f in group[1:]))


@rule("DS008", "endpoint-collapse", Severity.ERROR, scope="as", spec="docs/protocol.md D13, P5, P10", embedded=True)
def endpoint_collapse(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """Endpoints with different roles share one URL, or point at the auth.md or a web page.

    Why: registration, claim, token, revocation and events are different operations; when they
    all name the same URL (often the auth.md itself, an HTML page or an `#anchor`), the site
    advertises endpoints it does not serve (docs/protocol.md P5). Stubs like that are errors under
    every profile; a site without registration uses the no-registration profile instead
    (docs/protocol.md D13). A registration member at an RFC 7591 `/register` endpoint (or equal to the
    top-level `registration_endpoint`) is a **warning**: dynamic client registration is a
    different protocol. Old and new names of one role (`register_uri` + `identity_endpoint`)
    are the generations family's concern (docs/protocol.md D30). One stub is one finding: every member
    pointing at the same page, or sharing one URL across roles, is named in it (related
    locations). `/agent/register` names this protocol's endpoint, not RFC 7591. Also checked in the
    AS metadata examples of auth.md.
    Bad: `"identity_endpoint": "https://x.example/auth.md", "claim_endpoint": "https://x.example/auth.md"`
    Good: `"identity_endpoint": "https://x.example/agent/identity",
    "claim_endpoint": "https://x.example/agent/identity/claim"`
    Spec: docs/protocol.md D13, P5, P10.
    """
    skill = shape.skill_of(doc)
    members = [m for m in shape.url_members(doc)
               if m.role is not None and isinstance(m.value, str) and not has_template(m.value)]
    # One finding per root cause: every member pointing at the same page, every member sharing
    # one URL across roles, is named in one finding (IN-THE-WILD P5: a stub collapses them all).
    pages: dict[tuple[str, str], list[shape.UrlMember]] = {}
    shared: dict[str, list[shape.UrlMember]] = {}
    dcr: list[Finding] = []
    for m in members:
        v = str(m.value)
        reason = shape.page_reason(v, skill)
        if reason:
            pages.setdefault((reason, shape.normalised(v)), []).append(m)
            continue
        dcr_pair = next((s for s in members if s is not m and shape.same(v, str(s.value)) and {s.role, m.role} ==
                         {"registration", "client-registration"}), None)
        if m.role == "registration" and _is_dcr_path(v):
            dcr.append(Finding(f"{_where(m.pointer, v)} looks like an RFC 7591 dynamic client registration endpoint",
                               at(doc, pointer=m.pointer), hint="RFC 7591 client registration is a different "
                               "protocol; point it at the agent registration endpoint (`/agent/identity`)",
                               severity=Severity.WARNING))
        elif m.role == "registration" and dcr_pair is not None:
            dcr.append(Finding(f"{_where(m.pointer, v)} is the same URL as {shape.display(dcr_pair.pointer)}: "
                               "RFC 7591 client registration and agent registration are different protocols",
                               at(doc, pointer=m.pointer),
                               hint="point the agent registration member at `/agent/identity`",
                               severity=Severity.WARNING))
        elif m.role != "client-registration":
            shared.setdefault(shape.normalised(v), []).append(m)
    for (reason, _), group in pages.items():
        names = ", ".join(shape.display(m.pointer) for m in group)
        what = f"{names} {shape.show(group[0].value)} {reason}" if len(group) == 1 else \
            f"{len(group)} endpoints ({names}) are {shape.show(group[0].value)}, which {reason}"
        yield Finding(f"{what}, not an API endpoint",
                      at(doc, pointer=group[0].pointer), hint=NO_REG_HINT,
                      related=tuple(at(doc, pointer=m.pointer) for m in group[1:]))
    for group in shared.values():
        if len({m.role for m in group}) < 2:
            continue
        names = ", ".join(shape.display(m.pointer) for m in group)
        # Located at the first copy (the member that took another role's URL); the rest are related.
        yield Finding(f"{len(group)} endpoints with different roles share one URL {shape.show(group[0].value)}: "
                      f"{names}", at(doc, pointer=group[1].pointer),
                      hint="each operation needs its own endpoint; " + NO_REG_HINT,
                      related=tuple(at(doc, pointer=m.pointer) for m in (group[0], *group[2:])))
    yield from dcr


# ---------------------------------------------------------------------------- DS009


def _vendor_claim_grant(value: str) -> bool:
    low = value.lower()
    # IN-THE-WILD §3: `urn:<vendor>:params:oauth:grant-type:claim_token`
    return (low.startswith("urn:") and not low.startswith(("urn:ietf:", "urn:workos:"))
            and "grant-type" in low and "claim" in low.rsplit(":", 1)[-1])


@rule("DS009", "grant-types", Severity.ERROR, scope="as", spec="docs/protocol.md D7, D17; §5.2", embedded=True)
def grant_types(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """`grant_types_supported` is missing, lacks jwt-bearer, or gets the claim grant wrong for the profile.

    Why: without `grant_types_supported` RFC 8414 defaults to `authorization_code`/`implicit`,
    which is wrong for auth.md (docs/protocol.md D7, error). Agents exchange the identity assertion with
    the RFC 7523 jwt-bearer grant, so it must be listed when there is a token endpoint. Under
    v0.4-v0.7-A the claim-polling grant `urn:workos:agent-auth:grant-type:claim` is required when
    `anonymous` or `service_auth` is offered (error); under v0.2-v0.3 and v0.7-B it is a legacy
    construct (warning, docs/protocol.md D17); the URN with no claim-capable type and no claim endpoint
    is a grant nobody can use (warning). A vendor claim-polling URN (`urn:<vendor>:…claim…`) is
    the `vendor-claim-grant` dialect (info) and stands in for the WorkOS URN.
    Bad: `"token_endpoint": "…"` without `grant_types_supported`; v0.7-B listing the claim URN
    Good: `"grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"]`
    Spec: docs/protocol.md §5.2, D7, D17, §16 vendor-claim-grant.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    prof = ctx.profile
    if "grant_types_supported" not in root:
        if "token_endpoint" in root and not ctx.embedded:
            listed = ", ".join(f'"{g}"' for g in sorted(prof.grant_types or {JWT_BEARER_URN}))
            yield Finding("`token_endpoint` is published without `grant_types_supported` (RFC 8414 would "
                          "default to authorization_code and implicit)", key_at(doc, shape.ptr("token_endpoint")),
                          hint=f"add \"grant_types_supported\": [{listed}] (docs/protocol.md D7)")
        return
    grants = root["grant_types_supported"]
    if not isinstance(grants, list):
        return  # DS001
    p = shape.ptr("grant_types_supported")
    strings = [g for g in grants if isinstance(g, str)]
    if "token_endpoint" in root and JWT_BEARER_URN not in strings:
        yield Finding(f"`grant_types_supported` {shape.show(grants)} lacks \"{JWT_BEARER_URN}\", the grant agents use "
                      "at the token endpoint", at(doc, pointer=p), hint="add the RFC 7523 jwt-bearer grant")
    vendor = [(i, g) for i, g in enumerate(grants) if isinstance(g, str) and _vendor_claim_grant(g)]
    for i, g in vendor:
        yield Finding(f"grant type {shape.show(g)} is a vendor claim-polling grant (dialect `vendor-claim-grant`)",
                      at(doc, pointer=shape.ptr("grant_types_supported", i)),
                      hint=f"generic agents poll with \"{CLAIM_GRANT_URN}\"", severity=Severity.INFO)
    block = shape.block_of(root)
    claim_capable = bool(shape.offered(block) & {"anonymous", "service_auth"})
    if CLAIM_GRANT_URN in prof.grant_types:
        if claim_capable and CLAIM_GRANT_URN not in strings and not vendor:
            yield Finding(f"`grant_types_supported` {shape.show(grants)} lacks the claim grant \"{CLAIM_GRANT_URN}\" "
                          f"although a claim-capable identity type is offered (profile {prof.label})",
                          at(doc, pointer=p), hint="agents poll the token endpoint with it (docs/protocol.md D17)")
        elif CLAIM_GRANT_URN in strings and block is not None and shape.offered(block) and not claim_capable \
                and not ({"claim_endpoint", "claim_uri"} & set(block)):
            # The reverse: a grant nobody can use. No anonymous / service_auth registration and no
            # claim endpoint (the ID-JAG step-up needs one) means no claim token ever exists.
            i = grants.index(CLAIM_GRANT_URN)
            yield Finding(f"grant type \"{CLAIM_GRANT_URN}\" is advertised, but no claim-capable identity type is "
                          "offered and there is no `claim_endpoint`: agents never hold a claim token to poll with",
                          at(doc, pointer=shape.ptr("grant_types_supported", i)),
                          hint="remove the claim grant, or publish the claim endpoint the ceremony uses",
                          severity=Severity.WARNING)
    elif CLAIM_GRANT_URN in strings:
        i = grants.index(CLAIM_GRANT_URN)
        yield Finding(f"grant type \"{CLAIM_GRANT_URN}\" is not part of profile {prof.label}",
                      at(doc, pointer=shape.ptr("grant_types_supported", i)),
                      hint=RENAMES[CLAIM_GRANT_URN].note if prof.order >= 7 else
                      "the polling claim grant arrived in v0.4 (docs/protocol.md D17)", severity=Severity.WARNING)


# ---------------------------------------------------------------------------- DS010


_URL_KEY = re.compile(r"(_uri|_url|_endpoint|^url|^uri)$", re.IGNORECASE)


def _position(doc: Document, pointer: str) -> tuple[int, int]:
    pos = doc.json.position(pointer) if doc.json is not None else None
    return pos or (0, 0)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and has_template(value)


@rule("DS010", "uri-template", Severity.WARNING, scope="json", spec="docs/protocol.md P12; RFC 6570", embedded=True)
def uri_template(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An endpoint or URL member is an RFC 6570 URI template such as `…/{agent_id}`.

    Why: discovery documents carry fixed URLs; a generic agent has no value for `{agent_id}`
    and cannot expand the template (docs/protocol.md P12). Recognised before URL validation, so
    DS006 does not report the same value. Besides the protocol's URL members, any `*_uri`,
    `*_url` or `*_endpoint` member is checked (extended vocabularies such as `rekey_uri`).
    Bad: `"identity_endpoint": "https://auth.example.com/agents/{agent_id}/identity"`
    Good: `"identity_endpoint": "https://auth.example.com/agent/identity"`
    Spec: docs/protocol.md P12.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    members = shape.url_members(doc, skill=True)
    known = {m.pointer for m in members}
    # Extended vocabularies put templates in their own `*_uri` members (IN-THE-WILD §3 templated).
    extra = [shape.UrlMember(p, key, None, value) for p, key, value in _members(root, "", _extension_blocks(root))
             if p not in known and _URL_KEY.search(key) and _templated(value)]
    # Only templates are reported: they are picked before the (stable) sort by position, which
    # orders them as sorting every member and picking afterwards did.
    for m in sorted([*(m for m in members if _templated(m.value)), *extra], key=lambda m: _position(doc, m.pointer)):
        if isinstance(m.value, str) and has_template(m.value):
            names = ", ".join(f"`{inline(n)}`" for n in re.findall(r"\{[^{}]*\}", m.value))
            yield Finding(f"{shape.display(m.pointer)} {shape.show(m.value)} is a URI template; generic agents "
                          f"cannot expand {names}", at(doc, pointer=m.pointer), hint="publish a fixed URL")


# ---------------------------------------------------------------------------- DS011


_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@rule("DS011", "events-supported", Severity.ERROR, scope="as", spec="docs/protocol.md P11, §5.3, §13.4", embedded=True)
def events_supported(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """`events_supported` holds non-URIs or foreign events, or is not paired with the events endpoint.

    Why: `events_supported` lists SET event schema URIs; agents act only on the WorkOS revoked
    event. An entry that is not an absolute URI (`claim.confirmed`) → error; another absolute
    URI (e.g. an OpenID Shared Signals event) → info. When `identity_assertion` is offered, the
    events endpoint (`events_endpoint`, v0.1-v0.2 `revocation_uri`) and `events_supported` come
    together (docs/protocol.md §13.4): the endpoint without the list → warning; the list without the
    endpoint → warning under any method. One bad list is one finding.
    Bad: `"events_supported": ["claim.confirmed"]`; `events_endpoint` with no `events_supported`
    Good: `"events_supported": ["https://schemas.workos.com/events/agent/auth/identity/assertion/revoked"]`
    Spec: docs/protocol.md §5.3, §9.6, §13.4, P11.
    """
    block = shape.block_of(shape.root_of(doc))
    if block is None:
        return
    events = block.get("events_supported")
    bad: list[Finding] = []
    for i, value in enumerate(events if isinstance(events, list) else []):
        loc = at(doc, pointer=shape.ptr("agent_auth", "events_supported", i))
        if not isinstance(value, str) or not _URI_RE.match(value):
            bad.append(Finding(f"`events_supported` entry {shape.show(value)} is not an absolute URI", loc,
                               hint=f"list event schema URIs, e.g. \"{REVOKED_EVENT_URI}\""))
        elif value != REVOKED_EVENT_URI:
            bad.append(Finding(f"`events_supported` entry {shape.show(value)} is not the WorkOS revoked event; agents "
                               "act only on the WorkOS revoked event", loc, severity=Severity.INFO))
    yield from merged(bad, "`events_supported` entries")  # one list, one finding per kind
    endpoint = next((k for k in ("events_endpoint", "revocation_uri") if k in block), None)
    # The endpoint is expected only with identity_assertion (providers push SETs about ID-JAG
    # registrations); events advertised with nowhere to send them are wrong under any method.
    if endpoint and "events_supported" not in block and "identity_assertion" in shape.offered(block):
        yield Finding(f"`agent_auth.{endpoint}` is published without `events_supported`",
                      key_at(doc, shape.ptr("agent_auth", endpoint)),
                      hint=f"add \"events_supported\": [\"{REVOKED_EVENT_URI}\"]", severity=Severity.WARNING)
    elif endpoint is None and block.get("events_supported") not in (None, []):  # `[]` is DS005's: omit it
        key = ctx.profile.events_key or "events_endpoint"
        yield Finding(f"`agent_auth.events_supported` is published without `{key}`: providers have nowhere "
                      "to push revocation events",
                      key_at(doc, shape.ptr("agent_auth", "events_supported")),
                      hint="add the SET receiver URL (`/agent/event/notify`)", severity=Severity.WARNING)


# ---------------------------------------------------------------------------- DS012


def _missing(doc: Document, pointer: str, message: str, hint: str, skip: set[str]) -> Iterator[Finding]:
    if pointer not in skip:
        yield Finding(message, at(doc, pointer=pointer), hint=hint)


@rule("DS012", "required-member", Severity.ERROR, scope="json", spec="docs/protocol.md §13.4; RFC 9728 §2; RFC 8414 §2")
def required_member(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A member the profile requires is missing (docs/protocol.md §13.4).

    Why: PRM needs `resource` and, for auth.md, `authorization_servers` (agents take `[0]`);
    AS metadata needs `issuer` and `token_endpoint` (v0.2+) and `agent_auth`; the block needs
    the registration endpoint and `identity_types_supported`, `claim_endpoint` when
    `anonymous` or `service_auth` is offered, and `identity_assertion.assertion_types_supported`
    holding the id-jag URN when `identity_assertion` is offered. This rule, not DS001, reports
    missing members (it names the profile and the reason); a member DS002 found misplaced or
    misspelled is not reported again. A legacy alias (`register_uri`, `claim_uri`) satisfies the
    requirement (the generations family reports the name). `grant_types_supported` is DS009.
    Bad: `{"issuer": "…", "token_endpoint": "…"}` (no `agent_auth`)
    Good: see `tests/fixtures/json/v0.7-B/as.json`
    Spec: docs/protocol.md §13.4, §4.2, §5.2-5.3.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    skip = {m.target for m in shape.misplacements(doc, ctx.allowed_extension_keys, ctx.profile) if m.target}
    prof = ctx.profile
    if doc.kind is DocKind.PRM:
        yield from _missing_top(doc, root, "resource", "the protected resource's identifier (RFC 9728 §2)", skip)
        yield from _missing_top(doc, root, "authorization_servers",
                                "agents find the authorization server from its first entry", skip)
        return
    if prof.top_level_oauth:
        yield from _missing_top(doc, root, "issuer", f"required by RFC 8414 §2 (profile {prof.label})", skip)
    if prof.top_level_oauth and prof.has_token_endpoint:
        yield from _missing_top(doc, root, "token_endpoint",
                                f"agents exchange the assertion there (profile {prof.label})", skip)
    if "agent_auth" not in root:
        yield from _missing(doc, shape.ptr("agent_auth"), "the authorization-server metadata has no `agent_auth` block",
                            "publish the agent_auth block; " + NO_REG_HINT, skip)
        return
    block = shape.block_of(root)
    if block is None:
        return  # DS001: not an object
    id_keys = {prof.identity_key, "identity_endpoint", "register_uri", "registration_endpoint"}
    if not id_keys & set(block):
        yield from _missing(doc, shape.ptr("agent_auth", prof.identity_key),
                            f"`agent_auth` has no registration endpoint `{prof.identity_key}`",
                            "agents register there (docs/protocol.md §5.3)", skip)
    if "identity_types_supported" not in block:
        yield from _missing(doc, shape.ptr("agent_auth", "identity_types_supported"),
                            "`agent_auth` has no `identity_types_supported`",
                            "list the methods agents may use, e.g. [\"anonymous\"]", skip)
    offered = shape.offered(block)
    claimers = sorted(offered & {"anonymous", "service_auth"})
    if claimers and not {prof.claim_key, "claim_endpoint", "claim_uri"} & set(block):
        yield from _missing(doc, shape.ptr("agent_auth", prof.claim_key),
                            f"`agent_auth` has no `{prof.claim_key}` although {', '.join(claimers)} is offered",
                            "those identities are claimed by the user at the claim endpoint", skip)
    if "identity_assertion" in offered:
        yield from _missing_idjag(doc, block, skip)


def _missing_top(doc: Document, root: dict[str, Any], key: str, why: str, skip: set[str]) -> Iterator[Finding]:
    if key not in root:
        yield from _missing(doc, shape.ptr(key), f"`{key}` is missing", why, skip)


def _missing_idjag(doc: Document, block: dict[str, Any], skip: set[str]) -> Iterator[Finding]:
    p = shape.ptr("agent_auth", "identity_assertion", "assertion_types_supported")
    ia = block.get("identity_assertion")
    types = ia.get("assertion_types_supported") if isinstance(ia, dict) else None
    if ia is not None and not isinstance(ia, dict):
        return  # DS001
    if types is None:
        yield from _missing(doc, p, "`identity_assertion` is offered but `agent_auth.identity_assertion."
                            "assertion_types_supported` is missing",
                            f"add \"identity_assertion\": {{\"assertion_types_supported\": [\"{ID_JAG_URN}\"]}}",
                            skip)
        return
    if not isinstance(types, list):
        return  # DS001
    jag_typos = [t for t in types if isinstance(t, str) and "jag" in t.lower() and t != ID_JAG_URN]
    if ID_JAG_URN not in types and not jag_typos:  # a short form is DS004's, with the URN as hint
        yield from _missing(doc, p, f"`assertion_types_supported` {shape.show(types)} lacks \"{ID_JAG_URN}\" although "
                            "`identity_assertion` is offered", "agents present an ID-JAG of that type", skip)


# ---------------------------------------------------------------------------- DS013


@rule("DS013", "no-registration-stub", Severity.ERROR, scope="json", spec="docs/protocol.md D13, P5, P10",
      no_registration=True, embedded=True)
def no_registration_stub(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """Registration is advertised by a stub (`null` endpoints, `["none"]`), or under no-registration at all.

    Why: a site that offers no registration should say so, not publish fake endpoints that
    agents will call (docs/protocol.md D13, P10). Under every profile, an endpoint member
    that is `null` or a `*_supported` list containing `"none"` is an error. Under the
    no-registration profile, an `agent_auth` block or a registration/claim endpoint in the
    metadata contradicts the declaration. The stub elements of one document are one finding.
    Bad: `"identity_endpoint": null`; `"identity_types_supported": ["none"]`; under
    no-registration, any `agent_auth` block
    Good: omit `agent_auth` entirely (no-registration), or publish working endpoints
    Spec: docs/protocol.md D13, P5, P10.
    """
    root = shape.root_of(doc)
    if root is None:
        return
    no_reg = ctx.profile.label == NO_REGISTRATION
    if no_reg:
        if "agent_auth" in root:
            yield Finding("an `agent_auth` block is published although the site declares no agent registration",
                          key_at(doc, shape.ptr("agent_auth")),
                          hint="remove `agent_auth`, or lint against a registration profile (`--profile`)")
        for key in ("identity_endpoint", "register_uri", "claim_endpoint", "claim_uri"):
            if key in root:
                yield Finding(f"registration member `{key}` is published although the site declares no agent "
                              "registration", key_at(doc, shape.ptr(key)), hint="remove it")
    stubs: list[Finding] = []
    for m in shape.url_members(doc):
        if m.role is not None and m.value is None and not (no_reg and m.pointer.startswith("/agent_auth/")):
            stubs.append(Finding(f"{shape.display(m.pointer)} is null", at(doc, pointer=m.pointer),
                                 hint="omit the member; " + NO_REG_HINT))
    block = {} if no_reg else (shape.block_of(root) or {})
    for key, value in block.items():
        if not key.endswith("_supported") or not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip().lower() == "none":
                stubs.append(Finding(f"`agent_auth.{key}` lists \"{item}\"",
                                     at(doc, pointer=shape.ptr("agent_auth", key, i)), hint=NO_REG_HINT))
    if len(stubs) == 1:
        f = stubs[0]
        yield Finding(f.message + (": an endpoint that does not exist is advertised" if f.message.endswith("null")
                                   else ": a stub that offers nothing"), f.location, hint=f.hint)
    elif stubs:
        yield Finding("registration is advertised by a stub: " + ", ".join(f.message for f in stubs),
                      stubs[0].location, hint=NO_REG_HINT, related=tuple(f.location for f in stubs[1:]))


# ---------------------------------------------------------------------------- DS014


def _has_duplicate_names(text: str) -> bool:
    """Cheap pre-check with the strict parser: does any object repeat a member name?"""
    import json

    found = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        if not found and len({k for k, _ in items}) != len(items):
            found = True
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return False
    return found


def duplicate_names(text: str) -> list[tuple[str, str, tuple[int, int], tuple[int, int]]]:
    """(pointer of the object, name, first (line, col), repeated (line, col)) per repeated member name."""
    if not _has_duplicate_names(text):
        return []
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Tabs are JSON whitespace but not YAML indentation; raw tabs cannot occur inside valid JSON
        # strings (RFC 8259 §7), so replacing them keeps every column (as jsonpos does).
        root = yaml.compose(text.replace("\t", " "), Loader=loader)
    except yaml.YAMLError:
        return []
    out: list[tuple[str, str, tuple[int, int], tuple[int, int]]] = []
    stack: list[tuple[Any, str]] = [(root, "")] if root is not None else []
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, tuple[int, int]] = {}
            for k, v in node.value:
                name = str(k.value)
                where = (k.start_mark.line + 1, k.start_mark.column + 1)
                if name in first:
                    out.append((pointer, name, first[name], where))
                else:
                    first[name] = where
                stack.append((v, f"{pointer}/{shape.ptr(name)[1:]}"))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node.value))
    return sorted(out, key=lambda d: d[3])


@rule("DS014", "duplicate-member", Severity.ERROR, scope="json", spec="RFC 8259 §4; RFC 8414 §2; RFC 9728 §2",
      no_registration=True)
def duplicate_member(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An object of the discovery document names the same member twice.

    Why: RFC 8259 §4 says member names SHOULD be unique because "the behavior of software that
    receives such an object is unpredictable": some parsers keep the first value, most the
    last, and the rest of authmd (like Python's `json`) sees only the last one. An agent may
    therefore call a different endpoint than the one the publisher reviewed.
    Bad: `{"resource": "https://api.acme.dev", "resource": "https://www.acme.dev"}`
    Good: each member once.
    Spec: RFC 8259 §4; RFC 8414 §2; RFC 9728 §2.
    """
    if doc.json is None:
        return
    for pointer, name, first, again in duplicate_names(doc.text):
        where = shape.display(f"{pointer}/{shape.ptr(name)[1:]}")
        yield Finding(f"member {where} appears twice (first at line {first[0]}, column {first[1]}); parsers "
                      "disagree about which value wins", at(doc, again[0], again[1], f"{pointer}{shape.ptr(name)}"),
                      hint="keep one of the two members")
