"""Arbitrary bodies, content types and query strings at every endpoint: never a 5xx (the
reference answers malformed JSON with a 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_harness import fixed_clock

from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

POSTS = ["/agent/identity", "/agent/identity/claim", "/agent/identity/claim/complete", "/oauth2/token",
         "/oauth2/revoke", "/agent/event/notify", "/login", "/logout", "/claim/confirm", "/api/resource",
         "/_test/claim", "/_test/clock", "/_test/id-jag", "/_test/set"]
GETS = ["/claim", "/login", "/api/resource", "/auth.md", "/", "/_test/state"]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "application/secevent+jwt",
                 "text/plain", "application/json; charset=latin-1", "multipart/form-data; boundary=x", ""]
KEYS = ["type", "claim_token", "login_hint", "user_code", "assertion", "assertion_type", "refresh_token",
        "grant_type", "token", "token_type_hint", "claim_attempt_token", "email", "return_to", "advance",
        "omit", "spoil", "verification_uri", "resource", "auth_age", "sub"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
    st.sampled_from(["anonymous", "service_auth", "identity_assertion", "refresh", "login_hint", ID_JAG_URN,
                     JWT_BEARER_URN, CLAIM_GRANT_URN, "a@example.com", "123456", "clm_x", "cvt_x",
                     "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "a.b.c", "//evil"]),
    st.lists(st.text(max_size=5), max_size=3),
)
# header values a client can send: visible latin-1 (no controls, which no HTTP client would emit)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=30).map(str.strip)
JSON_BODIES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6).map(
    lambda d: json.dumps(d).encode())
FORM_BODIES = st.dictionaries(st.sampled_from(KEYS), st.text(max_size=30), max_size=5).map(
    lambda d: httpx.QueryParams(d).__str__().encode())
BODIES = st.one_of(st.binary(max_size=300), JSON_BODIES, FORM_BODIES,
                   st.sampled_from([b"", b"{", b"[]", b"null", b'"x"', b"1e999999", b"[" * 5000,
                                    b'{"type": "anonymous"}', b"a=1&a=2", b"%zz"]))


@pytest.fixture(scope="module", params=["v0.7-B", "v0.7-A"])
def origin(request: pytest.FixtureRequest) -> Iterator[str]:
    sandbox = start(default_config(request.param), port=0, test_hooks=True, clock=fixed_clock())
    with sandbox.background() as url:
        yield url


@pytest.fixture(scope="module")
def client(origin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin, timeout=10) as c:
        yield c


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(POSTS), body=BODIES,
       ctype=st.one_of(st.sampled_from(CONTENT_TYPES), HEADER_TEXT),
       cookie=st.booleans())
def test_posts_never_5xx(client: httpx.Client, path: str, body: bytes, ctype: str, cookie: bool) -> None:
    headers: dict[str, Any] = {"content-type": ctype.encode("latin-1")}
    if cookie:
        headers["cookie"] = "authmd_session=ses_" + "x" * 10
    r = client.post(path, content=body, headers=headers)
    assert r.status_code < 500, (path, body, ctype, r.text[:300])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(GETS), query=st.dictionaries(st.sampled_from(KEYS), st.text(max_size=30), max_size=3),
       auth=st.one_of(st.none(), HEADER_TEXT, st.just("Bearer at_x"), st.just("bearer  x")))
def test_gets_never_5xx(client: httpx.Client, path: str, query: dict[str, str], auth: str | None) -> None:
    headers = {"authorization": auth.encode("latin-1")} if auth else {}
    r = client.get(path, params=query, headers=headers)
    assert r.status_code < 500, (path, query, r.text[:300])
