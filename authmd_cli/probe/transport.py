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
from authmd_cli.core.urls import (
    PRM_SUFFIX,
    compare,
    has_template,
    is_loopback_host,
    is_placeholder,
    origin,
    split,
)
from authmd_cli.probe.discovery import VIA_CHALLENGE, Discovery, bearer_params, fetchable, within_resource
from authmd_cli.probe.model import Exchange, html_body

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
    return ex.media_type() in ("text/html", "application/xhtml+xml") or html_body(ex)


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
    if f.message.startswith("through the proxy "):  # core.net: the proxy failed, not the service
        yield ("PR013" if ex.step.startswith("endpoint:") else "PR014" if ex.step == "jwks" else "PR001"), Finding(
            f"{what}: {f.kind}: {inline(f.message, width=160)}", _at(ex),
            hint="check the proxy the environment names (HTTP_PROXY / HTTPS_PROXY / ALL_PROXY), or exempt this host "
                 "with NO_PROXY")
    elif f.kind in _REFUSED:
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
            if mt in ("text/html", "application/xhtml+xml") and not html_body(ex):
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
        failed = auth.status is not None and auth.status >= 500  # a failure to serve it, not a missing file
        yield "PR002", Finding(f"auth.md answered {_status_text(auth)} at {inline(auth.url, width=100)}", _at(auth),
                               hint="check that the service is up and serves `/auth.md` with 200" if failed
                               else "publish the auth.md at the service root, `/auth.md`")
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
    if d.challenge_after_prm and ex.status != 401:
        # A bare domain: the PRM was found at the origin-root well-known URL first, and this GET of
        # its resource (often the origin's home page) only checked for a challenge. A page that
        # answers without a token is not wrong; only a 401 that lacks a usable challenge is.
        return
    # Only a request that was meant to lead to the PRM can have been fallen back from.
    fallback = (" (the probe fell back to the well-known URLs)"
                if d.prm_via != VIA_CHALLENGE and not d.challenge_after_prm else "")
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
    elif (parts := split(rm)) is not None and not parts.scheme:
        problem = f"names a relative resource_metadata {inline(rm)}"
    elif not fetchable(d.resource_metadata):
        # What an agent following the header cannot request: the walk did not either.
        problem = _unusable(rm)
    else:
        rm_parts = urlsplit(d.resource_metadata or "")
        if rm_parts.scheme == "http" and not is_loopback_host(rm_parts.hostname) and (
                origin(d.resource_metadata or "") != d.target.origin):  # a plain-http target is one finding
            yield "PR006", Finding(f"the 401 challenge names a plain-http PRM URL {inline(rm)}",
                                   _at(ex), hint="use the https URL of the PRM")
        return
    yield "PR008", Finding(f"the 401 from {inline(ex.url, width=100)} {problem}{fallback}", _at(ex),
                           hint="send `WWW-Authenticate: Bearer resource_metadata=\"<absolute PRM URL>\"`")


def _unusable(rm: str) -> str:
    """Why an absolute `resource_metadata` cannot be requested (`fetchable` is False)."""
    parts = split(rm)
    if parts is not None and parts.scheme not in ("http", "https"):
        return f"names a resource_metadata that is not an http(s) URL: {inline(rm)}"
    if is_placeholder(rm, partial=True):
        return f"names a placeholder resource_metadata {inline(rm)}"
    if has_template(rm):
        return f"names a URI template as resource_metadata {inline(rm)}"
    return f"names a malformed resource_metadata {inline(rm)}"


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
    # One fact, one finding: both rules judge the one `resource` member; when both object (a bare
    # domain's root PRM that a challenge then named too), the worse verdict is the one reported.
    found = [*_built_from(d, d.prm.url, resource, loc), *_challenged(d, resource, loc)]
    if found:
        yield max(found, key=lambda f: (f[1].severity or Severity.ERROR).rank)


_LENIENT = "as the reference implementation serves it; strict RFC 9728 clients discard this PRM"


def _built_from(d: Discovery, prm_url: str, resource: str, loc: Location) -> Iterator[Found]:
    """Rule 1: `resource` is the identifier the well-known suffix was inserted into. Only a URL the
    walk built by insertion (as agents starting from the API or the domain do) was built from an
    identifier; a URL taken from a challenge's resource_metadata was built by no one (rule 2)."""
    ident = d.prm_identifier or (prm_identifier_of(prm_url) if d.prm_via != VIA_CHALLENGE else None)
    if ident is None:
        return
    root = urlsplit(ident).path in ("", "/")
    # RFC 9728 §3.1 drops a slash that ends an origin-only identifier before inserting, so
    # `https://h` and `https://h/` build the same URL: either one is the identifier.
    verdict = "same" if root and resource == ident.rstrip("/") + "/" else compare(resource, ident)
    if verdict == "normalised":
        yield "PR009", Finding(f"`resource` {inline(resource)} differs from {inline(ident)}, the identifier its "
                               "well-known URL was built from, only by normalisation", loc,
                               hint=f"use exactly {inline(ident)}", severity=Severity.WARNING)
    elif verdict == "different":
        api = d.challenge.final_url if d.challenge is not None and d.challenge.status == 401 else None
        if root and _inside(resource, resource) and origin(resource) == origin(ident) and (
                api is None or _inside(resource, api)):
            yield "PR009", Finding(
                f"the PRM at the origin-root well-known URL has `resource` {inline(resource)} with a path "
                f"({_LENIENT})", loc, severity=Severity.WARNING,
                hint=f"serve it at {inline(_inserted(resource))} (RFC 9728 §3.1 insertion)")
        elif root:
            yield "PR009", Finding(f"the PRM at the origin-root well-known URL has `resource` {inline(resource)}, "
                                   f"not the origin {inline(ident)}", loc,
                                   hint=f"serve it at {inline(_inserted(resource))}, or make `resource` the "
                                        "origin")
        else:
            slash = ": they differ by a trailing slash" if _slash_only(resource, ident) else ""
            yield "PR009", Finding(f"`resource` {inline(resource)} is not {inline(ident)}, the identifier its "
                                   f"well-known URL was built from{slash}", loc, hint=f"use exactly {inline(ident)}")


def _challenged(d: Discovery, resource: str, loc: Location) -> Iterator[Found]:
    """Rule 2: with the PRM URL from a challenge, `resource` is the URL of the request that got the
    401: the URL that answered it, after any redirect the agent followed."""
    if d.prm_via != VIA_CHALLENGE or d.challenge is None:
        return
    asked = d.challenge.final_url
    shown = inline(asked) + (f" (redirected from {inline(d.challenge.url)})" if asked != d.challenge.url else "")
    # An empty path and "/" are one request-target (RFC 9110 §4.2.3): `https://h` is `https://h/`.
    origin_only = urlsplit(asked).path in ("", "/") and urlsplit(resource).path in ("", "/")
    verdict = "same" if origin_only and resource.rstrip("/") == asked.rstrip("/") else compare(resource, asked)
    if verdict == "normalised":
        yield "PR009", Finding(f"`resource` {inline(resource)} differs from the requested URL {shown} "
                               "only by normalisation", loc, hint=f"use exactly {inline(asked)}",
                               severity=Severity.WARNING)
    elif verdict != "different":
        return
    elif _slash_only(resource, asked) and urlsplit(resource).path.endswith("/"):
        # `…/api/` for `…/api`: no prefix match accepts it either (`/api` is not below `/api/`).
        yield "PR009", Finding(f"`resource` {inline(resource)} is not the URL that got the 401 challenge, {shown}: "
                               "they differ by a trailing slash", loc, hint=f"use exactly {inline(asked)}")
    elif _slash_only(resource, asked):
        yield "PR009", Finding(f"`resource` {inline(resource)} differs from the URL that got the 401, {shown}, only "
                               "by a trailing slash (clients that match a resource by prefix accept it; strict "
                               "RFC 9728 clients discard this PRM)", loc, severity=Severity.WARNING,
                               hint=f"use exactly {inline(asked)}")
    elif within_resource(resource, asked):
        yield "PR009", Finding(f"`resource` {inline(resource)} is a path prefix of the URL that got the 401, "
                               f"{shown} ({_LENIENT})", loc, severity=Severity.WARNING,
                               hint="challenge with the PRM of the requested resource, or make the "
                                    "resource identifier cover it exactly")
    else:
        yield "PR009", Finding(f"`resource` {inline(resource)} is not the URL that got the 401 challenge, "
                               f"{shown}", loc,
                               hint="the PRM named in a challenge must describe the requested resource")


def _slash_only(a: str, b: str) -> bool:
    """`a` and `b` differ only by a `/` that ends a path with a segment (`…/api` and `…/api/`): two
    resources by RFC 3986 §6.2.3, but not a path prefix of one another."""
    pa, pb = split(a), split(b)
    if pa is None or pb is None or (pa.query, pa.fragment) != (pb.query, pb.fragment):
        return False
    if (pa.scheme, (pa.netloc or "").lower()) != (pb.scheme, (pb.netloc or "").lower()):
        return False
    stem = pa.path.rstrip("/")
    return bool(stem) and pa.path != pb.path and stem == pb.path.rstrip("/")


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


# A 404 to a GET says little about a POST-only endpoint: frameworks answer an unknown method on a
# known route with 404 (Express's "Cannot GET /path") where RFC 9110 §15.5.6 has 405.
_GONE = frozenset({404, 410})


def _served(d: Discovery) -> Iterator[Found]:
    # The --check-endpoints POSTs of this run: an HTTP answer to one shows what a GET could not.
    posts = {e.url: e for e in d.exchanges
             if e.method == "POST" and e.step.startswith("check:") and e.failure is None and e.status is not None}
    # Origins whose server answered a GET of a live POST-only endpoint with 404: there a 404 is no evidence.
    quiet_404 = {origin(ex.url) for _, ex in d.served if ex.status == 404 and ex.url in posts
                 and posts[ex.url].status not in _GONE}
    unsure: list[tuple[str, Exchange]] = []
    for role, ex in d.served:
        if ex.failure is not None or ex.status is None:
            continue  # reported by _failure
        status = ex.status
        post = posts.get(ex.url)
        if post is not None and post.status in _GONE:
            yield "PR013", Finding(f"the {role} endpoint {inline(ex.url, width=100)} answered {post.status} to a "
                                   f"POST ({status} to a GET): it is not served", _at(ex),
                                   hint="advertise only endpoints that are served")
        elif status == 410 or status >= 500:
            yield "PR013", Finding(f"the {role} endpoint {inline(ex.url, width=100)} answered {status} to a GET",
                                   _at(ex), hint="advertise only endpoints that are served")
        elif status == 404:
            if post is None and origin(ex.url) not in quiet_404:
                unsure.append((role, ex))
            # else: the POST got an answer, which the check judges (PR017/PR018/PR019)
        elif looks_html(ex) and status not in _SERVED:
            yield "PR013", Finding(f"the {role} endpoint {inline(ex.url, width=100)} serves a web page "
                                   f"({status}, {inline(ex.media_type() or 'no Content-Type')})", _at(ex),
                                   hint="point the member at the API endpoint, not at a page for people")
    if unsure:
        yield "PR013", _unsure_404(unsure)


def _unsure_404(unsure: list[tuple[str, Exchange]]) -> Finding:
    """One warning for every endpoint whose GET answered 404 and that no POST of this run reached:
    not served, or a POST-only route answering 404 for GET; a read-only probe cannot tell which."""
    if len(unsure) == 1:
        role, ex = unsure[0]
        what = f"the {role} endpoint {inline(ex.url, width=100)} answered 404 to a GET"
    else:
        what = (f"the {_and([r for r, _ in unsure])} endpoints answered 404 to a GET ("
                + ", ".join(inline(ex.url, width=100) for _, ex in unsure) + ")")
    return Finding(f"{what}: not served, or a POST-only route that answers GET with 404 instead of 405 "
                   "(RFC 9110 §15.5.6); a read-only probe cannot tell which", _at(unsure[0][1]),
                   hint="answer GET on a POST-only endpoint with 405 and `Allow: POST`; `--check-endpoints` POSTs "
                        "to the token, registration and events endpoints",
                   severity=Severity.WARNING, related=tuple(_at(ex) for _, ex in unsure[1:]))


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"


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


# Failures that are the host's, not one URL's: one finding per host and kind, naming every request
# it cost (an unresponsive or dead host is one root cause, however many URLs the walk asked it).
# "deadline": requests the probe's own deadline kept from being sent, one finding per host as well.
_HOST_LEVEL = frozenset({"dns", "connect", "tls", "timeout", "reset", "deadline"})
_CHECK_ROLES = {"check:token": "token", "check:registration": "identity", "check:events": "events"}


def _host_group_key(ex: Exchange) -> tuple[str | None, str] | None:
    f = ex.failure
    if f is None or f.kind not in _HOST_LEVEL or ex.step == "openid-configuration":
        return None
    return origin(ex.url), f.kind


def _host_failure(d: Discovery, group: list[Exchange]) -> Iterator[Found]:
    """The finding of one host's failures of one kind (`group`, in trace order): the first request's
    finding, naming every other request and locating each (`related`), so the capability table
    marks every step it breaks."""
    first, f = group[0], group[0].failure
    if f is None:
        return
    host = origin(first.url) or first.url
    answered = any(e.failure is None and origin(e.url) == host for e in d.exchanges)
    for code, finding in _failure(first):
        hint = finding.hint
        if f.kind == "reset" and urlsplit(first.url).scheme == "http" and not answered:
            # What a TLS-only server does when spoken plain http to: it closes without an HTTP answer.
            https = (d.target.api or d.target.origin) if d.target.origin == host else first.url
            hint = (f"{inline(host)} closed every connection without an HTTP answer, as a server that speaks only "
                    f"TLS does: probe {inline(https.replace('http://', 'https://', 1), width=100)}; otherwise "
                    "check that the service is up")
        if len(group) == 1:
            yield code, Finding(finding.message, finding.location, hint=hint, severity=finding.severity)
            continue
        roles = [_CHECK_ROLES.get(e.step) or e.step.split(":", 1)[1] for e in group
                 if e.step.startswith("endpoint:") or e.step in _CHECK_ROLES]
        if code == "PR013" and len(roles) == len(group):
            names = list(dict.fromkeys(roles))  # a GET and a POST of one endpoint: one name, singular
            message = (f"the {_and(names)} endpoint{'s' if len(names) > 1 else ''} on {inline(host)} gave no answer "
                       f"({f.kind}): {inline(f.message, width=120)}")
        else:
            asked = ", ".join(f"{e.method} {e.step} {inline(urlsplit(e.url).path or '/', width=60)}" for e in group)
            fate = "were not sent" if f.kind == "deadline" else "got no answer"
            message = (f"{len(group)} requests to {inline(host)} {fate} ({f.kind}): "
                       f"{inline(f.message, width=120)} ({asked})")
        urls = list(dict.fromkeys(e.url for e in group))
        yield code, Finding(message, finding.location, hint=hint, severity=finding.severity,
                            related=tuple(_at(u) for u in urls[1:]))


def transport_findings(d: Discovery) -> list[Found]:
    """Every transport finding of one walk, deduplicated, in trace order. A host that cannot be
    reached (DNS, refused connection, TLS) or does not answer (timeouts, resets) is one finding
    per kind of failure, not one per URL on it."""
    out: list[Found] = []
    out += _target(d)
    groups: dict[tuple[str | None, str], list[Exchange]] = {}
    for ex in d.exchanges:
        host_kind = _host_group_key(ex)
        if host_kind is not None:
            groups.setdefault(host_kind, []).append(ex)
    # Requests the deadline kept from a host that was timing out: the host's slowness spent the
    # deadline, so they belong to its timeout finding (one root cause), not to a second one.
    folded = {host: (host, "timeout") for host, kind in groups if kind == "deadline" and (host, "timeout") in groups}

    def group_key(ex: Exchange) -> tuple[str | None, str] | None:
        key = _host_group_key(ex)
        return folded.get(key[0], key) if key is not None and key[1] == "deadline" else key

    for host, into in folded.items():
        groups[into] = sorted(groups[into] + groups.pop((host, "deadline")), key=lambda e: e.index)
    for ex in d.exchanges:
        group = group_key(ex)
        if group is None:
            out += _failure(ex)
        elif groups[group][0] is ex:
            out += _host_failure(d, groups[group])
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
