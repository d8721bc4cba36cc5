"""PR: transport rules of `authmd probe` — declared here, checked in `authmd_cli.probe.transport`.

The registry is lint's (one list of codes: `authmd lint --list-rules`, `--explain PR004`,
`docs/rules.md`, SARIF rule descriptors, `select`/`ignore`/severity configuration), but these
rules judge HTTP exchanges, which only exist in a probe: lint sits below probe and cannot see
them. So each rule here has scope "probe", which the lint engine never runs, and an empty check;
`probe.transport` yields the findings under these codes and the probe stamps them exactly as the
engine stamps lint's (code, name, configured severity).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from authmd_cli.core.diagnostics import Finding, Severity
from authmd_cli.lint.rules.base import rule

# The checks live in authmd_cli.probe.transport (SPEC §13.5, §14 D6, D19, D20, D22; IN-THE-WILD
# §4.2); nothing runs here.


def _checked_in_probe() -> Iterator[Finding]:
    """Nothing: the lint engine never runs scope "probe"; probe.transport yields these findings."""
    return iter(())


@rule("PR001", "unreachable", Severity.ERROR, scope="probe", spec="RFC 9110 §15; RFC 8446", no_registration=True)
def unreachable(*_args: Any) -> Iterator[Finding]:
    """A request got no HTTP answer: the name does not resolve, the connection is refused or reset, TLS fails, or the
    answer did not arrive within the deadline.

    Why: an agent that cannot fetch a discovery document cannot register. The message names the failure (`dns`,
    `connect`, `tls`, `timeout`, `reset`, `deadline`) so it can be told apart from a wrong answer. A host that fails
    every request the same way is one finding naming each request, not one per URL.
    Bad: the connection to `https://api.quillnote.io/.well-known/oauth-protected-resource` is reset mid-answer.
    Good: every discovery URL answers within a few seconds.
    """
    return _checked_in_probe()


@rule("PR002", "http-status", Severity.ERROR, scope="probe",
      spec="RFC 9110 §15; RFC 9728 §3.1; RFC 8414 §3.1", no_registration=True)
def http_status(*_args: Any) -> Iterator[Finding]:
    """A discovery document (auth.md, PRM, AS metadata, the `skill` URL) answered with an error status or was not found
    at any location an agent tries.

    Why: agents read these documents with a plain GET and give up on anything but 200. A 5xx is reported with its
    status; a document found at none of the well-known locations is one finding that lists the URLs tried.
    Bad: `GET /.well-known/oauth-authorization-server` -> `503 Service Unavailable`.
    Good: `200 OK` with the document.
    """
    return _checked_in_probe()


@rule("PR003", "content-type", Severity.ERROR, scope="probe",
      spec="RFC 9110 §8.3; RFC 8259 §11; RFC 7763", no_registration=True)
def content_type(*_args: Any) -> Iterator[Finding]:
    """A document is served with the wrong media type: an HTML page where Markdown or JSON is expected (error), or
    another type than `text/markdown`/`text/plain` for auth.md or `application/json` for metadata (warning).

    Why: agents and their HTTP libraries decide how to read a body from `Content-Type`; an HTML app shell served for
    every path (a single-page app's fallback route) looks like success but holds no document.
    Bad: `GET /auth.md` -> `200`, `Content-Type: text/html`, `<!doctype html>…`
    Good: `Content-Type: text/markdown; charset=utf-8` for auth.md, `application/json` for the metadata.
    """
    return _checked_in_probe()


@rule("PR004", "redirect", Severity.WARNING, scope="probe",
      spec="RFC 9110 §15.4; RFC 8414 §3; RFC 9728 §3", no_registration=True)
def redirect(*_args: Any) -> Iterator[Finding]:
    """A discovery request was redirected to another origin, through several hops, or (error) from https to plain http.

    Why: the metadata documents are identified by their URL (RFC 8414 §3.3, RFC 9728 §3.3); many clients do not
    follow redirects for them, and a redirect to another origin or to http changes whom the agent trusts.
    Bad: `https://quillnote.io/.well-known/oauth-protected-resource` -> `301` -> `http://www.quillnote.io/…`
    Good: the document is served at the URL agents build, without redirects.
    """
    return _checked_in_probe()


@rule("PR005", "redirect-loop", Severity.ERROR, scope="probe", spec="RFC 9110 §15.4", no_registration=True)
def redirect_loop(*_args: Any) -> Iterator[Finding]:
    """Redirects loop back to a URL already visited, go on past the probe's redirect limit, or point at a
    `Location` that is no usable URL.

    Why: an agent following them never gets the document. The probe stops at the first repeated URL, at the limit
    (`--max-redirects`, 5 by default) or at a `Location` it cannot request (RFC 9110 §10.2.2: a URI reference;
    `http://[::1/x` or a port past 65535 is none), and names the URL where it stopped.
    Bad: `/auth.md` -> `302 /docs/auth.md` -> `302 /auth.md`; `302` with `Location: http://[::1/x`
    Good: no redirect, or one redirect to the final document.
    """
    return _checked_in_probe()


@rule("PR006", "not-https", Severity.ERROR, scope="probe",
      spec="RFC 8414 §2; RFC 9728 §2; RFC 6749 §3.1", no_registration=True)
def not_https(*_args: Any) -> Iterator[Finding]:
    """A URL the agent is sent to (the target, the 401's `resource_metadata`, a redirect) uses plain http off loopback.

    Why: discovery documents name the servers that receive credentials; over plain http anyone on the path can swap
    them. Plain http is accepted only on loopback (local development, `authmd serve`).
    Bad: `WWW-Authenticate: Bearer resource_metadata="http://api.quillnote.io/.well-known/oauth-protected-resource"`
    Good: `https://api.quillnote.io/.well-known/oauth-protected-resource`
    """
    return _checked_in_probe()


@rule("PR007", "caching", Severity.INFO, scope="probe",
      spec="RFC 9111 §5.2; RFC 9728 §3; RFC 8414 §3", no_registration=True)
def caching(*_args: Any) -> Iterator[Finding]:
    """A discovery document is served without any caching header (`Cache-Control` or `Expires`).

    Why: agents fetch the metadata on every registration; a short explicit lifetime (the reference serves
    `Cache-Control: public, max-age=300`) lets them and shared caches keep it, and says how soon a change reaches
    them.
    Bad: `200 OK` with neither header.
    Good: `Cache-Control: public, max-age=300`
    """
    return _checked_in_probe()


@rule("PR008", "missing-challenge", Severity.WARNING, scope="probe",
      spec="RFC 9728 §5.1; RFC 6750 §3", no_registration=True)
def missing_challenge(*_args: Any) -> Iterator[Finding]:
    """The unauthenticated API request did not get a usable `401` challenge: no `WWW-Authenticate: Bearer
    resource_metadata="…"`, a value an agent cannot request (relative, a placeholder, a URI template, not http(s),
    malformed), or no 401 at all. (Probing a bare domain whose PRM was found first, the GET of its resource only
    checks for a challenge: a public page that answers 200 there is not reported.)

    Why: the 401 challenge is how an agent that only knows the API finds the Protected Resource Metadata. Without
    it, agents fall back to the well-known URL (the probe does too), which works only when the PRM is at the
    location they guess.
    Bad: `HTTP/1.1 401 Unauthorized` without `WWW-Authenticate`
    Good: `WWW-Authenticate: Bearer
    resource_metadata="https://api.quillnote.io/.well-known/oauth-protected-resource"`
    """
    return _checked_in_probe()


@rule("PR009", "resource-identity", Severity.ERROR, scope="probe", spec="RFC 9728 §3.1, §3.3", no_registration=True)
def resource_identity(*_args: Any) -> Iterator[Finding]:
    """The PRM's `resource` is not the identifier its URL was built from (RFC 9728 §3.3): with the URL from a 401
    challenge, `resource` must equal the URL of the request that got the 401 (after redirects); from a well-known
    URL the probe built by insertion, the identifier the suffix was inserted into (a PRM at the origin-root URL
    describes the origin, not `https://h/api`).

    Why: clients must discard a PRM that fails this check, so a mismatched `resource` breaks discovery for strict
    agents. A difference that vanishes after normalisation (a trailing `/`) is a warning; so is the known lenient
    pattern of the reference implementation (a same-origin `resource` path prefix that contains the requested URL),
    named in the message.
    Bad: `/.well-known/oauth-protected-resource` serves `"resource": "https://quillnote.io/api"`
    Good: `/.well-known/oauth-protected-resource/api` serves `"resource": "https://quillnote.io/api"`
    """
    return _checked_in_probe()


@rule("PR010", "issuer-identity", Severity.ERROR, scope="probe", spec="RFC 8414 §3.1, §3.3", no_registration=True)
def issuer_identity(*_args: Any) -> Iterator[Finding]:
    """The AS metadata's `issuer` is not the identifier its URL was built from (RFC 8414 §3.3), or the metadata was
    found only by appending the well-known suffix instead of inserting it (RFC 8414 §3.1; warning).

    Why: clients must discard metadata whose `issuer` differs from the issuer they started from, and build the URL
    by insertion; appending works only for clients that try it as a fallback. A trailing-slash-only difference is a
    warning. (When the PRM lists no server with this issuer, lint's XD002 reports it instead.)
    Bad: `authorization_servers: ["https://auth.quillnote.io"]`, metadata `"issuer": "https://login.quillnote.io"`
    Good: the same string in both places, metadata at `https://host/.well-known/oauth-authorization-server/<path>`.
    """
    return _checked_in_probe()


@rule("PR011", "body-too-large", Severity.ERROR, scope="probe",
      spec="RFC 9110 §8.6; RFC 9110 §8.4", no_registration=True)
def body_too_large(*_args: Any) -> Iterator[Finding]:
    """A response body is larger than the probe accepts (`--max-bytes`, 1 MiB by default), counted after decompression.

    Why: discovery documents are a few kilobytes; an endless or enormous body (or a compressed "bomb") would exhaust
    an agent's memory. The probe stops reading at the limit and never inflates a compressed body past it.
    Bad: a 50 MB body, or 50 KB of gzip that inflates to 50 MB.
    Good: a document of a few kilobytes.
    """
    return _checked_in_probe()


@rule("PR012", "skill-not-served", Severity.WARNING, scope="probe",
      spec="RFC 8414 §2; RFC 3986 §6", no_registration=True)
def skill_not_served(*_args: Any) -> Iterator[Finding]:
    """`agent_auth.skill` names a URL that does not serve the auth.md the probe fetched from the service root (another
    final URL after redirects, or other content).

    Why: agents that start from the metadata read the prose at `skill`; if it is another document, or a stale copy,
    the prose they follow is not the one the service maintains.
    Bad: `"skill": "https://docs.quillnote.io/agents.md"` serving an older text.
    Good: `"skill": "https://quillnote.io/auth.md"`, the document served at the root.
    """
    return _checked_in_probe()


@rule("PR013", "endpoint-not-served", Severity.ERROR, scope="probe",
      spec="RFC 9110 §15.5.5, §15.5.6; RFC 8414 §2", no_registration=True)
def endpoint_not_served(*_args: Any) -> Iterator[Finding]:
    """An endpoint the metadata advertises is not served: a GET answers 410, a 5xx, an HTML page, or nothing at all;
    a `--check-endpoints` POST answers 404/410. A 404 to the GET alone is a warning.

    Why: the probe's read-only check sends a plain GET; a live POST-only endpoint answers 405 (or 400/401), which
    counts as served. A web page or no answer means agents will fail at that step (a stub that advertises what it
    does not serve). Many frameworks answer a GET on a POST-only route with 404 (Express: `Cannot GET /path`), so a
    404 alone cannot tell a missing endpoint from a live one: one warning names every such endpoint, and none stands
    where a POST of the same run got an answer. A host that does not answer at all is one finding naming every
    endpoint on it.
    Bad: `identity_endpoint` -> `GET` -> `410 Gone`; `POST` -> `404 Not Found`
    Good: `identity_endpoint` -> `GET` -> `405 Method Not Allowed` with `Allow: POST`
    """
    return _checked_in_probe()


@rule("PR014", "jwks", Severity.ERROR, scope="probe", spec="RFC 7517 §5; RFC 8414 §2", no_registration=True)
def jwks(*_args: Any) -> Iterator[Finding]:
    """The `jwks_uri` the AS metadata advertises does not serve a JWK Set (`{"keys": [...]}` of objects with `kty`).

    Why: whoever verifies the service's signed assertions fetches the keys there; the member is optional, but when
    present it must work.
    Bad: `jwks_uri` -> `200` `{"error": "not found"}`
    Good: `{"keys": [{"kty": "EC", "crv": "P-256", "kid": "…", "x": "…", "y": "…"}]}`
    """
    return _checked_in_probe()


@rule("PR015", "agent-auth-in-openid-configuration", Severity.WARNING, scope="probe",
      spec="RFC 8414 §3; OpenID Connect Discovery 1.0", no_registration=True)
def agent_auth_in_openid_configuration(*_args: Any) -> Iterator[Finding]:
    """The `agent_auth` block is published in `/.well-known/openid-configuration`, while the RFC 8414 AS metadata lacks
    it.

    Why: agents read `/.well-known/oauth-authorization-server` (RFC 8414); the OpenID document is not where they
    look.
    Bad: `agent_auth` only in `openid-configuration`.
    Good: `agent_auth` in `/.well-known/oauth-authorization-server` (the same JSON may be served at both).
    """
    return _checked_in_probe()


@rule("PR016", "rate-limited", Severity.WARNING, scope="probe",
      spec="RFC 6585 §4; RFC 9110 §10.2.3", no_registration=True)
def rate_limited(*_args: Any) -> Iterator[Finding]:
    """The service answered `429 Too Many Requests` (or `503` with `Retry-After`) and a retry within the deadline did
    not help.

    Why: a discovery document should not be rate-limited for a handful of GETs; the probe waits once for a
    `Retry-After` that fits its deadline, then reports the answer it got.
    Bad: `429` with `Retry-After: 3600` on the PRM.
    Good: `200`.
    """
    return _checked_in_probe()


@rule("PR017", "token-endpoint-check", Severity.ERROR, scope="probe", spec="RFC 6749 §5.1, §5.2", no_registration=True)
def token_endpoint_check(*_args: Any) -> Iterator[Finding]:
    """`--check-endpoints`: the token endpoint did not refuse an unsupported grant with `400` and `{"error":
    "unsupported_grant_type"}`, or answered without `Cache-Control: no-store`.

    Why: this POST changes nothing on the service and shows the endpoint is a live OAuth token endpoint that follows
    RFC 6749's error contract (and keeps token answers out of caches).
    Bad: `200` with an HTML login page, or `500`.
    Good: `400`, `Cache-Control: no-store`, `{"error": "unsupported_grant_type"}`
    """
    return _checked_in_probe()


@rule("PR018", "registration-endpoint-check", Severity.ERROR, scope="probe",
      spec="RFC 9110 §15.5; RFC 8259", no_registration=True)
def registration_endpoint_check(*_args: Any) -> Iterator[Finding]:
    """`--check-endpoints`: an empty request body sent to the registration endpoint did not get a 4xx JSON error with
    an `error` member.

    Why: an empty body registers nothing (the probe does not even send `{}`, which a lenient service might read as
    an anonymous registration); a live registration endpoint refuses it with `400` and a JSON error agents can act
    on. A 5xx, a 2xx or an HTML page means agents will not get a usable answer either.
    Bad: `500 Internal Server Error`, or `200 <html>…`
    Good: `400 {"error": "invalid_request", "message": "…"}`
    """
    return _checked_in_probe()


@rule("PR019", "events-endpoint-check", Severity.ERROR, scope="probe", spec="RFC 8935 §2.3, §2.4", no_registration=True)
def events_endpoint_check(*_args: Any) -> Iterator[Finding]:
    """`--check-endpoints`: a body that is not a Security Event Token, sent to the events endpoint, did not get `400
    {"err": …, "description": …}`.

    Why: RFC 8935 receivers refuse what they cannot verify with 400 and that envelope; anything else suggests the
    endpoint is not a SET receiver, and a provider's revocation push would be lost.
    Bad: `202 Accepted` for garbage, or `404`.
    Good: `400 {"err": "invalid_request", "description": "…"}`
    """
    return _checked_in_probe()


@rule("PR020", "active-flow", Severity.ERROR, scope="probe",
      spec="RFC 7523 §2.1; RFC 7009 §2; RFC 6750 §2.1", no_registration=True)
def active_flow(*_args: Any) -> Iterator[Finding]:
    """`--active`: a step of the live check failed — anonymous registration, the jwt-bearer exchange of the assertion,
    the API call with the access token, or the token revocation.

    Why: the metadata and the prose can all be right while the flow itself is broken; the active check runs it once
    (anonymous only, never a claim) and names the first step that did not work.
    Bad: the exchange answers `400 invalid_grant` for the assertion the registration just returned.
    Good: every step answers as the profile documents.
    """
    return _checked_in_probe()


@rule("PR021", "refused-url", Severity.ERROR, scope="probe", spec="RFC 3986 §3.2.1; RFC 6890", no_registration=True)
def refused_url(*_args: Any) -> Iterator[Finding]:
    """The walk was sent to a URL it refuses to request: a private, loopback or link-local address (after DNS
    resolution), credentials in the URL, or a scheme other than http(s).

    Why: following such a URL from a public service would let the service point agents at internal networks
    (server-side request forgery) or leak credentials. Use `--allow-private` to probe a local service.
    Bad: a redirect to `http://169.254.169.254/latest/meta-data/`
    Good: every URL is a public https URL.
    """
    return _checked_in_probe()


@rule("PR022", "too-many-authorization-servers", Severity.WARNING, scope="probe", spec="RFC 9728 §2",
      no_registration=True)
def too_many_authorization_servers(*_args: Any) -> Iterator[Finding]:
    """The PRM lists more `authorization_servers` than the probe follows (5): the first five are checked, the
    rest are one finding and never requested.

    Why: agents use `authorization_servers[0]`; a long list adds nothing for them, and a client that walked every
    entry would send a request wherever the list points, as often as it is long.
    Bad: `"authorization_servers"` with 2,000 entries.
    Good: `["https://auth.quillnote.io"]`, the server agents use first.
    """
    return _checked_in_probe()


@rule("PR023", "not-assessed", Severity.ERROR, scope="probe", spec="docs/protocol.md §14 D13",
      no_registration=True)
def not_assessed(*_args: Any) -> Iterator[Finding]:
    """A document the verdict needs (the auth.md, the PRM or the AS metadata agents use) could not be read while
    nothing that was read shows what the service offers, so the service could not be assessed.

    Why: a 429, a 5xx, no answer or an HTML page where the document belongs says neither that registration is
    offered nor that it is not; an agent meeting it gets no further. One finding names every such document, so
    a CI job that fails on it says why in every output format. Not reported when each of those documents already
    has an error of its own (a 5xx, no answer): that error says it.
    Bad: the auth.md and the AS metadata both answer `429 Too Many Requests`.
    Good: both are served (`200`), or the service's documents say that no agent registration is offered.
    """
    return _checked_in_probe()
