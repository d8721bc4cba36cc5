"""Rule family GN: protocol generations (docs/protocol.md §1.2-§1.3, D2, D3, D30, P1, P2, §16).

Severity decisions (documented in each rule):
- GN001 `legacy-profile`: each construct older than the *effective* profile (pinned, else
  the newest in its site, else detected, else latest) is a **warning** with its docs/protocol.md §1.2 replacement
  (D3; never an error, never applied silently). When nothing is pinned and the document's own
  detected profile is older than latest, ONE **info** names it ("follows v0.4; latest is
  v0.7-B: ...") with a migration summary: following an old profile is a fact about the
  document, not a defect; pinning that profile silences it.
- GN002 `mixed-generations`: an old alias next to its successor in one object is a
  **warning** when both name the same URL (after D4 normalisation) and an **error** when they
  name different URLs (D30). GN001 leaves such aliases to GN002 so each is reported once.
- GN003 `dialect` (**info**) and GN004 `unknown-profile` (**info**, D2 "no signal").

All four work on auth.md files and on PRM / AS metadata, hence scope "any".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from authmd_cli.core.diagnostics import Finding, Location, Severity
from authmd_cli.core.display import inline
from authmd_cli.core.urls import compare, is_placeholder
from authmd_cli.lint.rules.base import RuleContext, at, escape_pointer_token, key_at, rule
from authmd_cli.protocol.detect import ALIAS_PAIRS, Scan, Signal, document_scan, index
from authmd_cli.protocol.model import DocKind, Document, JsonDoc
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, LATEST, RENAMES, VERSIONED, range_label

_KINDS = (DocKind.AUTH_MD, DocKind.PRM, DocKind.AS_METADATA)

# Constructs that are shapes rather than JSON names (RENAMES covers names, paths and codes).
_SHAPE_HINTS: dict[str, str] = {
    "identity_assertion": "v0.7-B nests the response envelope: `identity.assertion` (+ `identity.expires_at`)",
    "claim-body-email": "the /claim body became `{\"type\": \"login_hint\", \"claim_token\", \"login_hint\"}` in "
                        "v0.7-A and `{\"type\": \"service_auth\", \"claim_token\", \"login_hint\"}` in v0.7-B",
    "claim-body-union": "v0.7-B's /claim body is `{\"type\": \"service_auth\", \"claim_token\", \"login_hint\"}`; "
                        "claim-by-ID-JAG was not carried over",
    "use-the-credential": "since v0.2 registration returns an identity assertion that Step 5 exchanges at "
                          "`token_endpoint` (jwt-bearer); Step 6 uses the access_token",
    "/claim/view": "the emailed-OTP helpers were removed in v0.4 (user_code ceremony)",
    "claim-complete-form": "in v0.7-B the agent itself completes at `<claim_endpoint>/complete` with "
                           "`{claim_token, user_code}`",
    "claim-poll": "v0.7-B has no polling: `4c. Complete the claim` with the user_code the user reads back",
    "vendor-claim-urn": "v0.7-B removed the polling claim grant",
    "verified_email": "the email path is the top-level `service_auth` type with `login_hint` (v0.6)",
}


def _applies(doc: Document, ctx: RuleContext) -> bool:
    return doc.kind in _KINDS and ctx.profile.label in VERSIONED and not doc.detection.not_protocol


def is_legacy(sig: Signal, target: str) -> bool:
    """Older than `target`: not compatible with it and last seen in an earlier profile (docs/protocol.md D3)."""
    if target in sig.compat or index(target) < 0:
        return False
    return max(index(p) for p in sig.compat) < index(target)


# Closed enums of served AS metadata are checked by the discovery family (DS004 identity types,
# DS009 grants incl. the claim URN under v0.7-B, SPEC §14 D14, D17); GN001 does not report the
# same value twice. A legacy `verified_email` assertion type is left to GN001 by DS004 (D3).
_DS_ENUMS = ("/grant_types_supported/", "/identity_types_supported/")


def _left_to_discovery(doc: Document, sig: Signal) -> bool:
    # Also in auth.md: the discovery rules run on its metadata examples (embedded).
    return sig.kind == "value" and any(e in (sig.pointer or "") for e in _DS_ENUMS)


def rename_hint(sig: Signal) -> str:
    if sig.construct == "verified_email" and "/assertion_types_supported/" in (sig.pointer or ""):
        # Not a rename in place: `service_auth` is an identity type, not an assertion type.
        return ("remove `verified_email` from `assertion_types_supported`; since v0.6 the email path is the "
                "`service_auth` identity type (list it in `identity_types_supported`) with `login_hint`")
    r = RENAMES.get(sig.construct)
    if r is not None:
        head = (f"rename `{r.old}` to `{r.new}` (since {r.introduced})" if r.new
                else f"remove `{r.old}` (gone since {r.introduced})")
        return f"{head}; {r.note}" if r.note else head
    shape = _SHAPE_HINTS.get(sig.construct)
    if shape:
        return shape
    return "see docs/protocol.md §1.2 for the replacement"


def _short(sig: Signal) -> str:
    r = RENAMES.get(sig.construct)
    if r is not None:
        name = "claim-grant URN" if r.old == CLAIM_GRANT_URN else f"`{r.old}`"
        return f"{name} → `{r.new}`" if r.new else f"drop {name}"
    return sig.text


def _loc(doc: Document, sig: Signal) -> Location:
    if doc.kind is DocKind.AUTH_MD:
        return at(doc, sig.line, 1)
    pointer = sig.pointer if sig.pointer is not None else ""
    # A legacy member *name* is pointed at by its key, like GN002 and DS002 do.
    return key_at(doc, pointer) if sig.kind == "key" and pointer else at(doc, pointer=pointer)


# Body-shape constructs that example-shape-mismatch (EX003) names, with their replacements, in
# one finding per example (SPEC §1.2, §6); GN001 does not repeat them member by member.
_ENVELOPE_CONSTRUCTS = frozenset({
    "registration_id", "registration_type", "identity_assertion", "assertion_expires", "claim_url",
    "claim_token_expires", "pre_claim_scopes", "post_claim_scopes", "claim_attempt", "credential_type",
    "credential_expires", "requested_credential_type", "claim-body-email", "claim-body-union", "otp",
})


def _left_to_examples(doc: Document, ctx: RuleContext) -> set[int]:
    """Lines of auth.md examples that EX003 reports as another profile's body shape."""
    if doc.auth is None:
        return set()
    from authmd_cli.lint.rules.examples import examples, foreign_envelope

    lines: set[int] = set()
    for ex in examples(doc.auth, ctx.profile):
        if foreign_envelope(ex, ctx.profile) is not None:
            lines.update(pos[0] for pos in ex.jdoc.positions.values())
            lines.update(pos[0] for pos in ex.jdoc.key_positions.values())
    return lines


def _left_to_misplaced(doc: Document, ctx: RuleContext) -> set[str]:
    """Pointers of legacy members DS002 already reports with the same advice (e.g. a v0.1
    `credential_types_supported` at the root of `agent_auth`, "remove it"): one fact, one finding."""
    from authmd_cli.protocol import metadata_shape

    if doc.json is None:
        return set()
    return {m.pointer for m in metadata_shape.misplacements(doc, ctx.allowed_extension_keys, ctx.profile)
            if m.target is None}


def _misplaced_lines(doc: Document, ctx: RuleContext) -> set[int]:
    """auth.md lines of legacy members DS002 reports in the discovery examples (embedded)."""
    from authmd_cli.lint.rules.examples import embedded_discovery

    if doc.auth is None:
        return set()
    lines: set[int] = set()
    for sub in embedded_discovery(doc, ctx.profile):
        for p in _left_to_misplaced(sub, ctx):
            pos = sub.json.position(p, key=True) if sub.json is not None else None
            if pos:
                lines.add(pos[0])
    return lines


def _enum_lines(doc: Document, ctx: RuleContext) -> set[int]:
    """auth.md lines of grant / identity-type values in metadata examples: the discovery family
    checks those closed enums there too (embedded DS004, DS009), GN001 does not repeat them."""
    from authmd_cli.lint.rules.examples import embedded_discovery

    if doc.auth is None:
        return set()
    lines: set[int] = set()
    for sub in embedded_discovery(doc, ctx.profile):
        if sub.json is None:
            continue
        for p, (line, _) in sub.json.positions.items():
            if any(e in p + "/" for e in _DS_ENUMS) and p.rsplit("/", 1)[-1].isdigit():
                lines.add(line)
    return lines


def _alias_locations(doc: Document) -> set[tuple[str, int | None, str | None]]:
    """(old key, line, pointer) of aliases GN002 reports, so GN001 skips them."""
    out: set[tuple[str, int | None, str | None]] = set()
    for jdoc, is_md in _json_docs(doc):
        for obj, ptr in _objects(jdoc.value):
            for old, new in ALIAS_PAIRS.items():
                if old in obj and new in obj:
                    p = f"{ptr}/{old}"
                    pos = jdoc.position(p, key=True)
                    out.add((old, pos[0] if (pos and is_md) else None, None if is_md else p))
    return out


def _json_docs(doc: Document) -> list[tuple[JsonDoc, bool]]:
    if doc.json is not None:
        return [(doc.json, False)]
    if doc.auth is None:
        return []
    out = [(b.doc, True) for b in doc.auth.json_blocks if b.doc is not None]
    out += [(m.json_body.doc, True) for m in doc.auth.http_messages
            if m.json_body is not None and m.json_body.doc is not None]
    return out


def _objects(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        v, ptr = stack.pop()
        if isinstance(v, dict):
            yield v, ptr
            stack.extend((c, f"{ptr}/{escape_pointer_token(str(k))}") for k, c in v.items()
                         if isinstance(c, (dict, list)))
        elif isinstance(v, list):
            stack.extend((c, f"{ptr}/{i}") for i, c in enumerate(v) if isinstance(c, (dict, list)))


@rule("GN001", "legacy-profile", Severity.WARNING, scope="any", spec="docs/protocol.md D2, D3, §1.2")
def legacy_profile(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A construct of an older protocol generation than the profile the document is linted against.

    Why: the protocol renamed its core members and paths between v0.1 and v0.7 (docs/protocol.md §1.2); an
    agent written for the target profile does not understand the old name. Each legacy
    construct is a warning with its replacement (docs/protocol.md D3) — offered as a reviewable
    migration, never applied silently (docs/protocol.md P1). With `--profile` pinned to that older
    profile it is not reported. When nothing is pinned and the document itself follows an
    older profile, one info says so ("follows v0.4; latest is v0.7-B: ...") with a migration
    summary; pin the profile to silence it. Several constructs of one document are folded into
    one warning naming each (related locations); `--verbose` lists them one by one. Error
    codes are left to the Errors-table rule
    (docs/protocol.md D9) and aliases next to their successor to GN002.
    Bad (target v0.7-B): `"register_uri": "https://auth.example.com/agent/auth"`
    Good: `"identity_endpoint": "https://auth.example.com/agent/identity"`
    Spec: docs/protocol.md §1.2, §1.3, D2, D3, D17.
    """
    if not _applies(doc, ctx):
        return
    sc = document_scan(doc.kind, doc.auth, doc.json)
    target = ctx.profile.label
    legacy = [sig for sig in sc.signals if sig.kind != "error" and is_legacy(sig, target)]
    # What other rules report is worked out only when there is a legacy construct to weigh
    # against it (most documents have none).
    skip = _alias_locations(doc) if legacy else set()
    misplaced = _left_to_misplaced(doc, ctx) if legacy else set()
    misplaced_lines = _misplaced_lines(doc, ctx) if legacy else set()
    enum_lines = _enum_lines(doc, ctx) if legacy else set()
    shapes = _left_to_examples(doc, ctx) if legacy else set()
    seen: set[tuple[str, int | None, str | None]] = set()
    each: list[tuple[Signal, Finding]] = []
    for sig in legacy:
        if _left_to_discovery(doc, sig) \
                or (sig.pointer in misplaced and sig.kind == "key") \
                or (sig.kind == "key" and sig.line in misplaced_lines) \
                or (sig.kind == "value" and sig.line in enum_lines) \
                or (sig.line in shapes and sig.construct in _ENVELOPE_CONSTRUCTS):
            continue
        key = (sig.construct, sig.line if doc.kind is DocKind.AUTH_MD else None, sig.pointer)
        # A construct at an alias GN002 reports (the old name, or the old path in its value) is
        # that finding's root cause already.
        if key in seen or any((line, ptr) == (key[1], key[2]) for _, line, ptr in skip):
            continue
        seen.add(key)
        each.append((sig, Finding(f"{sig.text} is a {range_label(sig.compat)} construct, older than the target "
                                  f"profile {target}", _loc(doc, sig), hint=rename_hint(sig))))
    if ctx.verbose or len(each) <= 1:
        yield from (f for _, f in each)
    else:
        yield _folded(each, target)
    yield from _summary(doc, ctx, sc)


def _folded(each: list[tuple[Signal, Finding]], target: str) -> Finding:
    """One warning per document for its legacy constructs (one root cause: the document predates
    the target); `--verbose` lists them one by one. Locations of the others are `related`."""
    shown: list[str] = []
    for sig, f in each:
        where = f"line {f.location.line}" if f.location.line is not None else f.location.pointer or ""
        item = f"{_short(sig)} ({where})" if where else _short(sig)
        if item not in shown:
            shown.append(item)
    listed = "; ".join(shown[:6]) + (f"; and {len(shown) - 6} more" if len(shown) > 6 else "")
    return Finding(f"{len(each)} constructs are older than the target profile {target}: {listed}",
                   each[0][1].location, hint="migrate each to its replacement (`authmd lint --verbose` lists them "
                   "one by one), or pin the older profile", related=tuple(f.location for _, f in each[1:]))


def _summary(doc: Document, ctx: RuleContext, sc: Scan) -> Iterator[Finding]:
    detected = doc.detection.profile
    if ctx.pinned or detected not in VERSIONED or detected != ctx.profile.label or detected == LATEST:
        return
    items: list[str] = []
    for sig in sc.signals:
        # A construct older than the document's own profile is reported where it stands (GN001
        # per construct, GN002, the discovery rules); the summary does not name it again.
        if sig.kind != "error" and is_legacy(sig, LATEST) and not is_legacy(sig, detected):
            s = _short(sig)
            if s not in items:
                items.append(s)
    if not items:
        # Nothing here is older than the latest profile: the document is merely compatible with
        # an older one too (JSON alone cannot tell v0.3 from an ID-JAG-only v0.7-B). Saying it
        # "follows" that generation would be a false finding.
        return
    shown = "; ".join(items[:6]) + (f"; and {len(items) - 6} more" if len(items) > 6 else "")
    first = next((s for s in sc.signals if s.positive == detected), sc.signals[0] if sc.signals else None)
    loc = _loc(doc, first) if first else (at(doc, 1, 1) if doc.auth else at(doc, pointer=""))
    yield Finding(f"follows {detected}; latest is {LATEST}: {shown}", loc,
                  hint=f"lint with `--profile {detected}` to keep this generation, or migrate (docs/protocol.md §1.2)",
                  severity=Severity.INFO)


@rule("GN002", "mixed-generations", Severity.WARNING, scope="any", spec="docs/protocol.md D30, P2")
def mixed_generations(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An old member name and its successor side by side (`register_uri` + `identity_endpoint`).

    Why: publishers add old aliases "for all scanners" (docs/protocol.md P2). When both name the same
    URL the old alias is dead weight (warning); when they name different URLs, agents of
    different generations go to different places — often the old name points at an RFC 7591
    client-registration endpoint — so it is an error naming both URLs (docs/protocol.md D30). The
    successor of `revocation_uri` is the RFC 8935 SET receiver `events_endpoint`, not the RFC
    7009 `revocation_endpoint`.
    Bad: `"register_uri": "https://auth.example.com/register", "identity_endpoint": "https://auth.example.com/agent/identity"`
    Good: only `"identity_endpoint": "https://auth.example.com/agent/identity"`
    Spec: docs/protocol.md §1.2, D30.
    """
    if not _applies(doc, ctx):
        return
    for jdoc, is_md in _json_docs(doc):
        for obj, ptr in _objects(jdoc.value):
            for old, new in ALIAS_PAIRS.items():
                if old not in obj or new not in obj:
                    continue
                a, b = obj[old], obj[new]
                p = f"{ptr}/{old}"
                pos = jdoc.position(p, key=True)
                loc = at(doc, pos[0], pos[1]) if (is_md and pos) else (
                    Location(doc.source, pos[0], pos[1], p) if pos else Location(doc.source, None, None, p))
                hint = f"remove the old alias `{old}`; current agents read `{new}`"
                if old == "revocation_uri":
                    hint += ("; note the successor of `revocation_uri` is the RFC 8935 SET receiver "
                             "`events_endpoint`, not the RFC 7009 `revocation_endpoint`")
                differ = (isinstance(a, str) and isinstance(b, str) and not is_placeholder(a)
                          and not is_placeholder(b) and compare(a, b) == "different")
                if differ:
                    yield Finding(f"`{old}` ({inline(a)}) and `{new}` ({inline(b)}) name different URLs", loc,
                                  hint=f"decide which endpoint agents should use; {hint}", severity=Severity.ERROR)
                else:
                    yield Finding(f"`{old}` duplicates `{new}`: old and new names side by side", loc, hint=hint)
    if doc.auth is not None:
        old_line = new_line = None
        for m in doc.auth.http_messages:
            if m.kind != "request" or m.method != "POST" or not m.target:
                continue
            path = m.target.split("?")[0].rstrip("/")
            if path.endswith("/agent/auth") and old_line is None:
                old_line = m.fence.content_line
            elif path.endswith("/agent/identity") and new_line is None:
                new_line = m.fence.content_line
        if old_line is not None and new_line is not None:
            yield Finding(f"registration is documented at both `/agent/auth` (v0.1, line {old_line}) and "
                          f"`/agent/identity` (line {new_line})", at(doc, old_line, 1),
                          hint="document only `/agent/identity` (docs/protocol.md §1.2)")


@rule("GN003", "dialect", Severity.INFO, scope="any", spec="docs/protocol.md §16, D14, D15")
def dialect(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The document speaks a named third-party dialect (noform, vendor-claim-grant, extension-block, templated).

    Why: dialects bring their own identity types, URNs and extension blocks (docs/protocol.md §16,
    P11). authmd names the dialect with its evidence and lowers enum findings to info
    (docs/protocol.md D14) instead of drowning the author in errors. Several signals are needed: one
    unknown key is only an extension. AuthKit's nested shape is profile v0.7-B, not a dialect.
    The `extension-block` dialect is left to unknown-member (DS003), which reports each block
    once and honours the config allow-list.
    Bad/Good: informational; nothing to fix unless you meant to follow WorkOS's vocabulary.
    Spec: docs/protocol.md §16, D14, D15.
    """
    det = doc.detection
    if doc.kind not in _KINDS or not det.dialect or det.not_protocol:
        return
    if det.dialect == "extension-block":
        # DS003 reports each extension block once, naming the dialect, and honours the config
        # allow-list (IN-THE-WILD §3: "info once per block; config allow-list silences it").
        return
    sc = document_scan(doc.kind, doc.auth, doc.json)
    first = det.dialect_evidence[0] if det.dialect_evidence else None
    hit = next((h for h in sc.dialect_hits if h.dialect == det.dialect and h.text == first),
               next((h for h in sc.dialect_hits if h.dialect == det.dialect), None))
    if hit is None:
        loc = at(doc, 1, 1) if doc.auth else at(doc, pointer="")
    elif doc.kind is DocKind.AUTH_MD:
        loc = at(doc, hit.line, 1)
    else:
        loc = at(doc, pointer=hit.pointer or "")
    yield Finding(f"follows the `{det.dialect}` dialect: {'; '.join(det.dialect_evidence[:4])}", loc,
                  hint="dialect-specific members and values are reported as info; allow-list extension keys in "
                       "the config to silence the unknown-member findings")


@rule("GN004", "unknown-profile", Severity.INFO, scope="any", spec="docs/protocol.md D2, §1.3")
def unknown_profile(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """No generation fingerprint was found, so the document is linted against the fallback profile.

    Why: docs/protocol.md D2 — without a §1.3 fingerprint the profile is "unknown" and the target (the
    site's detected profile, else latest) applies; say so, so a surprising finding can be
    traced to the assumption. Pin the profile (`--profile`) to silence it. Protected-resource
    metadata carries no generation vocabulary and is not reported.
    Bad: an auth.md with no request, metadata or error-table example at all.
    Good: an auth.md that shows the registration request and the metadata it relies on.
    Spec: docs/protocol.md §1.3, D2.
    """
    det = doc.detection
    if ctx.pinned or det.profile is not None or det.not_protocol:
        return
    if doc.kind not in (DocKind.AUTH_MD, DocKind.AS_METADATA):
        return
    if doc.auth is not None:
        from authmd_cli.lint.rules.structure import html_body_line

        if html_body_line(doc.auth) is not None:
            return  # an HTML page has no generation to detect (MD018 html-document)
    loc = at(doc, 1, 1) if doc.auth else at(doc, pointer="")
    yield Finding(f"no generation fingerprint found (docs/protocol.md §1.3); linted as {ctx.profile.label}", loc,
                  hint="pin the profile with --profile or the config `profile` key")
