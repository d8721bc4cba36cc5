"""Rule family EX: the JSON and HTTP examples inside auth.md (docs/protocol.md §3.3, §6, D12, D27, D28).

Agents copy the examples of auth.md literally, so each ```json block and each JSON body of an
```http block is validated against the schema of what it shows. What it shows is decided by
position and shape: the endpoint of the request it answers (the nearest ```http request
earlier in the same H2 section), the section it sits in (Register, Claim ceremony, Exchange),
and its members (`resource`, `issuer`, `access_token`, `error`, ...). Placeholders inside
strings are silent (docs/protocol.md D12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.core import urls
from authmd_cli.core.diagnostics import Finding, Severity
from authmd_cli.core.display import inline, value_at, violation_message
from authmd_cli.lint.rules.base import RuleContext, at, rule
from authmd_cli.lint.rules.memo import per_subject
from authmd_cli.protocol.foreign import other_protocol
from authmd_cli.protocol.markdown import split_lines
from authmd_cli.protocol.model import AuthDoc, DocKind, Document, HttpMessage, JsonDoc
from authmd_cli.protocol.profiles import Profile

# ------------------------------------------------------------------ classification


@dataclass(frozen=True)
class Example:
    """One JSON example with what it shows."""

    value: Any
    jdoc: JsonDoc
    line: int  # line of the first JSON token (file coordinates)
    kind: str | None  # schema kind (schemas.KINDS) or None when unknown
    endpoint: str | None  # "identity", "claim", "claim-complete", "token", "revoke", "events", "prm", "as"
    direction: str | None  # "request" | "response" | None
    status: int | None  # HTTP status when shown


_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("/claim/complete", "claim-complete"),
    ("/agent/identity/claim", "claim"),
    ("/agent/auth/claim", "claim"),
    ("/agent/identity", "identity"),
    ("/agent/auth", "identity"),
    ("/agent/event/notify", "events"),
    ("/agent/auth/revoke", "events"),
    ("/oauth2/token", "token"),
    ("/oauth2/revoke", "revoke"),
    ("/token", "token"),
    ("/revoke", "revoke"),
)
_METADATA_KEYS: tuple[tuple[str, str], ...] = (
    ("identity_endpoint", "identity"), ("register_uri", "identity"), ("claim_endpoint", "claim"),
    ("claim_uri", "claim"), ("events_endpoint", "events"), ("revocation_uri", "events"),
)
_REQUIRED_RE = re.compile(r"^(.*) is missing required member `([^`]+)`$")
_TIMESTAMP_KEYS = frozenset({"expires_at", "assertion_expires", "claim_token_expires"})  # SPEC §14 D28
_STEP_UP_CODES = frozenset({"interaction_required", "login_required"})


def _path_of(target: str) -> str:
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0]
    return path.rstrip("/") or "/"


@per_subject  # examples() and EX004 both ask: read once per document
def _known_paths(auth: AuthDoc) -> dict[str, str]:
    """Endpoint paths the document's own AS metadata examples advertise."""
    out: dict[str, str] = {}
    seen: dict[str, set[str]] = {}
    values = [b.doc.value for b in auth.json_blocks if b.doc is not None]
    values += [m.json_body.doc.value for m in auth.http_messages if m.json_body and m.json_body.doc]
    for value in values:
        if not isinstance(value, dict):
            continue
        block = value.get("agent_auth")
        pairs: list[tuple[Any, str]] = [(value.get("token_endpoint"), "token"),
                                        (value.get("revocation_endpoint"), "revoke")]
        if isinstance(block, dict):
            pairs += [(block.get(k), e) for k, e in _METADATA_KEYS]
            claim = block.get("claim_endpoint") or block.get("claim_uri")
            if isinstance(claim, str):
                pairs.append((claim.rstrip("/") + "/complete", "claim-complete"))
        for url, endpoint in pairs:
            if isinstance(url, str) and urls.is_absolute(url) and not urls.has_template(url):
                seen.setdefault(_path_of(url), set()).add(endpoint)
    # A path advertised for two roles (a stub collapsing endpoints, DS008) says nothing about
    # either: the request is judged by its own path, never told to take another role's body.
    out.update((path, next(iter(roles))) for path, roles in seen.items() if len(roles) == 1)
    return out


def endpoint_of(target: str, known: dict[str, str]) -> str | None:
    path = _path_of(target)
    if path in known:
        return known[path]
    if path.startswith("/.well-known/oauth-protected-resource"):
        return "prm"
    if path.startswith("/.well-known/oauth-authorization-server"):
        return "as"
    for suffix, endpoint in _SUFFIXES:
        if path.endswith(suffix):
            return endpoint
    return None


_SECTION_ENDPOINT = {"register": "identity", "claim": "claim", "exchange": "token"}
_RESPONSE_MARKERS = frozenset({"id", "registration_id", "status", "identity", "claim_attempt", "attempt",
                               "credential", "claim_attempt_id"})


def _shape_kind(value: dict[str, Any], endpoint: str | None, direction: str | None,
                profile: Profile, status: int | None = None) -> str | None:
    """Kind of a JSON object from its members, the endpoint it belongs to and its direction."""
    if other_protocol(value) is not None:
        return None  # RFC 7591 / RFC 8628 shown for comparison: not an example of this protocol
    if "err" in value or (status is not None and status >= 400 and endpoint == "events"):
        return "set-error"
    if "error" in value or (status is not None and status >= 400):
        # A 4xx/5xx body is an error body even when it lacks `error` (SPEC §14 D10: that is the
        # error to report), not a registration response missing its `type`.
        if endpoint == "identity" and value.get("error") in _STEP_UP_CODES:
            return "registration-response"  # the 401 step-up bodies (SPEC §6.1)
        if endpoint in ("token", "revoke"):
            return "oauth-error"
        return "error"
    if "access_token" in value:
        if "identity_assertion" in value and profile.ceremony == "poll":
            return "claim-grant-response"  # SPEC §6.7: the claim grant also returns an assertion
        return "token-response"
    if "issuer" in value or "agent_auth" in value:
        return "as-metadata"
    if "iss" in value and ("sub" in value or "aud" in value):
        if "events" in value:
            return "set"
        return "service-assertion" if value.get("iss") == value.get("aud") else "id-jag"
    if "resource" in value and ("authorization_servers" in value or "resource_name" in value
                                or "scopes_supported" in value or len(value) == 1):
        return "prm"
    if set(value) <= {"typ", "alg", "kid"} and "typ" in value:
        typ = str(value.get("typ", ""))
        return "set-header" if typ in ("secevent+jwt", "logout+jwt") else "id-jag-header"
    if direction is None:
        direction = "response" if _RESPONSE_MARKERS & set(value) else "request"
    if endpoint is None and ("registration_id" in value or ("id" in value and "type" in value)):
        endpoint, direction = "identity", "response"  # a registration answer shown on its own
    if endpoint == "claim" and direction == "request" and ("user_code" in value or "otp" in value):
        endpoint = "claim-complete"
    if endpoint == "claim" and direction == "response" and value.get("status") == "claimed" \
            and isinstance(value.get("identity"), dict):
        endpoint = "claim-complete"  # v0.7-B /complete answer shown without its request
    table = {
        ("identity", "request"): "registration-request",
        ("identity", "response"): "registration-response",
        ("claim", "request"): "claim-request",
        ("claim", "response"): "claim-response",
        ("claim-complete", "request"): "claim-complete-request",
        ("claim-complete", "response"): "claim-complete-response",
        # A token-endpoint answer without `access_token` (`token`, camelCase, IN-THE-WILD P13) is still
        # a token response, to be checked against its schema rather than skipped as "unknown".
        ("token", "response"): "token-response",
        ("prm", "response"): "prm",
        ("as", "response"): "as-metadata",
    }
    return table.get((endpoint or "", direction))


def _first_content_line(msg: HttpMessage) -> int:
    for i, text in enumerate(split_lines(msg.fence.content)):
        if text.strip():
            return msg.fence.content_line + i
    return msg.fence.line


_RESPONSE_LABEL_RE = re.compile(r"\b(respon\w*|returns?|answers?|repl(?:y|ies)|you\s+(?:get|receive)|result|"
                                r"output|comes\s+back)\b", re.IGNORECASE)
_REQUEST_LABEL_RE = re.compile(r"\b(request(?:\s+body)?|body|send|post|payload|submit)\b", re.IGNORECASE)


def block_label(auth: AuthDoc, line: int) -> str | None:
    """"request" / "response" as the prose right above a fence labels it ("Response:", "Send this body:")."""
    n = line - 1
    while n >= 1 and not auth.lines[n - 1].strip():
        n -= 1
    if n < 1 or n in auth.code_lines or auth.lines[n - 1].lstrip().startswith("#"):
        return None
    text = auth.lines[n - 1]
    if _RESPONSE_LABEL_RE.search(text):
        return "response"
    if _REQUEST_LABEL_RE.search(text):
        return "request"
    return None


def _direction(value: Any, label: str | None, request: HttpMessage | None) -> str | None:
    """Request body or response of a ```json block, from its label and content, not from block order.

    A ```json block after an ```http request that has no body is that request's body unless it
    is labelled or shaped as an answer (docs/protocol.md §3.3: the canonical file shows bodies inside the
    ```http block, but real files split them).
    """
    if label is not None:
        return label
    if request is None:
        return None
    if isinstance(value, dict) and not request.body.strip() and not (
            _RESPONSE_MARKERS & set(value) or {"access_token", "error", "err"} & set(value)):
        return "request"
    return "response"


@per_subject  # EX001-EX003, GN001 and SC rules read the same list: classified once per document
def examples(auth: AuthDoc, profile: Profile) -> list[Example]:
    """Every parseable JSON example of the document, classified, in document order."""
    known = _known_paths(auth)
    http_by_line = {m.fence.line: m for m in auth.http_messages}
    json_by_line = {b.fence.line: b for b in auth.json_blocks}
    out: list[Example] = []
    section: str | None = None
    last_request: str | None = None  # endpoint of the latest request shown in this H2 section
    last_msg: HttpMessage | None = None
    for fence in sorted(auth.fences, key=lambda f: f.line):
        if fence.section != section:
            section, last_request, last_msg = fence.section, None, None
        msg = http_by_line.get(fence.line)
        if msg is not None and msg.kind == "request":
            endpoint = endpoint_of(msg.target or "", known)
            last_request, last_msg = endpoint, msg
            body = msg.json_body
            if body is not None and body.doc is not None:
                ep = endpoint or _SECTION_ENDPOINT.get(section or "")
                out.append(_example(body.doc, ep, "request", None, profile))
            continue
        if msg is not None and msg.kind == "response":
            body = msg.json_body
            if body is not None and body.doc is not None:
                ep = last_request or _SECTION_ENDPOINT.get(section or "")
                out.append(_example(body.doc, ep, "response", msg.status, profile))
            continue
        block = json_by_line.get(fence.line)
        if block is not None and block.doc is not None:
            ep = last_request or _SECTION_ENDPOINT.get(section or "")
            direction = _direction(block.doc.value, block_label(auth, fence.line), last_msg)
            out.append(_example(block.doc, ep, direction, None, profile))
    return out


def _example(jdoc: JsonDoc, endpoint: str | None, direction: str | None, status: int | None,
             profile: Profile) -> Example:
    value = jdoc.value
    kind = _shape_kind(value, endpoint, direction, profile, status) if isinstance(value, dict) else None
    line = jdoc.positions.get("", (0, 0))[0]
    return Example(value, jdoc, line, kind, endpoint, direction, status)


# ------------------------------------------------------------------ envelopes (SPEC §1.2, §6)

_FLAT_TO_NESTED = {
    "registration_id": "id", "registration_type": "type", "identity_assertion": "identity.assertion",
    "assertion_expires": "identity.expires_at", "claim_token": "claim.token", "claim_url": "claim.url",
    "claim_token_expires": "claim.expires_at", "pre_claim_scopes": "scopes.pre_claim",
    "post_claim_scopes": "scopes.post_claim", "claim_attempt": "claim.attempt (or attempt at /claim)",
    "claim_attempt_id": "(none: the attempt is identified by its verification_uri)",
}
_V01_MARKERS = frozenset({"credential", "credential_type", "credential_expires"})
_RESPONSE_KINDS = frozenset({"registration-response", "claim-response", "claim-complete-response"})


def _flat_markers(value: dict[str, Any]) -> list[str]:
    keys = [k for k in _FLAT_TO_NESTED if k in value and k != "identity_assertion"]
    if isinstance(value.get("identity_assertion"), str):
        keys.append("identity_assertion")
    return keys


def _nested(value: dict[str, Any]) -> bool:
    return "id" in value and any(isinstance(value.get(k), dict) for k in ("identity", "claim", "scopes", "attempt"))


def foreign_envelope(ex: Example, profile: Profile) -> tuple[str, str] | None:
    """(profile the example's shape belongs to, hint) when it is not the given profile's shape."""
    v = ex.value
    if not isinstance(v, dict) or ex.kind is None:
        return None
    if ex.kind in _RESPONSE_KINDS:
        if _V01_MARKERS & set(v) and profile.envelope != "v0.1":
            return "v0.1", "credentials come from the token endpoint since v0.2 (jwt-bearer exchange)"
        flat = _flat_markers(v)
        if profile.envelope == "nested" and flat:
            names = ", ".join(f"`{k}` → `{_FLAT_TO_NESTED[k]}`" for k in flat)
            return "v0.2–v0.7-A (flat envelope)", f"v0.7-B nests the response: {names}"
        if profile.envelope != "nested" and _nested(v):
            return "v0.7-B (nested envelope)", ("this profile uses the flat envelope: `registration_id`, "
                                                "`identity_assertion`, `assertion_expires`, `claim_token`, "
                                                "`post_claim_scopes`")
        return None
    return _foreign_request(ex, v, profile)


def _foreign_request(ex: Example, v: dict[str, Any], profile: Profile) -> tuple[str, str] | None:
    label, order = profile.label, profile.order
    typ = v.get("type")
    completes = profile.ceremony == "complete"  # v0.7-B: the agent completes the claim (SPEC §6.5)
    if ex.kind == "registration-request":
        if typ == "refresh" and not profile.has_refresh:
            return "v0.7-B", "refresh tokens exist only in v0.7-B; re-exchange the assertion or register again"
        if typ == "service_auth" and order < 6:
            return "v0.6+", "before v0.6 the email path is `type: identity_assertion` with " \
                            "`assertion_type: verified_email`"
        if v.get("assertion_type") == "verified_email" and order >= 6:
            return "v0.1–v0.5", "since v0.6 send `{\"type\": \"service_auth\", \"login_hint\": \"<email>\"}`"
        if "requested_credential_type" in v and order > 1:
            return "v0.1", "remove `requested_credential_type`; credentials come from the token endpoint"
    elif ex.kind == "claim-request":
        if completes and typ in ("login_hint", "identity_assertion"):
            return "v0.7-A", "v0.7-B starts an attempt with `{\"type\": \"service_auth\", \"claim_token\", " \
                             "\"login_hint\"}`"
        if order >= 7 and typ is None and "email" in v:
            want = "service_auth" if completes else "login_hint"
            return "v0.1–v0.6", f"{label} sends `{{\"type\": \"{want}\", \"claim_token\", \"login_hint\"}}`"
        if order < 7 and typ is not None:
            return ("v0.7-B" if typ == "service_auth" else "v0.7-A"), \
                f"{label} sends `{{\"claim_token\", \"email\"}}`"
        if order >= 7 and not completes and typ == "service_auth":
            return "v0.7-B", "v0.7-A uses `type: login_hint` (or `identity_assertion`)"
    elif ex.kind == "claim-complete-request":
        if "otp" in v and order >= 4:
            return "v0.1–v0.3", "the OTP claim was replaced by the user_code ceremony in v0.4"
        if "user_code" in v and "claim_token" in v and not completes:
            return "v0.7-B", ("only v0.7-B agents complete the claim; " + (
                "send `{\"claim_token\", \"otp\"}`" if order < 4 else "poll the token endpoint with the claim grant"))
    return None


# ------------------------------------------------------------------ discovery documents in examples

_DISCOVERY_KINDS = {"prm": DocKind.PRM, "as-metadata": DocKind.AS_METADATA}


def embedded_discovery(doc: Document, profile: Profile) -> list[Document]:
    """The PRM and AS metadata examples of an auth.md as documents of their own.

    Sources and positions stay the auth.md's (fenced JSON is parsed in file coordinates), so a
    discovery rule run on one reports at the auth.md line. The engine runs the rules marked
    `embedded` on them with `RuleContext.embedded` set: an excerpt (only `{"agent_auth": …}`)
    is checked for what it shows, never for what it leaves out.
    """
    if doc.auth is None:
        return []
    out = []
    for ex in examples(doc.auth, profile):
        kind = _DISCOVERY_KINDS.get(ex.kind or "")
        if kind is not None:
            out.append(Document(doc.source, kind, doc.text, json=ex.jdoc, detection=doc.detection))
    return out


# ------------------------------------------------------------------ EX001-EX004


# Names seen in the wild for a required member (IN-THE-WILD P13: `token`, camelCase bodies).
_STAND_INS = {"access_token": ("token",), "id": ("registration_id",), "type": ("registration_type",),
              "error": ("code", "error_code", "err")}


def _stand_in(member: str, present: list[str]) -> str | None:
    """The present key that stands in for a missing member (`accessToken`, `token`, a typo `scope`)."""
    from authmd_cli.core.suggest import closest

    for key in present:
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
        if key != member and (snake == member or key in _STAND_INS.get(member, ())):
            return key
    near = closest(member, [k for k in present if k != member], cutoff=0.8)
    return near[0] if near else None


_ONE_OF_RE = re.compile(r"not one of (.+)$")


def _did_you_mean(message: str, value: Any) -> str:
    """`did you mean `anonymous`? ` for a closed value that is a near miss of an allowed one."""
    from authmd_cli.core.suggest import closest

    m = _ONE_OF_RE.search(message)
    if m is None or not isinstance(value, str):
        return ""
    allowed = [a.strip() for a in m.group(1).split(",")]
    near = closest(value, allowed, cutoff=0.6)
    return f"did you mean `{near[0]}`? " if near else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@rule("EX001", "example-schema", Severity.ERROR, scope="auth.md", spec="docs/protocol.md §3.3, §6, D12, D27")
def example_schema(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A JSON example does not match the schema of what it shows.

    Why: agents copy the examples literally (docs/protocol.md §3.3). Each ```json block and each JSON body
    of an ```http block is validated against the profile's schema for what it shows (PRM, AS
    metadata, registration request/response, claim bodies, token response, error bodies),
    chosen by its members, its label ("Response:") and the request it follows, not by block
    order; RFC 7591 client registration and RFC 8628 device-flow blocks are not examples of this
    protocol, and PRM / AS metadata examples are checked by the discovery rules (an excerpt only
    for what it shows). A missing member with a near miss present names it (did you mean).
    Placeholder strings such as `"<service-signed JWT>"` or `"reg_..."` are accepted
    (docs/protocol.md D12). `authmd schema show KIND --profile P` prints the schema.
    Bad (v0.7-B): `{"id": "reg_...", "type": "anonymous", "identity": {"assertion": "<jwt>"}}`
    (no `expires_at`, no `scopes`, no `claim`).
    Good: the full anonymous response of docs/protocol.md §6.1.
    """
    auth = doc.auth
    if auth is None:
        return
    from authmd_cli.protocol import schemas

    for ex in examples(auth, ctx.profile):
        if ex.kind is None or foreign_envelope(ex, ctx.profile) is not None:
            continue  # unknown, or example-shape-mismatch explains it better than a dozen violations
        if ex.kind in _DISCOVERY_KINDS:
            continue  # a PRM / AS metadata example: the discovery rules check it (embedded_discovery)
        try:
            name = schemas.schema_for(ex.kind, ctx.profile.label)
        except KeyError:
            continue  # the kind does not exist in this profile (e.g. a token response in v0.1)
        missing: dict[str, tuple[str, list[str]]] = {}  # pointer -> (what, members): one finding per object
        for v in schemas.validate(ex.value, name, ctx.profile.label, allow_placeholders=True):
            found = value_at(ex.value, v.pointer)
            if isinstance(found, str) and urls.is_placeholder(found):
                continue
            if v.pointer.rsplit("/", 1)[-1] in _TIMESTAMP_KEYS and _is_number(found):
                continue  # example-timestamp (SPEC §14 D28)
            req = _REQUIRED_RE.match(v.message) if v.keyword == "required" else None
            if req is not None:
                entry = missing.setdefault(v.pointer, (req.group(1), []))
                if req.group(2) not in entry[1]:
                    entry[1].append(req.group(2))
                continue
            pos = ex.jdoc.position(v.pointer, key=v.keyword in ("additionalProperties", "unevaluatedProperties",
                                                                "false"))
            line, col = pos or (ex.line, 1)
            message = violation_message(v.message, v.value, ex.value, v.pointer)
            yield Finding(f"{ex.kind} example: {message}", at(doc, line, col),
                          hint=_did_you_mean(message, found) + f"see `authmd schema show {name}`")
        for pointer, (what, members) in missing.items():
            line, col = ex.jdoc.position(pointer) or (ex.line, 1)
            obj = value_at(ex.value, pointer)
            present = [k for k in obj if k not in members] if isinstance(obj, dict) else []
            stand_ins = {m: _stand_in(m, present) for m in members}
            names = ", ".join(f"`{m}`" + (f" (the example has `{k}`)" if k else "") for m, k in stand_ins.items())
            renames = [(k, m) for m, k in stand_ins.items() if k]
            if renames:
                # Point at the member the author wrote; the hint says what it should be called.
                key_pos = ex.jdoc.position(f"{pointer}/{renames[0][0]}", key=True)
                line, col = key_pos or (line, col)
                hint = "did you mean " + ", ".join(f"`{m}` (rename `{k}`)" for k, m in renames)
                rest = [m for m, k in stand_ins.items() if not k]
                hint += ("; add " + ", ".join(f"`{m}`" for m in rest)) if rest else ""
            else:
                hint = "add " + ", ".join(f"`{m}`" for m in members) + f"; see `authmd schema show {name}`"
            yield Finding(f"{ex.kind} example: {what} is missing required member{'s' if len(members) > 1 else ''} "
                          f"{names}", at(doc, line, col), hint=hint)


@rule("EX002", "example-timestamp", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §6.1-§6.2, D28; "
      "docs/protocol.md P13")
def example_timestamp(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A number where an example needs an RFC 3339 timestamp string.

    Why: `expires_at`, `assertion_expires` and `claim_token_expires` are ISO-8601/RFC 3339 UTC
    strings; a number there is usually seconds confused with a timestamp, and agents that
    parse the date fail (docs/protocol.md D28). `expires_in` and `interval` are the integer fields.
    Bad: `"expires_at": 3600`.
    Good: `"expires_at": "2026-06-26T12:00:00.000Z"` (or `"expires_in": 3600`).
    """
    auth = doc.auth
    if auth is None:
        return
    for ex in examples(auth, ctx.profile):
        stack: list[tuple[Any, str]] = [(ex.value, "")]
        found: list[tuple[str, Any]] = []
        while stack:
            node, ptr = stack.pop()
            if isinstance(node, dict):
                for k, child in node.items():
                    child_ptr = f"{ptr}/{k.replace('~', '~0').replace('/', '~1')}"
                    if k in _TIMESTAMP_KEYS and _is_number(child):
                        found.append((child_ptr, child))
                    stack.append((child, child_ptr))
            elif isinstance(node, list):
                stack.extend((child, f"{ptr}/{i}") for i, child in enumerate(node))
        for ptr, value in sorted(found, key=lambda pv: ex.jdoc.position(pv[0]) or (0, 0)):
            line, col = ex.jdoc.position(ptr) or (ex.line, 1)
            key = ptr.rsplit("/", 1)[-1]
            yield Finding(f"`{key}` is the number {value}, expected an RFC 3339 timestamp string",
                          at(doc, line, col),
                          hint='write e.g. "2026-06-26T12:00:00.000Z"; a duration in seconds is `expires_in`')


@rule("EX003", "example-shape-mismatch", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §1.2, §6, P13")
def example_shape_mismatch(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An example uses the body shape of another profile (e.g. a flat `registration_id` in v0.7-B).

    Why: the response envelope and the claim bodies changed between versions (docs/protocol.md §1.2): v0.7-B
    nests `{id, type, identity: {assertion, expires_at}, scopes, claim: {token, url, attempt}}`
    where v0.2–v0.7-A return flat `registration_id`, `identity_assertion`, `claim_token`. An
    agent written for the file's profile cannot parse the other shape. The hint names the
    profile and the names to use; several such examples are one finding per document unless
    `--verbose`.
    Bad (v0.7-B): `{"registration_id": "reg_...", "identity_assertion": "<jwt>"}`.
    Good (v0.7-B): `{"id": "reg_...", "type": "anonymous", "identity": {"assertion": "<jwt>", ...}}`.
    """
    auth = doc.auth
    if auth is None:
        return
    each: list[tuple[Example, str, Finding]] = []
    for ex in examples(auth, ctx.profile):
        foreign = foreign_envelope(ex, ctx.profile)
        if foreign is not None:
            other, hint = foreign
            each.append((ex, other, Finding(f"{ex.kind} example has the shape of profile {other}, not "
                                            f"{ctx.profile.label}", at(doc, ex.line, 1), hint=hint)))
    if ctx.verbose or len(each) <= 1:
        yield from (f for _, _, f in each)
        return
    # Examples written for another generation are one root cause (like GN001's constructs): one
    # finding per document unless --verbose, which gives each example its renames.
    shown = "; ".join(f"{ex.kind} (line {ex.line}, {other})" for ex, other, _ in each[:6])
    more = f"; and {len(each) - 6} more" if len(each) > 6 else ""
    yield Finding(f"{len(each)} examples have the body shape of other profiles than {ctx.profile.label}: "
                  f"{shown}{more}", each[0][2].location,
                  hint=f"rewrite them in the {ctx.profile.label} shape (`authmd lint --verbose` gives the renames "
                       "of each example), or pin the profile the file follows",
                  related=tuple(f.location for _, _, f in each[1:]))


def _media_type(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value else None


_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


def _expected_request(endpoint: str, profile: Profile) -> tuple[tuple[str, ...], str | None]:
    """(allowed methods, expected Content-Type or None) for a request to `endpoint` (docs/protocol.md §6)."""
    if endpoint in ("prm", "as"):
        return ("GET", "HEAD"), None
    if endpoint in ("token", "revoke"):
        return ("POST",), _FORM
    if endpoint == "events":
        return ("POST",), ("application/logout+jwt" if profile.order <= 2 else "application/secevent+jwt")
    if endpoint == "claim-complete" and profile.ceremony == "poll":
        return ("POST",), None  # v0.4-v0.7-A: the user's browser form, not an agent call (SPEC §6.5)
    return ("POST",), _JSON


@rule("EX004", "http-example-method", Severity.WARNING, scope="auth.md",
      spec="docs/protocol.md §6, §13.1; RFC 6749 §3.2")
def http_example_method(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A request example uses the wrong method or content type for its endpoint.

    Why: the profile endpoints (`/agent/identity*`) take `POST` with `application/json`; the
    OAuth endpoints (`/oauth2/token`, `/oauth2/revoke`) take `POST` with
    `application/x-www-form-urlencoded` (RFC 6749 §3.2, docs/protocol.md §6); the SET receiver takes
    `application/secevent+jwt`; the well-known documents are fetched with `GET`. An agent that
    copies a wrong example gets 400s.
    Bad: `POST /oauth2/token` with `Content-Type: application/json` and a JSON body.
    Good: `POST /oauth2/token`, `Content-Type: application/x-www-form-urlencoded`,
    `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...`.
    """
    auth = doc.auth
    if auth is None:
        return
    known = _known_paths(auth)
    for msg in auth.http_messages:
        if msg.kind != "request" or not msg.method:
            continue
        endpoint = endpoint_of(msg.target or "", known)
        if endpoint is None:
            continue
        methods, ctype = _expected_request(endpoint, ctx.profile)
        target = inline(msg.target or "")
        if msg.method not in methods:
            yield Finding(f"{msg.method} {target}: the {endpoint} endpoint takes {' or '.join(methods)}",
                          at(doc, _first_content_line(msg), 1), hint=f"use `{methods[0]} {target}`")
        if ctype is None or not msg.body:
            continue
        header = next((h for h in msg.headers if h.name.lower() == "content-type"), None)
        sent = _media_type(header.value if header else None)
        if sent is None:
            yield Finding(f"{msg.method} {target} has a body but no Content-Type (expected {ctype})",
                          at(doc, _first_content_line(msg), 1), hint=f"add `Content-Type: {ctype}`")
        elif sent != ctype and header is not None:
            yield Finding(f"{msg.method} {target} is sent as {sent}; the {endpoint} endpoint takes {ctype}",
                          at(doc, header.line, 1), hint=f"use `Content-Type: {ctype}`")
        elif ctype == _FORM and msg.json_body is not None and msg.body_line is not None:
            yield Finding(f"{msg.method} {target} has a JSON body; the {endpoint} endpoint takes a form",
                          at(doc, msg.body_line, 1), hint="write the body as `name=value&name=value`")
        elif ctype == _JSON and msg.json_body is None and msg.form is not None and msg.body_line is not None:
            yield Finding(f"{msg.method} {target} has a form body; the {endpoint} endpoint takes JSON",
                          at(doc, msg.body_line, 1), hint="send a JSON object")

