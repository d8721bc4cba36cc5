"""The discovery walk (`probe.discovery`) against the sandbox and purpose-built sites on 127.0.0.1:
order, dependencies, fallbacks, and the pieces it is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from probe_sites import CACHED, Answer, F, Routes, Site, findings, json_answer, json_of, probe

from authmd_cli.core.errors import UsageError
from authmd_cli.core.net import FetchLimits
from authmd_cli.lint.loader import load_document
from authmd_cli.probe.discovery import (
    MAX_AUTH_SERVERS,
    VIA_AUTH_MD,
    VIA_CHALLENGE,
    VIA_INSERTED,
    VIA_ROOT,
    as_candidates,
    bearer_params,
    discover,
    documented_urls,
)
from authmd_cli.probe.target import parse_target

LOCAL = FetchLimits(allow_private=True, timeout=5)


def steps(d: object) -> list[tuple[str, str, int | None]]:
    return [(e.step, e.url, e.status) for e in d.exchanges]  # type: ignore[attr-defined]


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_walk_from_an_api_url_follows_the_401_challenge(sandbox: Callable[[str], str], profile: str) -> None:
    origin = sandbox(profile)
    d = discover(f"{origin}/api/resource", limits=LOCAL)
    by_step = {e.step: e for e in d.exchanges}
    assert by_step["challenge"].status == 401 and by_step["challenge"].after is None
    assert d.prm_via == VIA_CHALLENGE and d.resource_metadata == f"{origin}/.well-known/oauth-protected-resource/api"
    assert d.prm is not None and d.prm.after == by_step["challenge"].index  # 401 -> PRM, in order
    assert d.servers[0].built_by == "inserted" and d.servers[0].exchange is not None
    assert d.servers[0].exchange.after == d.prm.index  # PRM -> AS, in order
    assert d.profile == profile and not d.no_registration
    assert d.endpoints.identity == f"{origin}/agent/identity" and d.endpoints.token == f"{origin}/oauth2/token"
    assert sorted(d.documents) == ["as", "auth.md", "prm"]
    assert {role: e.status for role, e in d.served} == {
        "identity": 405, "claim": 405, "events": 405, "token": 405, "revocation": 405}
    assert all(e.method == "GET" for e in d.exchanges) and not any(e.side_effect for e in d.exchanges)


def test_walk_from_a_bare_origin_reads_the_documented_api_request(sandbox: Callable[[str], str]) -> None:
    origin = sandbox("v0.7-B")
    d = discover(origin, limits=LOCAL)
    assert steps(d)[:4] == [
        ("prm", f"{origin}/.well-known/oauth-protected-resource", 404),
        ("auth.md", f"{origin}/auth.md", 200),
        ("challenge", f"{origin}/api/resource", 401),
        ("prm", f"{origin}/.well-known/oauth-protected-resource/api", 200),
    ]
    assert d.challenge is not None and d.challenge.after == 1  # needed the auth.md
    assert d.prm_via == VIA_CHALLENGE


def test_private_targets_are_refused_without_allow_private(sandbox: Callable[[str], str]) -> None:
    origin = sandbox("v0.7-B")
    d = discover(origin, limits=FetchLimits(timeout=5))
    assert {e.failure.kind for e in d.exchanges if e.failure} == {"private-address"}
    assert not d.reachable and all(e.status is None for e in d.exchanges)


def _prm(origin: str, resource: str) -> dict[str, object]:
    return {"resource": resource, "authorization_servers": [origin]}


def _as(origin: str) -> dict[str, object]:
    return {"issuer": origin, "token_endpoint": f"{origin}/oauth2/token",
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "agent_auth": {"skill": f"{origin}/auth.md", "identity_endpoint": f"{origin}/agent/identity",
                           "identity_types_supported": ["anonymous"],
                           "claim_endpoint": f"{origin}/agent/identity/claim"}}


def test_missing_challenge_falls_back_to_inserted_then_root(site: Callable[[Callable[[str], Routes]], Site]) -> None:
    s = site(lambda o: {
        "/api/things": Answer(401, "{}", {"Content-Type": "application/json"}),  # no WWW-Authenticate
        "/.well-known/oauth-protected-resource": json_answer(_prm(o, o)),
        "/.well-known/oauth-authorization-server": json_answer(_as(o)),
    })
    d = discover(f"{s.origin}/api/things", limits=LOCAL)
    assert [x for x in steps(d) if x[0] == "prm"] == [
        ("prm", f"{s.origin}/.well-known/oauth-protected-resource/api/things", 404),
        ("prm", f"{s.origin}/.well-known/oauth-protected-resource", 200),
    ]
    assert d.prm_via == VIA_ROOT and d.prm_identifier == s.origin and d.resource_metadata is None


def test_inserted_prm_is_found_for_an_api_path(site: Callable[[Callable[[str], Routes]], Site]) -> None:
    s = site(lambda o: {
        "/.well-known/oauth-protected-resource/v1": json_answer(_prm(o, f"{o}/v1")),
        "/.well-known/oauth-authorization-server": json_answer(_as(o)),
    })
    d = discover(f"{s.origin}/v1", limits=LOCAL)
    assert d.prm_via == VIA_INSERTED and d.prm_identifier == f"{s.origin}/v1"


def test_documented_prm_url_is_used_when_nothing_else_answers(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    auth_md = ("# auth.md\n\n## Step 1 — Discover\n\n```http\nHTTP/1.1 401 Unauthorized\n"
               'WWW-Authenticate: Bearer resource_metadata="{o}/meta/prm.json"\n```\n')
    s = site(lambda o: {
        "/auth.md": Answer(200, auth_md.replace("{o}", o), {"Content-Type": "text/markdown"}),
        "/meta/prm.json": json_answer(_prm(o, o)),
        "/.well-known/oauth-authorization-server": json_answer(_as(o)),
    })
    d = discover(s.origin, limits=LOCAL)
    assert d.prm_via == VIA_AUTH_MD and d.prm is not None and d.prm.url == f"{s.origin}/meta/prm.json"
    assert d.servers[0].metadata is not None


def test_as_metadata_falls_back_to_the_appended_form(site: Callable[[Callable[[str], Routes]], Site]) -> None:
    s = site(lambda o: {
        "/.well-known/oauth-protected-resource": json_answer({"resource": o, "authorization_servers": [f"{o}/tenant"]}),
        "/tenant/.well-known/oauth-authorization-server": json_answer(_as(f"{o}/tenant")),
    })
    d = discover(s.origin, limits=LOCAL)
    server = d.servers[0]
    assert [e.url for e in server.attempts] == [f"{s.origin}/.well-known/oauth-authorization-server/tenant",
                                                f"{s.origin}/tenant/.well-known/oauth-authorization-server"]
    assert server.built_by == "appended" and server.metadata is not None


def test_no_registration_site(site: Callable[[Callable[[str], Routes]], Site]) -> None:
    text = "# auth.md\n\nThis origin offers no agent registration. There is no API for agents here.\n"
    s = site(lambda o: {"/auth.md": Answer(200, text, {"Content-Type": "text/markdown"})})
    d = discover(s.origin, limits=LOCAL)
    assert d.no_registration and d.profile == "no-registration" and d.agent_auth is None
    assert d.reachable


def test_bearer_params_reads_only_the_bearer_challenge() -> None:
    header = ('AgentAuth error="interaction_required", error_description="a, b", '
              'Bearer realm="x", resource_metadata="https://h/.well-known/oauth-protected-resource/api"')
    assert bearer_params(header) == {"realm": "x",
                                     "resource_metadata": "https://h/.well-known/oauth-protected-resource/api"}
    assert bearer_params('Bearer error="invalid_token", error_description="say \\"no\\""') == {
        "error": "invalid_token", "error_description": 'say "no"'}
    assert bearer_params("Basic realm=x") is None
    # Quoted strings may hold commas, `=` and scheme-like words; they never start a challenge.
    assert bearer_params('Bearer error_description="x, Basic realm=y", resource_metadata="u"') == {
        "error_description": "x, Basic realm=y", "resource_metadata": "u"}
    assert bearer_params('Basic realm="a, Bearer resource_metadata=evil", Bearer resource_metadata="good"') == {
        "resource_metadata": "good"}
    assert bearer_params("Bearer abc123==") == {}  # token68, not a parameter
    assert bearer_params(None) is None
    assert bearer_params("Bearer") == {}


def test_documented_urls_skip_placeholders() -> None:
    doc = load_document("https://h/auth.md", "# auth.md\n\n## Step 1 — Discover\n\n```http\nGET /v1/me HTTP/1.1\n"
                        "Host: api.h.io\n```\n\n```http\nGET /<path> HTTP/1.1\n```\n")
    assert documented_urls(doc, "https://h") == ("https://api.h.io/v1/me", None)
    assert documented_urls(None, "https://h") == (None, None)


def test_as_candidates() -> None:
    assert as_candidates("https://a.io") == [("https://a.io/.well-known/oauth-authorization-server", "inserted")]
    assert as_candidates("https://a.io/") == [("https://a.io/.well-known/oauth-authorization-server", "inserted")]
    assert as_candidates("https://a.io/t/") == [  # RFC 8414 §3.1 drops the terminating "/"
        ("https://a.io/.well-known/oauth-authorization-server/t", "inserted"),
        ("https://a.io/t/.well-known/oauth-authorization-server", "appended")]
    listed = "https://a.io/.well-known/oauth-authorization-server"
    assert as_candidates(listed) == [(listed, "as-listed")]


@pytest.mark.parametrize(("given", "origin", "api"), [
    ("example.com", "https://example.com", None),
    ("  Example.COM/ ", "https://example.com", None),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000", None),
    ("https://example.com:443/", "https://example.com", None),
    ("https://api.example.com/v1/things?x=1#frag", "https://api.example.com", "https://api.example.com/v1/things?x=1"),
    ("[::1]:8443", "https://[::1]:8443", None),
])
def test_parse_target(given: str, origin: str, api: str | None) -> None:
    t = parse_target(given)
    assert (t.origin, t.api) == (origin, api)


@pytest.mark.parametrize(("given", "why"), [
    ("", "empty"), ("ftp://example.com", "only http and https"), ("https://u:p@example.com", "credentials"),
    ("https://example.com:99999", "not a valid URL"), ("https://", "no valid host"),
])
def test_parse_target_refuses(given: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        parse_target(given)


def test_api_option_overrides_the_target() -> None:
    assert parse_target("example.com", api="https://api.example.com/v1").api == "https://api.example.com/v1"


def test_documented_prm_url_is_the_last_resort_for_an_api_target(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    auth_md = ("# auth.md\n\n## Step 1 — Discover\n\n```http\nHTTP/1.1 401 Unauthorized\n"
               'WWW-Authenticate: Bearer resource_metadata="{o}/meta/prm.json"\n```\n')
    s = site(lambda o: {
        "/v1": Answer(401, "{}", {"Content-Type": "application/json"}),
        "/auth.md": Answer(200, auth_md.replace("{o}", o), {"Content-Type": "text/markdown"}),
        "/meta/prm.json": json_answer(_prm(o, f"{o}/v1")),
        "/.well-known/oauth-authorization-server": json_answer(_as(o)),
    })
    d = discover(f"{s.origin}/v1", limits=LOCAL)
    assert [e.url for e in d.prm_attempts] == [f"{s.origin}/.well-known/oauth-protected-resource/v1",
                                               f"{s.origin}/.well-known/oauth-protected-resource",
                                               f"{s.origin}/meta/prm.json"]
    assert d.prm_via == VIA_AUTH_MD and d.servers[0].metadata is not None


@given(st.text(max_size=80))
def test_parse_target_either_refuses_or_gives_an_origin_that_parses_to_itself(text: str) -> None:
    try:
        t = parse_target(text)
    except UsageError:
        return
    assert t.origin.startswith(("http://", "https://")) and "@" not in t.origin
    assert parse_target(t.origin).origin == t.origin and parse_target(t.origin).api is None


_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@given(st.dictionaries(_TOKEN, st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
                       max_size=5), st.text(max_size=40))
def test_bearer_params_round_trips_quoted_values_and_never_raises(params: dict[str, str], noise: str) -> None:
    quoted = ", ".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                       for k, v in params.items())
    assert bearer_params(f"Bearer {quoted}".rstrip()) == params
    bearer_params(noise)  # any header value: a dict or None, never an exception


# ---------------------------------------------------------------------------- review fixes (bugs 3, 6, 10, 13, 17)


def _api_site(o: str, servers: list[str], **routes: Answer) -> Routes:
    """An API at /api whose 401 names its PRM, listing `servers`; more routes by path (`_` for `/`)."""
    challenge = f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource/api"'
    out: Routes = {
        "/api": Answer(401, "{}", {"Content-Type": "application/json", "WWW-Authenticate": challenge}),
        "/.well-known/oauth-protected-resource/api": json_answer({"resource": f"{o}/api",
                                                                  "authorization_servers": servers}),
    }
    out.update({path.replace("_", "/"): answer for path, answer in routes.items()})
    return out


def test_as_metadata_insertion_drops_the_issuers_terminating_slash(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    # RFC 8414 §3.1: "any terminating / MUST be removed before inserting" (review bug 3).
    s = site(lambda o: {**_api_site(o, [f"{o}/oauth/"]),
                        "/.well-known/oauth-authorization-server/oauth":
                            json_answer({**_as(o), "issuer": f"{o}/oauth/"})})
    report = probe(f"{s.origin}/api")
    server = report.discovery.servers[0]
    assert [(e.url, e.status) for e in server.attempts] == [
        (f"{s.origin}/.well-known/oauth-authorization-server/oauth", 200)]
    assert server.built_by == "inserted" and server.metadata is not None
    assert [f for f in findings(report) if f[0] in ("PR002", "PR010")] == [  # only the auth.md it has not
        F("PR002", "error", f"{s.origin}/auth.md", line=None)]
    # (the minimal site answers 404 to a GET of its endpoints: a PR013 warning, not a missing AS metadata)
    assert report.verdict == "v0.7-B: anonymous advertised; 1 error in the documents"
    assert "PR013" in {f[0] for f in findings(report)}


def test_as_metadata_fallback_order_for_an_issuer_with_a_terminating_slash(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    # Insertion first (slash dropped), then the appended form real clients also try (PR010 warning).
    s = site(lambda o: {**_api_site(o, [f"{o}/oauth/"]),
                        "/oauth/.well-known/oauth-authorization-server":
                            json_answer({**_as(o), "issuer": f"{o}/oauth/"})})
    report = probe(f"{s.origin}/api")
    server = report.discovery.servers[0]
    assert [(e.url, e.status) for e in server.attempts] == [
        (f"{s.origin}/.well-known/oauth-authorization-server/oauth", 404),
        (f"{s.origin}/oauth/.well-known/oauth-authorization-server", 200)]
    assert server.built_by == "appended"
    assert [f for f in findings(report) if f[0] in ("PR002", "PR010")] == [
        F("PR010", "warning", f"{s.origin}/.well-known/oauth-authorization-server/oauth", line=None),
        F("PR002", "error", f"{s.origin}/auth.md", line=None)]


def test_bare_domain_tries_the_documented_prm_url_after_the_documented_api_request(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    # Review bug 6: the API the auth.md documents answers 401 without a challenge; the PRM is at the
    # URL the auth.md documents (as for an API-URL target).
    auth_md = ("# auth.md\n\n## Step 1 — Discover\n\n```http\nGET /v1 HTTP/1.1\n```\n\n```http\n"
               'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer resource_metadata="{o}/meta/prm.json"\n```\n')
    s = site(lambda o: {
        "/auth.md": Answer(200, auth_md.replace("{o}", o), {"Content-Type": "text/markdown"}),
        "/v1": Answer(401, "{}", {"Content-Type": "application/json"}),
        "/meta/prm.json": json_answer(_prm(o, f"{o}/v1")),
        "/.well-known/oauth-authorization-server": json_answer(_as(o)),
    })
    report = probe(s.origin)
    d = report.discovery
    o = s.origin
    assert [(e.index, e.step, e.url, e.status, e.after) for e in d.exchanges][:6] == [
        (0, "prm", f"{o}/.well-known/oauth-protected-resource", 404, None),
        (1, "auth.md", f"{o}/auth.md", 200, None),
        (2, "challenge", f"{o}/v1", 401, 1),
        (3, "prm", f"{o}/.well-known/oauth-protected-resource/v1", 404, 2),
        (4, "prm", f"{o}/meta/prm.json", 200, 1),
        (5, "as-metadata", f"{o}/.well-known/oauth-authorization-server", 200, 4),
    ]
    assert d.prm_via == VIA_AUTH_MD and d.prm is not None and d.servers[0].metadata is not None
    assert not any(code == "PR002" for code, *_ in findings(report))


_SHELL = "<!doctype html><html><head><title>App</title></head><body><div id=root></div></body></html>"


def _outage(o: str, shape: str) -> Routes:
    from probe_sites import clean_routes

    routes = clean_routes(o)
    limited = Answer(429, "slow down", {"Retry-After": "600", "Content-Type": "text/plain"})
    failed = Answer(502, "<html>Bad gateway</html>", {"Content-Type": "text/html"})
    if shape == "429":
        routes["/auth.md"] = routes[AS] = limited
    elif shape == "502":
        routes["/auth.md"] = routes[AS] = failed
    elif shape == "as-429":
        routes[AS] = limited
    elif shape == "as-timeout":
        routes[AS] = Answer(behaviour="hang")
    elif shape == "spa":
        shell = Answer(200, _SHELL, {"Content-Type": "text/html; charset=utf-8"})
        routes = {path: shell for path in (*routes, "/.well-known/oauth-protected-resource",
                                           "/.well-known/openid-configuration")}
    return routes


AS = "/.well-known/oauth-authorization-server"


@pytest.mark.parametrize(("shape", "profile", "verdict", "outage"), [
    ("429", None, "unknown generation: could not be assessed: the auth.md answered 429, the AS metadata answered 429",
     True),
    ("502", None, "unknown generation: could not be assessed: the auth.md answered 502, the AS metadata answered 502",
     True),
    ("as-429", "v0.7-B", "v0.7-B: could not be assessed: the AS metadata answered 429", True),
    ("as-timeout", "v0.7-B", "v0.7-B: could not be assessed: the AS metadata got no answer (timeout)", True),
    ("spa", None, "unknown generation: could not be assessed: the auth.md is an HTML page, the PRM is an HTML "
                  "page, the AS metadata is an HTML page", False),
])
def test_an_outage_or_html_shell_is_not_no_registration(site: Callable[[Callable[[str], Routes]], Site],
                                                        shape: str, profile: str | None, verdict: str,
                                                        outage: bool) -> None:
    # Review bug 10: what could not be read says nothing about registration.
    s = site(lambda o: _outage(o, shape))
    report = probe(f"{s.origin}/api", timeout=1.0)
    d = report.discovery
    assert not d.no_registration and d.profile == profile
    assert report.verdict == verdict
    assert report.exit_code() == 1  # reachable but not assessed: failing, never a pass
    doc = report.to_dict("x")
    assert doc["generation"] == {"profile": profile, "dialect": None, "no_registration": False}
    assert [g["outage"] for g in doc["not_assessed"]] == [outage] * len(doc["not_assessed"])
    codes = {code for code, *_ in findings(report)}
    assert "MD015" not in codes and not any(x.code == "MD015" for x in report.report.diagnostics)
    hints = [x.hint for x in report.report.diagnostics if x.location.source == f"{s.origin}/auth.md"]
    assert not any("publish the auth.md" in (h or "") for h in hints)


@pytest.mark.parametrize("ctype", ["text/markdown", "text/html"])
def test_a_site_that_says_it_offers_no_registration_still_is_no_registration(
        site: Callable[[Callable[[str], Routes]], Site], ctype: str) -> None:
    # (Markdown mislabelled text/html is PR003's; the document is still read.)
    text = "# auth.md\n\nThis origin offers no agent registration. There is no API for agents here.\n"
    s = site(lambda o: {"/auth.md": Answer(200, text, {"Content-Type": ctype})})
    report = probe(s.origin)
    assert report.discovery.no_registration and report.discovery.gaps == ()
    errors = "no errors" if ctype == "text/markdown" else "1 error"
    assert report.verdict == f"no-registration: no agent registration offered; {errors}"
    assert report.exit_code() == (0 if ctype == "text/markdown" else 1)


def test_pr022_authorization_servers_are_bounded_one_finding_with_line(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    # Review bug 17: agents use [0]; a PRM listing 2000 entries is one finding, not 4000 requests.
    s = site(lambda o: {**_api_site(o, [o] + [f"{o}/t{i}" for i in range(2000)]),
                        AS: json_answer(_as(o))})
    report = probe(f"{s.origin}/api")
    d = report.discovery
    assert [x.identifier for x in d.servers] == [s.origin] + [f"{s.origin}/t{i}" for i in range(MAX_AUTH_SERVERS - 1)]
    assert len([r for r in s.requests if "oauth-authorization-server" in r[1]]) == 1 + 2 * (MAX_AUTH_SERVERS - 1)
    assert len(s.requests) < 30
    pr022 = [x for x in report.report.diagnostics if x.code == "PR022"]
    assert [(x.severity.value, x.location.source, x.location.line, x.location.pointer) for x in pr022] == [
        ("warning", f"{s.origin}/.well-known/oauth-protected-resource/api", 1, "/authorization_servers")]
    assert pr022[0].message.startswith("`authorization_servers` lists 2001 authorization servers; the probe "
                                       "followed the first 5 and not the other 1996")


def test_five_authorization_servers_are_all_followed_without_pr022(
        site: Callable[[Callable[[str], Routes]], Site]) -> None:
    s = site(lambda o: {**_api_site(o, [o] + [f"{o}/t{i}" for i in range(MAX_AUTH_SERVERS - 1)]),
                        AS: json_answer(_as(o))})
    report = probe(f"{s.origin}/api")
    assert len(report.discovery.servers) == MAX_AUTH_SERVERS
    assert not any(x.code == "PR022" for x in report.report.diagnostics)


# Site shapes whose walks run requests concurrently; `slow` names the route answered last.
def _shape(o: str, shape: str, slow: str | None) -> Routes:
    from probe_sites import clean_routes

    routes = clean_routes(o)
    if shape == "root-prm":  # bare origin, the PRM only at the origin root (review bug 13)
        routes["/.well-known/oauth-protected-resource"] = routes.pop("/.well-known/oauth-protected-resource/api")
    elif shape == "two-as-appended":  # two servers, both found only by the appended fallback
        prm = json_of(routes, "/.well-known/oauth-protected-resource/api")
        prm["authorization_servers"] = [f"{o}/a", f"{o}/b"]
        routes["/.well-known/oauth-protected-resource/api"] = json_answer(prm, **CACHED)
        meta = json_of(routes, AS)
        for t in ("a", "b"):
            routes[f"/{t}{AS}"] = json_answer({**meta, "issuer": f"{o}/{t}"}, **CACHED)
    elif shape == "as-429":
        routes[AS] = Answer(429, "slow down", {"Retry-After": "600"})
    if slow is not None:
        routes[slow] = replace(routes.get(slow, Answer(404, "not found", {"Content-Type": "text/plain"})), delay=0.4)
    return routes


def _trace(report: object) -> list[tuple[int, str, str, str, int | None, int | None]]:
    d = report.discovery  # type: ignore[attr-defined]
    return [(e.index, e.step, e.method, e.url, e.status, e.after) for e in d.exchanges]


@pytest.mark.parametrize(("shape", "target", "slows"), [
    ("clean", "/api", [None, "/auth.md", "/.well-known/oauth-protected-resource/api"]),
    ("clean", "", [None, "/auth.md", "/.well-known/oauth-protected-resource"]),
    ("root-prm", "", [None, "/auth.md", "/.well-known/oauth-protected-resource"]),
    ("two-as-appended", "/api", [f"{AS}/a", f"{AS}/b"]),
    ("as-429", "/api", [None, "/auth.md"]),
])
def test_live_and_replay_traces_are_the_same_whichever_answer_comes_first(
        site: Callable[[Callable[[str], Routes]], Site], tmp_path: Path, shape: str, target: str,
        slows: list[str | None]) -> None:
    # Review bug 13: the walk numbers its requests in a fixed order (not by which answer came
    # first), and a replay of the saved snapshot reproduces the trace, `after` links included.
    from authmd_cli.probe.run import ProbeOptions, replay

    traces = []
    for n, slow in enumerate(slows):
        s = site(lambda o, slow=slow: _shape(o, shape, slow))  # type: ignore[misc]
        live = probe(s.origin + target, check_endpoints=True, save=tmp_path / f"snap{n}")
        again = replay(tmp_path / f"snap{n}", ProbeOptions(limits=LOCAL))[0]
        assert _trace(again) == _trace(live)
        assert again.verdict == live.verdict and findings(again) == findings(live)
        traces.append([(i, step, method, url.replace(s.origin, "O"), after)
                       for i, step, method, url, _, after in _trace(live)])
    assert all(t == traces[0] for t in traces[1:])
    if shape == "root-prm":  # the protocol's order: the 401 check (it reads the auth.md), then the AS metadata
        assert [(i, step, after) for i, step, _, _, after in traces[0][:4]] == [
            (0, "prm", None), (1, "auth.md", None), (2, "challenge", 0), (3, "as-metadata", 0)]
