"""Transport rules (PR…): pure checks over a `Discovery` — statuses, media types, redirects,
caching, the 401 challenge, the RFC 9728 §3.3 / RFC 8414 §3.3 identity rules, served endpoints.

Rule metadata (code, name, severity, documentation) is declared in `lint/rules/transport.py`;
this module yields `(code, Finding)` pairs and `probe.analyse` stamps them like the lint engine
does. What lint already says about a fetched document (invalid JSON, schema, cross-document
drift, an HTML auth.md body) is left to lint: one fact, one finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from typing import Any
from urllib.parse import SplitResult
from urllib.parse import urlsplit as _urlsplit

from authmd_cli.core.diagnostics import Finding, Location, Severity
from authmd_cli.core.display import inline
from authmd_cli.core.urls import PRM_SUFFIX, compare, is_loopback_host, origin, split
from authmd_cli.probe.discovery import VIA_CHALLENGE, Discovery, bearer_params, within_resource
from authmd_cli.probe.model import Exchange

Found = tuple[str, Finding]

# Failure kinds (core.net.FetchError, probe.model.Failure) and the rule that reports them.
_REFUSED = frozenset({"private-address", "credentials-in-url", "scheme", "invalid-url"})
# PR005: redirects an agent follows without ever reaching a document (a Location that is no URL too).
_LOOPS = frozenset({"redirect-loop", "too-many-redirects", "redirect-location"})
# Steps whose documents agents read (statuses, media types, caching apply).
_MARKDOWN_STEPS = frozenset({"auth.md", "skill"})
_JSON_STEPS = frozenset({"prm", "as-metadata"})
# Answers that show a POST-only endpoint is live when sent a GET (IN-THE-WILD P5).
_SERVED = frozenset({400, 401, 403, 405, 406, 409, 415, 422, 429})


def urlsplit(url: str) -> SplitResult:
    """`urllib.parse.urlsplit`, except that text which does not split (a half-open or bogus IP
    literal, RFC 3986 §3.2.2, e.g. `http://[::1/x` in a header or a served document) splits into
    an empty URL: the rules judge what servers send and never raise on it."""
    try:
        return _urlsplit(url)
    except ValueError:
        return SplitResult("", "", "", "", "")


def _at(ex: Exchange | str) -> Location:
    return Location(ex.url if isinstance(ex, Exchange) else ex)


def looks_html(ex: Exchange) -> bool:
    """An HTML page: by media type or by the first bytes of the body (an SPA shell served for every path)."""
    if ex.media_type() in ("text/html", "application/xhtml+xml"):
        return True
    head = ex.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _status_text(ex: Exchange) -> str:
    if ex.failure is not None:
        return f"no answer ({ex.failure.kind})"
    return str(ex.status)


# ---------------------------------------------------------------------------- per exchange


def _failure(ex: Exchange) -> Iterator[Found]:
    f = ex.failure
    if f is None or ex.step == "openid-configuration":
        return
    what = f"{ex.method} {inline(ex.url, width=100)}"
    if f.kind in _REFUSED:
        yield "PR021", Finding(f"{what}: {inline(f.message, width=160)}", _at(ex),
                               hint="point agents only at public https URLs")
    elif f.kind == "too-large":
        yield "PR011", Finding(f"{what}: {inline(f.message, width=160)}", _at(ex),
                               hint="serve the document itself, a few kilobytes")
    elif f.kind in _LOOPS:
        yield "PR005", Finding(f"{what}: {inline(f.message, width=160)}", _at(ex),
                               hint="serve the document at the URL agents build, without redirects")
    elif ex.step.startswith("endpoint:"):
        yield "PR013", Finding(f"the {ex.step.split(':', 1)[1]} endpoint {inline(ex.url, width=100)} gave no answer "
                               f"({f.kind}): {inline(f.message, width=120)}", _at(ex),
                               hint="advertise only endpoints that are served")
    elif ex.step == "jwks":
        yield "PR014", Finding(f"`jwks_uri` {inline(ex.url, width=100)} gave no answer ({f.kind})", _at(ex),
                               hint="serve the JWK Set at jwks_uri, or drop the member")
    else:
        hint = "check that the service is up and answers within a few seconds"
        if f.kind == "tls" and "WRONG_VERSION_NUMBER" in f.message:
            hint = f"the server answers plain http here: probe {ex.url.replace('https://', 'http://', 1)}"
        yield "PR001", Finding(f"{what}: {f.kind}: {inline(f.message, width=160)}", _at(ex), hint=hint)


def _redirects(ex: Exchange) -> Iterator[Found]:
    if not ex.redirects or ex.step == "openid-configuration":
        return
    if ex.failure is not None and ex.failure.kind in _LOOPS:
        return  # PR005 says it
    chain = [h.url for h in ex.hops]
    downgrade = any(urlsplit(a).scheme == "https" and urlsplit(b).scheme == "http" for a, b in pairwise(chain))
    cross = {origin(u) for u in chain} != {origin(chain[0])}
    n = len(ex.redirects)
    shown = " -> ".join(inline(u, width=80) for u in chain)
    if downgrade:
        yield "PR004", Finding(f"{ex.step}: redirected from https to plain http: {shown}", _at(ex),
                               hint="never redirect a discovery URL to http", severity=Severity.ERROR)
    elif cross or n > 1:
        why = "to another origin" if cross else f"through {n} redirects"
        yield "PR004", Finding(f"{ex.step}: redirected {why}: {shown}", _at(ex),
                               hint="serve the document at the URL agents build")
    else:
        yield "PR004", Finding(f"{ex.step}: redirected once ({ex.redirects[0].status}): {shown}", _at(ex),
                               hint="serve the document at the URL agents build; not every client follows redirects",
                               severity=Severity.INFO)


def _media(ex: Exchange) -> Iterator[Found]:
    if not ex.ok:
        return
    mt = ex.media_type()
    if ex.step in _MARKDOWN_STEPS:
        if looks_html(ex) and mt not in ("text/markdown", "text/plain", "text/x-markdown"):
            if mt in ("text/html", "application/xhtml+xml") and not _html_body(ex):
                yield "PR003", Finding(f"{ex.step} is served as {mt}, an HTML page type; it is Markdown", _at(ex),
                                       hint="serve it as `text/markdown; charset=utf-8`")
            # an HTML body is lint's MD018 (html-document): one finding for one fact
        elif mt not in ("text/markdown", "text/plain", "text/x-markdown"):
            yield "PR003", Finding(f"{ex.step} is served as {inline(mt or 'no Content-Type')}, not text/markdown",
                                   _at(ex), hint="serve it as `text/markdown; charset=utf-8`",
                                   severity=Severity.WARNING)
    elif ex.step in _JSON_STEPS:
        if looks_html(ex):
            yield "PR003", Finding(f"{ex.step} {inline(ex.url, width=100)} serves an HTML page "
                                   f"({inline(mt or 'no Content-Type')}), not JSON", _at(ex),
                                   hint="serve the metadata document as `application/json`")
        elif mt != "application/json":
            yield "PR003", Finding(f"{ex.step} is served as {inline(mt or 'no Content-Type')}, not application/json",
                                   _at(ex), hint="serve it as `application/json`", severity=Severity.WARNING)


def _html_body(ex: Exchange) -> bool:
    head = ex.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _caching(ex: Exchange) -> Iterator[Found]:
    if ex.ok and ex.step in (_JSON_STEPS | {"auth.md"}) and not ex.header("cache-control") and not ex.header("expires"):
        yield "PR007", Finding(f"{ex.step} is served without Cache-Control or Expires", _at(ex),
                               hint="send e.g. `Cache-Control: public, max-age=300`")


def _rate_limited(ex: Exchange) -> Iterator[Found]:
    if ex.status == 429 or (ex.status == 503 and ex.header("retry-after")):
        wait = ex.header("retry-after")
        yield "PR016", Finding(f"{ex.step} {inline(ex.url, width=100)} answered {ex.status}"
                               + (f" (Retry-After: {inline(wait)})" if wait else ""), _at(ex),
                               hint="do not rate-limit discovery documents for a handful of GETs")


# ---------------------------------------------------------------------------- documents found or not


def _documents(d: Discovery) -> Iterator[Found]:
    # Failures and rate limits are reported per exchange (PR001/PR011/PR005/PR021, PR016).
    skip = {id(e) for e in d.exchanges
            if e.failure is not None or e.status == 429 or (e.status == 503 and e.header("retry-after"))}
    auth = d.auth_md
    if auth is not None and id(auth) not in skip and not auth.ok:
        yield "PR002", Finding(f"auth.md answered {_status_text(auth)} at {inline(auth.url, width=100)}", _at(auth),
                               hint="publish the auth.md at the service root, `/auth.md`")
    # A 5xx is the cause and is reported as such; "not found anywhere" only when every location
    # answered (404s): one finding for one fact.
    prm_5xx = [e for e in d.prm_attempts if id(e) not in skip and e.status is not None and e.status >= 500]
    for ex in prm_5xx:
        yield "PR002", Finding(f"the PRM URL answered {ex.status}", _at(ex), hint="serve the PRM with 200")
    if d.prm is None and not d.no_registration and d.prm_attempts and not prm_5xx and not any(
            id(e) in skip for e in d.prm_attempts):
        tried = ", ".join(f"{inline(e.url, width=90)} ({_status_text(e)})" for e in d.prm_attempts)
        yield "PR002", Finding(f"no Protected Resource Metadata found; tried {tried}", _at(d.prm_attempts[-1]),
                               hint="serve it at the RFC 9728 well-known URL of the API and name it in the 401 "
                                    "challenge")
    elif d.prm is not None and d.prm_via != VIA_CHALLENGE and d.resource_metadata:
        bad = next((e for e in d.prm_attempts if e.url == d.resource_metadata and not e.ok), None)
        if bad is not None and id(bad) not in skip and bad not in prm_5xx:
            yield "PR002", Finding(f"the PRM URL the 401 challenge names answered {_status_text(bad)}; found it at "
                                   f"{inline(d.prm.url, width=90)} instead", _at(bad),
                                   hint="make `resource_metadata` the URL that serves the PRM")
    for server in d.servers:
        as_5xx = [e for e in server.attempts if id(e) not in skip and e.status is not None and e.status >= 500]
        for ex in as_5xx:
            yield "PR002", Finding(f"the AS metadata URL answered {ex.status}", _at(ex),
                                   hint="serve the metadata with 200")
        if server.document is None and not d.no_registration and server.attempts and not as_5xx and not any(
                id(e) in skip for e in server.attempts):
            tried = ", ".join(f"{inline(e.url, width=90)} ({_status_text(e)})" for e in server.attempts)
            yield "PR002", Finding(f"no AS metadata for {inline(server.identifier)}; tried {tried}",
                                   _at(server.attempts[0]),
                                   hint="serve RFC 8414 metadata at the issuer's well-known URL (insertion)")
    if d.skill is not None and id(d.skill) not in skip and not d.skill.ok:
        yield "PR002", Finding(f"`agent_auth.skill` {inline(d.skill.url, width=100)} answered {_status_text(d.skill)}",
                               _at(d.skill), hint="point `skill` at the served auth.md")


# ---------------------------------------------------------------------------- the 401 challenge


def _challenge(d: Discovery) -> Iterator[Found]:
    ex = d.challenge
    if ex is None or ex.failure is not None or ex.status == 429:
        return
    fallback = " (the probe fell back to the well-known URLs)" if d.prm_via != VIA_CHALLENGE else ""
    if ex.status != 401:
        yield "PR008", Finding(f"the unauthenticated request to {inline(ex.url, width=100)} answered {ex.status}, "
                               f"not 401 with a challenge{fallback}", _at(ex),
                               hint="answer requests without a token with 401 and "
                                    "`WWW-Authenticate: Bearer resource_metadata=\"…\"`")
        return
    header = ex.header("www-authenticate")
    params = bearer_params(header)
    rm = (params or {}).get("resource_metadata")
    if header is None:
        problem = "has no WWW-Authenticate header"
    elif params is None:
        problem = f"has no Bearer challenge (WWW-Authenticate: {inline(header, width=80)})"
    elif not rm:
        problem = "has a Bearer challenge without resource_metadata"
    elif split(rm) is None:  # RFC 3986 §3.2.2-§3.2.3: a malformed IP literal or port; nothing to fetch
        problem = f"names a resource_metadata that is not a valid URL, {inline(rm)}"
    elif not urlsplit(rm).scheme:
        problem = f"names a relative resource_metadata {inline(rm)}"
    else:
        rm_parts = urlsplit(d.resource_metadata or "")
        if rm_parts.scheme == "http" and not is_loopback_host(rm_parts.hostname) and (
                origin(d.resource_metadata or "") != d.target.origin):  # a plain-http target is one finding
            yield "PR006", Finding(f"the 401 challenge names a plain-http PRM URL {inline(rm)}",
                                   _at(ex), hint="use the https URL of the PRM")
        return
    yield "PR008", Finding(f"the 401 from {inline(ex.url, width=100)} {problem}{fallback}", _at(ex),
                           hint="send `WWW-Authenticate: Bearer resource_metadata=\"<absolute PRM URL>\"`")


# ---------------------------------------------------------------------------- RFC 9728 §3.3 / RFC 8414 §3.3


def prm_identifier_of(url: str) -> str | None:
    """The resource identifier a well-known PRM URL was built from (RFC 9728 §3.1), or None when the
    URL is not a well-known PRM URL (a URL from a challenge may be anything)."""
    parts = urlsplit(url)
    if not parts.path.startswith(PRM_SUFFIX):
        return None
    rest = parts.path[len(PRM_SUFFIX):]
    if rest and not rest.startswith("/"):
        return None
    return f"{parts.scheme}://{parts.netloc}{rest}" + (f"?{parts.query}" if parts.query else "")


def _inside(prefix: str, url: str) -> bool:
    """Same origin and `url`'s path is `prefix`'s path or below it (the reference's lenient pattern)."""
    a, b = urlsplit(prefix), urlsplit(url)
    if origin(prefix) != origin(url):
        return False
    p = a.path.rstrip("/")
    return bool(p) and (b.path == p or b.path.startswith(p + "/"))


def _resource_identity(d: Discovery) -> Iterator[Found]:
    from authmd_cli.lint.rules.base import at

    doc = d.documents.get("prm")
    meta = d.prm_metadata
    resource = meta.get("resource") if meta else None
    if doc is None or d.prm is None or not isinstance(resource, str) or not resource:
        return
    loc = at(doc, pointer="/resource")
    lenient = ("as the reference implementation serves it; strict RFC 9728 clients discard this PRM")
    # Rule 1: the identifier the well-known suffix was inserted into.
    ident = prm_identifier_of(d.prm.url)
    if ident is not None:
        root = urlsplit(ident).path in ("", "/")
        # RFC 9728 §3.1 drops a slash that ends an origin-only identifier before inserting, so
        # `https://h` and `https://h/` build the same URL: either one is the identifier.
        verdict = "same" if root and resource == ident.rstrip("/") + "/" else compare(resource, ident)
        if verdict == "normalised":
            yield "PR009", Finding(f"`resource` {inline(resource)} differs from {inline(ident)}, the identifier its "
                                   "well-known URL was built from, only by normalisation", loc,
                                   hint=f"use exactly {inline(ident)}", severity=Severity.WARNING)
        elif verdict == "different":
            api = d.challenge.url if d.challenge is not None and d.challenge.status == 401 else None
            if root and _inside(resource, resource) and origin(resource) == origin(ident) and (
                    api is None or _inside(resource, api)):
                yield "PR009", Finding(
                    f"the PRM at the origin-root well-known URL has `resource` {inline(resource)} with a path "
                    f"({lenient})", loc, severity=Severity.WARNING,
                    hint=f"serve it at {inline(_inserted(resource))} (RFC 9728 §3.1 insertion)")
            elif root:
                yield "PR009", Finding(f"the PRM at the origin-root well-known URL has `resource` {inline(resource)}, "
                                       f"not the origin {inline(ident)}", loc,
                                       hint=f"serve it at {inline(_inserted(resource))}, or make `resource` the "
                                            "origin")
            else:
                yield "PR009", Finding(f"`resource` {inline(resource)} is not {inline(ident)}, the identifier its "
                                       "well-known URL was built from", loc, hint=f"use exactly {inline(ident)}")
    # Rule 2: with the URL from a challenge, `resource` is the URL that got the 401.
    if d.prm_via == VIA_CHALLENGE and d.challenge is not None:
        asked = d.challenge.url
        # An empty path and "/" are one request-target (RFC 9110 §4.2.3): `https://h` is `https://h/`.
        origin_only = urlsplit(asked).path in ("", "/") and urlsplit(resource).path in ("", "/")
        verdict = "same" if origin_only and resource.rstrip("/") == asked.rstrip("/") else compare(resource, asked)
        if verdict == "normalised":
            yield "PR009", Finding(f"`resource` {inline(resource)} differs from the requested URL {inline(asked)} "
                                   "only by normalisation", loc, hint=f"use exactly {inline(asked)}",
                                   severity=Severity.WARNING)
        elif verdict == "different":
            if within_resource(resource, asked):
                yield "PR009", Finding(f"`resource` {inline(resource)} is a path prefix of the URL that got the 401, "
                                       f"{inline(asked)} ({lenient})", loc, severity=Severity.WARNING,
                                       hint="challenge with the PRM of the requested resource, or make the "
                                            "resource identifier cover it exactly")
            else:
                yield "PR009", Finding(f"`resource` {inline(resource)} is not the URL that got the 401 challenge, "
                                       f"{inline(asked)}", loc,
                                       hint="the PRM named in a challenge must describe the requested resource")


def _inserted(resource: str) -> str:
    from authmd_cli.core.urls import insert_well_known

    try:
        return insert_well_known(resource, PRM_SUFFIX)
    except ValueError:  # a `resource` that does not split (RFC 3986 §3.2.2) has no well-known URL
        return resource


def _issuer_identity(d: Discovery) -> Iterator[Found]:
    from authmd_cli.lint.rules.base import at

    listed = (d.prm_metadata or {}).get("authorization_servers")
    entries = [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []
    for i, server in enumerate(d.servers):
        meta, doc = server.metadata, server.document
        if meta is None or doc is None or server.built_by == "as-listed":
            continue  # a metadata URL listed as an issuer is lint's XD003
        issuer = meta.get("issuer")
        loc = at(doc, pointer="/issuer")
        if server.built_by == "appended":
            tried = server.attempts[0]
            yield "PR010", Finding(f"the AS metadata for {inline(server.identifier)} was found only at the appended "
                                   f"URL {inline(server.exchange.url if server.exchange else '')}; RFC 8414 insertion "
                                   f"gives {inline(tried.url)} ({_status_text(tried)})", _at(tried),
                                   hint=f"serve it at {inline(tried.url)}", severity=Severity.WARNING)
        if not isinstance(issuer, str) or not issuer:
            continue  # a missing issuer is lint's DS012
        verdict = compare(server.identifier, issuer)
        if verdict == "same":
            continue
        if i == 0 and server.listed and d.documents.get("prm") is not None and not any(
                compare(e, issuer) == "same" for e in entries):
            continue  # lint's XD002 (issuer-mismatch) compares the PRM list with this issuer
        how = "listed in the PRM" if server.listed else "assumed (no PRM names an authorization server)"
        yield "PR010", Finding(f"`issuer` {inline(issuer)} is not {inline(server.identifier)}, the issuer {how} "
                               "that the metadata URL was built from"
                               + (" (differs only by normalisation)" if verdict == "normalised" else ""), loc,
                               hint=f"make `issuer` exactly {inline(server.identifier)}",
                               severity=Severity.WARNING if verdict == "normalised" else None)


# ---------------------------------------------------------------------------- skill, endpoints, JWKS, OIDC


def _skill(d: Discovery) -> Iterator[Found]:
    s, a = d.skill, d.auth_md
    if s is None or a is None or not s.ok or not a.ok:
        return
    if _normal(s.body) != _normal(a.body):
        yield "PR012", Finding(f"`agent_auth.skill` {inline(s.url, width=100)} serves other content than "
                               f"{inline(a.url, width=100)}", _at(s),
                               hint=f"point `skill` at {inline(a.url, width=100)}")


def _normal(body: bytes) -> bytes:
    return b"\n".join(line.rstrip() for line in body.replace(b"\r\n", b"\n").strip().split(b"\n"))


def _served(d: Discovery) -> Iterator[Found]:
    for role, ex in d.served:
        if ex.failure is not None or ex.status is None:
            continue  # reported by _failure
        status = ex.status
        if status in (404, 410) or status >= 500:
            yield "PR013", Finding(f"the {role} endpoint {inline(ex.url, width=100)} answered {status} to a GET",
                                   _at(ex), hint="advertise only endpoints that are served")
        elif looks_html(ex) and status not in _SERVED:
            yield "PR013", Finding(f"the {role} endpoint {inline(ex.url, width=100)} serves a web page "
                                   f"({status}, {inline(ex.media_type() or 'no Content-Type')})", _at(ex),
                                   hint="point the member at the API endpoint, not at a page for people")


def _jwks(d: Discovery) -> Iterator[Found]:
    ex = d.jwks
    if ex is None or ex.failure is not None:
        return
    if not ex.ok:
        yield "PR014", Finding(f"`jwks_uri` {inline(ex.url, width=100)} answered {ex.status}", _at(ex),
                               hint="serve the JWK Set there, or drop the member")
        return
    try:
        value: Any = json.loads(ex.body)
    except ValueError:
        value = None
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) and isinstance(k.get("kty"), str) for k in keys):
        yield "PR014", Finding(f"`jwks_uri` {inline(ex.url, width=100)} does not serve a JWK Set "
                               "(`{\"keys\": [{\"kty\": …}]}`)", _at(ex), hint="serve an RFC 7517 JWK Set")


def _openid(d: Discovery) -> Iterator[Found]:
    ex = d.openid
    if ex is None or not ex.ok:
        return
    try:
        value: Any = json.loads(ex.body)
    except ValueError:
        return
    if isinstance(value, dict) and isinstance(value.get("agent_auth"), dict) and d.agent_auth is None:
        yield "PR015", Finding("the `agent_auth` block is in openid-configuration, not in the RFC 8414 AS metadata",
                               _at(ex), hint="publish it in /.well-known/oauth-authorization-server")


def _target(d: Discovery) -> Iterator[Found]:
    parts = urlsplit(d.target.origin)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        yield "PR006", Finding(f"the target {inline(d.target.origin)} is plain http", _at(d.target.origin),
                               hint="probe (and publish) the https origin")


_HOST_LEVEL = frozenset({"dns", "connect", "tls"})


def transport_findings(d: Discovery) -> list[Found]:
    """Every transport finding of one walk, deduplicated, in trace order. A host that cannot be
    reached at all (DNS, refused connection, TLS) is one finding, not one per URL on it."""
    out: list[Found] = []
    out += _target(d)
    host_down: set[tuple[str | None, str]] = set()
    for ex in d.exchanges:
        failure = ex.failure
        if failure is not None and failure.kind in _HOST_LEVEL:
            down = (origin(ex.url), failure.kind)
            if down in host_down:
                continue
            host_down.add(down)
        out += _failure(ex)
        out += _redirects(ex)
        out += _media(ex)
        out += _caching(ex)
        out += _rate_limited(ex)
    out += _documents(d)
    out += _challenge(d)
    out += _resource_identity(d)
    out += _issuer_identity(d)
    out += _skill(d)
    out += _served(d)
    out += _jwks(d)
    out += _openid(d)
    seen: set[tuple[str, str, str]] = set()
    unique: list[Found] = []
    for code, f in out:
        key = (code, f.location.source, f.message)
        if key not in seen:
            seen.add(key)
            unique.append((code, f))
    return unique
