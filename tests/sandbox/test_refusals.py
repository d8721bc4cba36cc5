"""Input the sandbox must refuse with a documented 4xx, never a 5xx or a silent accept (issue #9):
lone UTF-16 surrogates, non-finite and oversized numbers in JWTs, `nbf` (RFC 7519 §4.1.5), ID-JAG
lifetime, SETs outside the replay window, non-ASCII user codes, e-mail normalisation and control
characters. Each case names the code `authmd simulate --negative` expects."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from sandbox_harness import Harness, sign_raw

from authmd_cli.core.tokens import ALG, ID_JAG_TYP, SET_TYP, mint
from authmd_cli.provider.issuer import build_set, post_set

pytestmark = pytest.mark.e2e

LONE = "\\ud800"  # a JSON escape of a lone UTF-16 surrogate (not encodable as UTF-8)


def post_raw(h: Harness, path: str, text: str) -> Any:
    return h.agent.post(path, content=text.encode("ascii"), headers={"content-type": "application/json"})


@pytest.mark.parametrize(("path", "body"), [
    ("/agent/identity", '{"type": "service_auth", "login_hint": "a' + LONE + '@example.com"}'),
    ("/agent/identity", '{"type": "refresh", "refresh_token": "art_' + LONE + '"}'),
    ("/agent/identity/claim", '{"type": "service_auth", "claim_token": "clm_' + LONE
     + '", "login_hint": "a@example.com"}'),
    ("/agent/identity/claim/complete", '{"claim_token": "clm_' + LONE + '", "user_code": "123456"}'),
    ("/_test/claim", '{"claim_attempt_token": "cvt_' + LONE + '"}'),
    ("/_test/id-jag", '{"sub": "' + LONE + '"}'),
    ("/_test/set", '{"sub": "' + LONE + '"}'),
])
def test_lone_surrogates_in_json_bodies_are_400(serve: Any, path: str, body: str) -> None:
    h = serve("v0.7-B", test_hooks=True)
    r = post_raw(h, path, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request"


@pytest.mark.parametrize("claim", ["sub", "jti", "email"])
def test_lone_surrogates_in_id_jag_claims_are_400(b: Harness, claim: str) -> None:
    extra = {claim: "x\ud800"}  # json.dumps escapes it, so the token is valid base64url JSON
    r = b.register_id_jag(b.id_jag("s", "s@example.com", extra=extra))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


@pytest.mark.parametrize("claim", ["sub", "jti"])
def test_lone_surrogates_in_set_claims_are_400(b: Harness, claim: str) -> None:
    key, iss = b.sandbox.provider_key, b.sandbox.provider_issuer
    assert key is not None and iss is not None
    claims = {"iss": iss, "aud": b.origin, "sub": "s", "jti": "j", "iat": int(b.clock()),
              "events": {"https://x.invalid/e": {}}, claim: "x\ud800"}
    sent = post_set(f"{b.origin}/agent/event/notify", mint(key, claims, typ=SET_TYP))
    assert sent.status == 400 and json.loads(sent.body)["err"] == "invalid_request", sent.body


@pytest.mark.parametrize("extra", [
    {"auth_time": math.nan},  # used to pass the freshness check (every comparison with NaN is false)
    {"exp": math.inf},  # used to never expire
    {"exp": -math.inf},
    {"iat": math.nan},
    {"exp": 10 ** 400},  # used to be a 500 (float() overflow)
    {"auth_time": 10 ** 400},
], ids=["auth_time-NaN", "exp-Infinity", "exp--Infinity", "iat-NaN", "exp-huge", "auth_time-huge"])
def test_non_finite_and_oversized_numbers_in_an_id_jag_are_400(b: Harness, extra: dict[str, Any]) -> None:
    r = b.register_id_jag(b.id_jag("n", "n@example.com", extra=extra))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


def test_a_number_too_large_for_a_float_is_400(b: Harness) -> None:
    key, iss = b.sandbox.provider_key, b.sandbox.provider_issuer
    assert key is not None and iss is not None
    now = int(b.clock())
    payload = (f'{{"iss":"{iss}","sub":"big","aud":"{b.origin}","jti":"j-big","iat":{now},"exp":1e999,'
               f'"auth_time":{now},"email":"big@example.com","email_verified":true}}')
    token = sign_raw(key, {"alg": ALG, "typ": ID_JAG_TYP, "kid": key.kid}, payload)
    r = b.register_id_jag(token)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


def test_nbf_in_the_future_is_refused(b: Harness) -> None:
    """RFC 7519 §4.1.5: not before `nbf` (with the usual skew)."""
    later = b.register_id_jag(b.id_jag("nbf", "nbf@example.com", extra={"nbf": int(b.clock()) + 600}))
    assert later.status_code == 400 and later.json()["error"] == "invalid_request"
    within_skew = b.register_id_jag(b.id_jag("nbf", "nbf@example.com", extra={"nbf": int(b.clock()) + 30}))
    assert within_skew.status_code == 200
    bad = b.register_id_jag(b.id_jag("nbf2", "nbf2@example.com", extra={"nbf": "soon"}))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_an_id_jag_valid_for_too_long_is_refused(b: Harness) -> None:
    r = b.register_id_jag(b.id_jag("long", "long@example.com", ttl=86400))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert b.register_id_jag(b.id_jag("long", "long@example.com", ttl=300)).status_code == 200


def test_set_outside_the_replay_window_is_refused(b: Harness) -> None:
    key, iss = b.sandbox.provider_key, b.sandbox.provider_issuer
    assert key is not None and iss is not None
    url = f"{b.origin}/agent/event/notify"
    now = b.clock()
    old = post_set(url, build_set(key, issuer=iss, aud=b.origin, sub="s", now=now - 8 * 86400))
    assert old.status == 400 and json.loads(old.body)["err"] == "invalid_request"
    future = post_set(url, build_set(key, issuer=iss, aud=b.origin, sub="s", now=now + 3600))
    assert future.status == 400 and json.loads(future.body)["err"] == "invalid_request"
    token = build_set(key, issuer=iss, aud=b.origin, sub="s", now=now)
    assert post_set(url, token).status == 202
    b.clock.advance(7 * 86400 + 61)  # the jti has left the replay cache: the iat check still refuses it
    replay = post_set(url, token)
    assert replay.status == 400 and json.loads(replay.body)["err"] == "invalid_request"


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "123456\n", "１２３４５６", " 123456"])
def test_b_user_code_is_six_ascii_digits_and_a_bad_shape_burns_no_attempt(b: Harness, code: str) -> None:
    reg = b.register(type="service_auth", login_hint="cy@example.com").json()
    real = b.confirm(reg["claim"]["attempt"]["verification_uri"], "cy@example.com")
    for _ in range(6):  # more than the lockout allows
        r = b.agent.post("/agent/identity/claim/complete", json={"claim_token": reg["claim"]["token"],
                                                                 "user_code": code})
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    ok = b.agent.post("/agent/identity/claim/complete", json={"claim_token": reg["claim"]["token"],
                                                              "user_code": real})
    assert ok.status_code == 200


def test_a_user_code_form_refuses_non_ascii_digits_without_burning_an_attempt(a: Harness) -> None:
    reg = a.register(type="service_auth", login_hint="di@example.com").json()
    att = reg["claim"]
    for _ in range(6):
        r = a.type_code(att["verification_uri"], "di@example.com", "١٢٣٤٥٦")
        assert r.status_code == 400
    assert a.type_code(att["verification_uri"], "di@example.com", att["user_code"]).status_code == 200


@pytest.mark.parametrize("hint", ["a\x01b@example.com", "ab\x7f@example.com", "bob\u202e@example.com",
                                  "zw\u200b@example.com"])
def test_control_and_format_characters_in_an_email_are_refused(b: Harness, hint: str) -> None:
    r = b.register(type="service_auth", login_hint=hint)
    assert r.status_code == 400 and r.json()["error"] == "invalid_login_hint"
    page = b.browser().post(f"{b.origin}/login", data={"email": hint, "return_to": "/"}, follow_redirects=False)
    assert page.status_code == 400


def test_emails_are_compared_with_one_normalisation(b: Harness) -> None:
    """`casefold` said "straße" is "strasse" while the user table said they are two accounts: the
    page let strasse@ confirm an attempt for straße@. One normalisation everywhere now."""
    reg = b.register(type="service_auth", login_hint="straße@example.com").json()
    _, page = b.open_claim_page(reg["claim"]["attempt"]["verification_uri"], "strasse@example.com")
    assert page.status_code == 403
    # case still does not matter (ASCII), and the normalisation is Unicode-canonical (NFC)
    _, same = b.open_claim_page(reg["claim"]["attempt"]["verification_uri"], "STRAßE@EXAMPLE.COM")
    assert same.status_code == 200
    composed = b.register(type="service_auth", login_hint="jos\u00e9@example.com").json()
    _, nfd = b.open_claim_page(composed["claim"]["attempt"]["verification_uri"], "jose\u0301@example.com")
    assert nfd.status_code == 200
