"""The sandbox's logic without HTTP: ID-JAG claim checks, parsing, the poll pacing and the code
lockout, driven through `Core` with an in-memory store and a hand-moved clock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from authmd_cli.core.tokens import OffsetClock, generate_signing_key
from authmd_cli.sandbox import ceremony, ids, oauth, registration
from authmd_cli.sandbox.core import Core
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.idjag import check_claims, check_identity
from authmd_cli.sandbox.keysets import KeySets
from authmd_cli.sandbox.routes.pages import safe_return_to
from authmd_cli.sandbox.settings import SandboxSettings, settings_from_config
from authmd_cli.sandbox.store import Store
from authmd_cli.sandbox.wire import ProtocolError, parse_form, parse_json_object, www_authenticate_agent

ORIGIN = "http://127.0.0.1:9"
NOW = 1_800_000_000.0


def settings(profile: str = "v0.7-B") -> SandboxSettings:
    return settings_from_config(default_config(profile).with_origin(ORIGIN))


def core(profile: str = "v0.7-B") -> tuple[Core, OffsetClock]:
    clock = OffsetClock(lambda: NOW)
    s = settings(profile)
    return Core(s, Store(), clock, generate_signing_key(), KeySets(s, clock, {})), clock


def claims(**kw: Any) -> dict[str, Any]:
    base = {"iss": "https://p", "sub": "s", "aud": ORIGIN, "jti": "j", "iat": NOW, "exp": NOW + 300,
            "auth_time": NOW, "email": "x@example.com", "email_verified": True}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(("kw", "code"), [
    ({"aud": "https://elsewhere"}, "invalid_audience"),
    ({"aud": ["https://elsewhere", ORIGIN]}, None),
    ({"aud": f"{ORIGIN}/api"}, None),  # the PRM resource (SPEC §14 D5)
    ({"exp": None}, "invalid_request"),
    ({"exp": NOW - 61}, "expired"),
    ({"exp": NOW - 59}, None),  # inside the 60 s skew
    ({"exp": "soon"}, "invalid_request"),
    ({"iat": None}, "invalid_request"),
    ({"iat": NOW + 600}, "invalid_request"),
    ({"jti": None}, "invalid_request"),
    ({"sub": 7}, "invalid_request"),
])
def test_claim_checks_map_to_codes(kw: dict[str, Any], code: str | None) -> None:
    if code is None:
        assert check_claims(claims(**kw), now=NOW, settings=settings()).sub == claims(**kw)["sub"]
        return
    with pytest.raises(ProtocolError) as err:
        check_claims(claims(**kw), now=NOW, settings=settings())
    assert err.value.code == code and err.value.status == 400


@pytest.mark.parametrize(("kw", "code", "status"), [
    ({"email_verified": False}, "missing_verified_email", 400),
    ({"email_verified": None, "phone_number_verified": True}, None, 0),
    ({"auth_time": None}, "login_required", 401),
    ({"auth_time": NOW - 3661}, "login_required", 401),
    ({"auth_time": NOW + 61}, "login_required", 401),
    ({"auth_time": True}, "login_required", 401),
])
def test_identity_checks(kw: dict[str, Any], code: str | None, status: int) -> None:
    c = claims(**kw)
    jag = check_claims(c, now=NOW, settings=settings())
    if code is None:
        check_identity(jag, c, now=NOW, settings=settings())
        return
    with pytest.raises(ProtocolError) as err:
        check_identity(jag, c, now=NOW, settings=settings())
    assert (err.value.code, err.value.status) == (code, status)
    if status == 401:
        assert err.value.extra == {"max_age": 3600}
        assert 'max_age="3600"' in err.value.headers["WWW-Authenticate"]


def test_parsers() -> None:
    assert parse_json_object(b'{"a": 1}', "application/json; charset=utf-8") == {"a": 1}
    assert parse_json_object(b'{"a": 1}', "application/vnd.x+json") == {"a": 1}
    for body, ctype in [(b"[]", "application/json"), (b"{}", "text/json"), (b'{"a": Infinity}', "application/json"),
                        (b"[" * 100000, "application/json")]:
        with pytest.raises(ProtocolError):
            parse_json_object(body, ctype)
    assert parse_form(b"a=1&b=", "application/x-www-form-urlencoded") == {"a": "1", "b": ""}
    with pytest.raises(ProtocolError):
        parse_form(b"a=1&a=2", "application/x-www-form-urlencoded")
    with pytest.raises(ProtocolError):
        parse_form(b"\xff=1", "application/x-www-form-urlencoded")
    assert www_authenticate_agent("login_required", 'say "hi"\\', max_age="5") == (
        'AgentAuth error="login_required", max_age="5", error_description="say \\"hi\\"\\\\"')


def test_ids() -> None:
    assert ids.iso(0) == "1970-01-01T00:00:00.000Z"
    assert ids.iso(1.2345) == "1970-01-01T00:00:01.234Z"
    assert len(ids.user_code()) == 6 and ids.user_code().isdigit()
    assert ids.id_jag_registration_id("i", "s", "a") == ids.id_jag_registration_id("i", "s", "a")
    assert ids.claim_token().startswith("clm_") and ids.claim_token() != ids.claim_token()


@pytest.mark.parametrize(("value", "safe"), [
    ("/claim?x=1", "/claim?x=1"), ("//evil.example", "/"), ("/\\evil", "/"), ("https://evil", "/"),
    (None, "/"), ("/a\r\nb", "/"),
])
def test_safe_return_to(value: str | None, safe: str) -> None:
    assert safe_return_to(value) == safe


def test_poll_pacing_and_delivery_once_without_http() -> None:
    c, clock = core("v0.7-A")
    reg = registration.register(c, {"type": "service_auth", "login_hint": "p@example.com"}).body
    assert reg is not None
    form = {"grant_type": "urn:workos:agent-auth:grant-type:claim", "claim_token": reg["claim_token"]}
    codes = []
    for step in (0, 1, 9, 15):
        clock.advance(step)
        try:
            oauth.token(c, form)
        except ProtocolError as err:
            codes.append(err.code)
    assert codes == ["authorization_pending", "slow_down", "slow_down", "authorization_pending"]


def test_lockout_counts_wrong_codes() -> None:
    c, _ = core("v0.7-B")
    c.settings = replace(c.settings, max_code_failures=2)
    reg = registration.register(c, {"type": "service_auth", "login_hint": "l@example.com"}).body
    assert reg is not None
    cvt = reg["claim"]["attempt"]["verification_uri"].rsplit("%3D", 1)[1]
    user = c.store.user_by_id(c.find_or_create_user("l@example.com"))
    assert user is not None
    state = ceremony.confirm(c, user, cvt)
    assert state.user_code is not None
    body = {"claim_token": reg["claim"]["token"], "user_code": "000000" if state.user_code != "000000" else "1" * 6}
    errors = []
    for _ in range(3):
        try:
            ceremony.complete_agent(c, body)
        except ProtocolError as err:
            errors.append(err.code)
    assert errors == ["invalid_user_code", "invalid_user_code", "user_code_expired"]
