"""Arbitrary bodies, content types, query strings and signed tokens at every endpoint: never a 5xx
(the reference answers malformed JSON with a 500).

The generated values include what broke the sandbox in review (issue #9): lone UTF-16 surrogates
(`"\\ud800"`: not encodable as UTF-8, a 500 once hashed or stored), non-finite numbers (`NaN`,
`Infinity`, `1e999`), integers no float can hold (`10**400`: `float()` overflows) and oversized
strings. Tokens are signed with the sandbox's own keys (the built-in provider's and the service's),
so the claim checks behind the signature check see these values too."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sandbox_harness import BASE_TIME, fixed_clock

from authmd_cli.core.strict_json import has_lone_surrogate
from authmd_cli.core.tokens import ID_JAG_TYP, SET_TYP, SigningKey, sign
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN, REVOKED_EVENT_URI
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start
from authmd_cli.sandbox.settings import SandboxSettings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

POSTS = ["/agent/identity", "/agent/identity/claim", "/agent/identity/claim/complete", "/oauth2/token",
         "/oauth2/revoke", "/agent/event/notify", "/login", "/logout", "/claim/confirm", "/api/resource",
         "/_test/claim", "/_test/clock", "/_test/id-jag", "/_test/set"]
GETS = ["/claim", "/login", "/api/resource", "/auth.md", "/", "/_test/state"]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "application/secevent+jwt",
                 "text/plain", "application/json; charset=latin-1", "multipart/form-data; boundary=x", ""]
KEYS = ["type", "claim_token", "login_hint", "user_code", "assertion", "assertion_type", "refresh_token",
        "grant_type", "token", "token_type_hint", "claim_attempt_token", "email", "return_to", "advance",
        "omit", "spoil", "verification_uri", "resource", "auth_age", "sub", "jti", "aud"]

# text that may hold lone surrogates (hypothesis leaves category Cs out unless asked)
SURROGATE = st.characters(categories=["Cs"])
NASTY_TEXT = st.text(alphabet=st.one_of(st.characters(), SURROGATE), max_size=40)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
OVERSIZED = st.sampled_from([10 ** 400, -(10 ** 400), 2 ** 1024, 2 ** 63, 1e308, -1e308, "x" * 20_000,
                             "7" * 5_000, ["x"] * 2_000])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), NON_FINITE, OVERSIZED, NASTY_TEXT,
                    st.sampled_from(["anonymous", "service_auth", "identity_assertion", "refresh", "login_hint",
                                     ID_JAG_URN, JWT_BEARER_URN, CLAIM_GRANT_URN, "a@example.com",
                                     "a\ud800@example.com", "123456", "١٢٣٤٥٦", "123456\n", "clm_x", "cvt_x",
                                     "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "a.b.c", "//evil"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(NASTY_TEXT, inner, max_size=3)),
                      max_leaves=6)


def dumps(value: Any) -> bytes:
    """JSON text as a careless client writes it: `NaN`/`Infinity` literals, `\\ud800` escapes."""
    return json.dumps(value).encode()


def hostile(value: Any) -> bool:
    """A value strict JSON refuses: a lone surrogate, a non-finite number, an int beyond a double."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) >= 2 ** 1024 or abs(value) > 1.8e308
    if isinstance(value, dict):
        return has_lone_surrogate(list(value)) or any(hostile(v) for v in value.values())
    if isinstance(value, list):
        return any(hostile(v) for v in value)
    return isinstance(value, str) and has_lone_surrogate(value)


# header values a client can send: visible latin-1 (no controls, which no HTTP client would emit)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=30).map(str.strip)
JSON_OBJECTS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
JSON_BODIES = JSON_OBJECTS.map(dumps)
FORM_BODIES = st.dictionaries(st.sampled_from(KEYS), st.text(max_size=30), max_size=5).map(
    lambda d: httpx.QueryParams(d).__str__().encode())
BODIES = st.one_of(st.binary(max_size=300), JSON_BODIES, FORM_BODIES,
                   st.sampled_from([b"", b"{", b"[]", b"null", b'"x"', b"1e999999", b"[" * 5000, b"NaN",
                                    b'{"type": "anonymous"}', b"a=1&a=2", b"%zz", b"token=%ED%A0%80",
                                    b"email=a%ED%A0%80%40example.com&return_to=%2F", b"user_code=%D9%A1%D9%A2",
                                    b'{"type": "\\ud800"}', b'{"advance": 1e999}', b'{"advance": NaN}',
                                    b'{"\\udfff": 1}', b"x" * 70_000]))


@dataclass(frozen=True)
class Target:
    origin: str
    provider_key: SigningKey
    provider_issuer: str
    service_key: SigningKey
    nested: bool


MAX_BODY = SandboxSettings.__dataclass_fields__["max_body"].default  # the sandbox's request-body cap

@pytest.fixture(scope="module", params=["v0.7-B", "v0.7-A"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    sandbox = start(default_config(request.param), port=0, test_hooks=True, clock=fixed_clock())
    assert sandbox.provider_key is not None and sandbox.provider_issuer is not None
    with sandbox.background() as url:
        yield Target(url, sandbox.provider_key, sandbox.provider_issuer, sandbox.app.state.ctx.core.key,
                     request.param == "v0.7-B")


@pytest.fixture(scope="module")
def client(target: Target) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=target.origin, timeout=30) as c:
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
    assert r.status_code < 500, (path, body[:200], ctype, r.text[:300])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([*POSTS[:3], "/_test/claim", "/_test/id-jag", "/_test/set", "/_test/clock"]),
       obj=JSON_OBJECTS)
@example(path="/agent/identity", obj={"type": "anonymous", "x": float("nan"), "pad": "a" * 70_000})  # over the cap
@example(path="/agent/identity", obj={"type": "anonymous", "x": float("nan")})
def test_json_with_surrogates_non_finite_and_oversized_values_is_refused_not_5xx(
        client: httpx.Client, path: str, obj: dict[str, Any]) -> None:
    body = dumps(obj)
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code < 500, (path, body[:200], r.text[:300])
    if hostile(obj):  # refused where the body is read, whatever the endpoint would do with it
        # A body over the sandbox's cap is refused before it is parsed: 413, also a refusal.
        assert r.status_code == (413 if len(body) > MAX_BODY else 400), (path, body[:200], r.text)
        if r.headers["content-type"] == "application/json":  # (v0.7-A's /complete is an HTML form)
            assert r.json()["error"] == "invalid_request", (path, body[:200], r.text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(GETS), query=st.dictionaries(st.sampled_from(KEYS), st.text(max_size=30), max_size=3),
       raw=st.sampled_from(["", "claim_attempt_token=%ED%A0%80", "return_to=%ED%A0%80", "return_to=%FF%00",
                            "claim_attempt_token=" + "x" * 5000]),
       auth=st.one_of(st.none(), HEADER_TEXT, st.just("Bearer at_x"), st.just("bearer  x")))
def test_gets_never_5xx(client: httpx.Client, path: str, query: dict[str, str], raw: str, auth: str | None) -> None:
    headers = {"authorization": auth.encode("latin-1")} if auth else {}
    url = path + ("?" + raw if raw else "")
    r = client.get(url, params=query or None, headers=headers)
    assert r.status_code < 500, (path, query, raw, r.text[:300])


# ---------------------------------------------------------------- signed tokens with hostile claims

CLAIM_NAMES = ["iss", "sub", "aud", "jti", "iat", "exp", "nbf", "auth_time", "email", "email_verified",
               "phone_number_verified", "events"]
HOSTILE_CLAIMS = st.dictionaries(st.sampled_from(CLAIM_NAMES), VALUES, min_size=1, max_size=4)


def _id_jag(t: Target, overrides: dict[str, Any]) -> str:
    now = int(BASE_TIME)
    claims: dict[str, Any] = {"iss": t.provider_issuer, "sub": "h-user", "aud": t.origin, "jti": f"h-{id(overrides)}",
                              "iat": now, "exp": now + 300, "auth_time": now, "email": "h@example.com",
                              "email_verified": True, **overrides}
    return sign(t.provider_key, {"alg": "ES256", "typ": ID_JAG_TYP, "kid": t.provider_key.kid}, claims)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=HOSTILE_CLAIMS, where=st.sampled_from(["register", "claim", "token", "set"]))
def test_signed_tokens_with_hostile_claims_never_5xx(client: httpx.Client, target: Target,
                                                     overrides: dict[str, Any], where: str) -> None:
    if where == "register":
        r = client.post("/agent/identity", json={"type": "identity_assertion", "assertion_type": ID_JAG_URN,
                                                 "assertion": _id_jag(target, overrides)})
    elif where == "claim":  # v0.7-A's claim with an ID-JAG; on v0.7-B the body is refused earlier
        anon = client.post("/agent/identity", json={"type": "anonymous"}).json()
        claim_token = anon["claim"]["token"] if target.nested else anon["claim_token"]
        r = client.post("/agent/identity/claim", json={"type": "identity_assertion", "claim_token": claim_token,
                                                       "assertion": _id_jag(target, overrides)})
    elif where == "token":  # the service's own key: the jwt-bearer checks behind the signature
        now = int(BASE_TIME)
        claims = {"iss": target.origin, "sub": "reg_x", "aud": target.origin, "jti": "j", "iat": now,
                  "exp": now + 3600, **overrides}
        token = sign(target.service_key, {"alg": "ES256", "typ": ID_JAG_TYP, "kid": target.service_key.kid}, claims)
        r = client.post("/oauth2/token", data={"grant_type": JWT_BEARER_URN, "assertion": token})
    else:
        now = int(BASE_TIME)
        claims = {"iss": target.provider_issuer, "aud": target.origin, "sub": "h-user", "jti": f"s-{id(overrides)}",
                  "iat": now, "events": {REVOKED_EVENT_URI: {}}, **overrides}
        token = sign(target.provider_key, {"alg": "ES256", "typ": SET_TYP, "kid": target.provider_key.kid}, claims)
        r = client.post("/agent/event/notify", content=token.encode(),
                        headers={"content-type": "application/secevent+jwt"})
    assert r.status_code < 500, (where, overrides, r.text[:300])
    if hostile(overrides):  # never accepted: refused with the endpoint's documented 400
        # (413 when the hostile claims made the request larger than the sandbox's body cap)
        assert r.status_code in ((400, 413) if len(r.request.content) > MAX_BODY else (400,)), \
            (where, overrides, r.text[:300])
