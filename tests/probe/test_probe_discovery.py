"""The discovery walk (`probe.discovery`) against the sandbox and purpose-built sites on 127.0.0.1:
order, dependencies, fallbacks, and the pieces it is built from."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from probe_sites import Answer, Routes, Site, json_answer

from authmd_cli.core.errors import UsageError
from authmd_cli.core.net import FetchLimits
from authmd_cli.lint.loader import load_document
from authmd_cli.probe.discovery import (
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
