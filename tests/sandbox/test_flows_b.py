"""v0.7-B over real HTTP: discovery, anonymous → claim → post-claim token, service_auth, refresh,
revocation and the ceremony's guard rails (SPEC §6-§9, §14 D23)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sandbox_harness import Harness

from authmd_cli.core.tokens import verify_signature
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.routes.hooks import attempt_token_from
from authmd_cli.site.generate import render_as_metadata, render_prm

pytestmark = pytest.mark.e2e


def test_discovery_documents_are_generates_for_the_served_origin(b: Harness) -> None:
    cfg = default_config("v0.7-B").with_origin(b.origin)
    prm = b.agent.get("/.well-known/oauth-protected-resource/api")
    meta = b.agent.get("/.well-known/oauth-authorization-server")
    assert prm.json() == render_prm(cfg)
    assert meta.json() == render_as_metadata(cfg)
    assert meta.json()["issuer"] == b.origin
    md = b.agent.get("/auth.md")
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text.startswith("# auth.md")
    assert b.origin.split("//")[1] in md.text and "example.com" not in md.text


def test_unauthenticated_api_call_gets_the_rfc9728_challenge(b: Harness) -> None:
    r = b.agent.get("/api/resource")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == (
        f'Bearer resource_metadata="{b.origin}/.well-known/oauth-protected-resource/api"')
    assert r.json()["error"] == "unauthorized"


def test_anonymous_exchange_api_claim_and_post_claim_token(b: Harness) -> None:
    reg = b.register(type="anonymous")
    assert reg.status_code == 200
    body = reg.json()
    assert body["type"] == "anonymous" and body["scopes"] == {"pre_claim": ["api.read"],
                                                               "post_claim": ["api.read", "api.write"]}
    assert set(body["claim"]) == {"token", "expires_at", "url"}  # no attempt yet (SPEC §6.1)
    # the service publishes the JWKS its assertions verify with
    jwks = b.agent.get("/.well-known/jwks.json").json()
    _, claims = verify_signature(body["identity"]["assertion"], jwks)
    assert claims["iss"] == b.origin and claims["sub"] == body["id"]

    tok = b.exchange(body["identity"]["assertion"])
    assert tok.status_code == 200 and tok.json()["scope"] == "api.read"
    assert tok.headers["cache-control"] == "no-store" and tok.headers["pragma"] == "no-cache"
    pre = tok.json()["access_token"]
    assert b.api(pre).status_code == 200
    assert b.api(pre, "POST").status_code == 403  # api.write needs the claim

    start = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": body["claim"]["token"],
                                                        "login_hint": "ann@example.com"})
    assert start.status_code == 200 and start.json()["id"] == body["id"]
    vu = start.json()["attempt"]["verification_uri"]
    code = b.confirm(vu, "ann@example.com")
    done = b.agent.post("/agent/identity/claim/complete", json={"claim_token": body["claim"]["token"],
                                                                "user_code": code})
    assert done.status_code == 200
    ident = done.json()["identity"]
    assert done.json()["status"] == "claimed" and ident["refresh_token"]["value"].startswith("art_")

    assert b.api(pre).status_code == 401  # pre-claim tokens revoked (SPEC §7.4)
    old = b.exchange(body["identity"]["assertion"])
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"  # superseded assertion
    post = b.exchange(ident["assertion"])
    assert post.status_code == 200 and post.json()["scope"] == "api.read api.write"
    assert b.api(post.json()["access_token"], "POST").status_code == 200

    # a claim token completes once
    again = b.agent.post("/agent/identity/claim/complete", json={"claim_token": body["claim"]["token"],
                                                                 "user_code": code})
    assert again.status_code == 409 and again.json()["error"] == "already_claimed"
    remint = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": body["claim"]["token"],
                                                         "login_hint": "ann@example.com"})
    assert remint.status_code == 409 and remint.json()["error"] == "already_claimed"


def test_complete_before_confirmation_wrong_code_and_lockout(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="bo@example.com").json()
    claim_token = reg["claim"]["token"]
    early = b.agent.post("/agent/identity/claim/complete", json={"claim_token": claim_token, "user_code": "123456"})
    assert early.status_code == 409 and early.json()["error"] == "claim_not_confirmed"
    code = b.confirm(reg["claim"]["attempt"]["verification_uri"], "bo@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [b.agent.post("/agent/identity/claim/complete",
                             json={"claim_token": claim_token, "user_code": wrong}).json()["error"]
                for _ in range(5)]
    assert statuses == ["invalid_user_code"] * 5
    locked = b.agent.post("/agent/identity/claim/complete", json={"claim_token": claim_token, "user_code": code})
    assert locked.status_code == 410 and locked.json()["error"] == "user_code_expired"
    # a new attempt (same email) works again
    start = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": claim_token,
                                                        "login_hint": "BO@example.com"})
    assert start.status_code == 200
    code2 = b.confirm(start.json()["attempt"]["verification_uri"], "bo@example.com")
    ok = b.agent.post("/agent/identity/claim/complete", json={"claim_token": claim_token, "user_code": code2})
    assert ok.status_code == 200


def test_complete_validation_codes(b: Harness) -> None:
    bad = b.agent.post("/agent/identity/claim/complete", json={"claim_token": "clm_nope", "user_code": "123456"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_claim"
    short = b.agent.post("/agent/identity/claim/complete", json={"claim_token": "clm_nope", "user_code": "12345"})
    assert short.status_code == 400 and short.json()["error"] == "invalid_request"
    unknown = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": "clm_nope",
                                                          "login_hint": "x@example.com"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_claim_token"


def test_claim_email_cannot_be_retargeted(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="carol@example.com").json()
    other = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": reg["claim"]["token"],
                                                        "login_hint": "mallory@example.com"})
    assert other.status_code == 400 and other.json()["error"] == "invalid_login_hint"
    anon = b.register(type="anonymous").json()
    first = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": anon["claim"]["token"],
                                                        "login_hint": "dave@example.com"})
    assert first.status_code == 200
    second = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": anon["claim"]["token"],
                                                         "login_hint": "eve@example.com"})
    assert second.status_code == 400 and second.json()["error"] == "invalid_login_hint"
    # regression: the served auth.md promised "you may correct the email address in a new call";
    # it must describe what the service does (and name the code an agent gets)
    served = b.agent.get("/auth.md").text
    assert "may correct the email" not in served
    assert "another is refused (`invalid_login_hint`)" in served
    # the page refuses another signed-in account
    _, page = b.open_claim_page(first.json()["attempt"]["verification_uri"], "eve@example.com")
    assert page.status_code == 403


def test_remint_kills_the_earlier_link(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="fay@example.com").json()
    old_vu = reg["claim"]["attempt"]["verification_uri"]
    b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": reg["claim"]["token"],
                                                "login_hint": "fay@example.com"})
    _, page = b.open_claim_page(old_vu, "fay@example.com")
    assert page.status_code == 410


def test_service_auth_refresh_rotation_and_reuse_detection(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="gus@example.com")
    assert reg.status_code == 200 and "identity" not in reg.json()
    body = reg.json()
    assert b.exchange("not-a-jwt").json()["error"] == "invalid_grant"
    code = b.confirm(body["claim"]["attempt"]["verification_uri"], "gus@example.com")
    done = b.agent.post("/agent/identity/claim/complete", json={"claim_token": body["claim"]["token"],
                                                                "user_code": code}).json()
    rt1 = done["identity"]["refresh_token"]["value"]
    r1 = b.register(type="refresh", refresh_token=rt1)
    assert r1.status_code == 200 and r1.json()["type"] == "refresh"
    rt2 = r1.json()["identity"]["refresh_token"]["value"]
    assert b.exchange(r1.json()["identity"]["assertion"]).status_code == 200
    reuse = b.register(type="refresh", refresh_token=rt1)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_refresh_token"
    # reuse revoked the whole family, including the newer token
    assert b.register(type="refresh", refresh_token=rt2).json()["error"] == "invalid_refresh_token"


def test_rfc7009_revocation(b: Harness) -> None:
    reg = b.register(type="anonymous").json()
    token = b.exchange(reg["identity"]["assertion"]).json()["access_token"]
    r = b.agent.post("/oauth2/revoke", data={"token": token, "token_type_hint": "some_future_type"})
    assert r.status_code == 200 and r.content == b"" and r.headers["cache-control"] == "no-store"
    assert b.api(token).status_code == 401
    assert b.exchange(reg["identity"]["assertion"]).status_code == 200  # layer 1 only (SPEC §9.5)
    assert b.agent.post("/oauth2/revoke", data={"token": "at_unknown"}).status_code == 200
    assert b.agent.post("/oauth2/revoke", data={"token": token}).status_code == 200
    missing = b.agent.post("/oauth2/revoke", data={})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_token_endpoint_errors(b: Harness) -> None:
    r = b.agent.post("/oauth2/token", data={"grant_type": "urn:workos:agent-auth:grant-type:claim",
                                            "claim_token": "clm_x"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"  # no claim grant in B
    assert r.headers["cache-control"] == "no-store"
    assert b.agent.post("/oauth2/token", data={}).json()["error"] == "invalid_request"
    # SPEC §6.7: dispatch on grant_type; missing or other → unsupported_grant_type
    missing = b.agent.post("/oauth2/token", data={"assertion": "x"})
    assert (missing.status_code, missing.json()["error"]) == (400, "unsupported_grant_type")
    dup = b.agent.post("/oauth2/token", content=b"grant_type=a&grant_type=b",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert dup.json()["error"] == "invalid_request"
    js = b.agent.post("/oauth2/token", json={"grant_type": "x"})
    assert js.status_code == 400 and js.json()["error"] == "invalid_request"


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (b"{bad json", "application/json", "invalid_request"),
    (b"[1, 2]", "application/json", "invalid_request"),
    (b'{"type": "anonymous"}', "text/plain", "invalid_request"),
    (b'{"type": NaN}', "application/json", "invalid_request"),
    (b'{"type": "service_auth"}', "application/json", "invalid_request"),
    (b'{"type": "service_auth", "login_hint": "not an email"}', "application/json", "invalid_login_hint"),
    (b'{"type": "password"}', "application/json", "invalid_request"),
    (b'{"type": "identity_assertion", "assertion_type": "jwt", "assertion": "x"}', "application/json",
     "invalid_request"),
    (b"\xff\xfe", "application/json", "invalid_request"),
])
def test_malformed_registration_bodies_are_400(b: Harness, body: bytes, content_type: str, code: str) -> None:
    r = b.agent.post("/agent/identity", content=body, headers={"content-type": content_type})
    assert r.status_code == 400
    assert r.json()["error"] == code and "message" in r.json()


def test_claim_window_and_attempt_expiry(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="hal@example.com").json()
    code = b.confirm(reg["claim"]["attempt"]["verification_uri"], "hal@example.com")
    b.clock.advance(601)
    late = b.agent.post("/agent/identity/claim/complete",
                        json={"claim_token": reg["claim"]["token"], "user_code": code})
    assert late.status_code == 410 and late.json()["error"] == "user_code_expired"
    b.clock.advance(86400)
    gone = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": reg["claim"]["token"],
                                                       "login_hint": "hal@example.com"})
    assert gone.status_code == 410 and gone.json()["error"] == "claim_expired"


def test_test_hooks_are_absent_by_default_and_finish_a_ceremony_when_on(serve) -> None:  # type: ignore[no-untyped-def]
    plain = serve("v0.7-B")
    assert plain.agent.post("/_test/claim", json={}).status_code == 404
    hooked = serve("v0.7-B", test_hooks=True)
    reg = hooked.register(type="service_auth", login_hint="ida@example.com").json()
    out = hooked.agent.post("/_test/claim", json={"verification_uri": reg["claim"]["attempt"]["verification_uri"]})
    assert out.status_code == 200 and out.json()["status"] == "confirmed"
    done = hooked.agent.post("/agent/identity/claim/complete",
                             json={"claim_token": reg["claim"]["token"], "user_code": out.json()["user_code"]})
    assert done.status_code == 200


def test_login_return_to_is_same_origin_only(b: Harness) -> None:
    br = b.browser()
    r = br.post(f"{b.origin}/login", data={"email": "jo@example.com", "return_to": "//evil.example/x"},
                follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    foreign = br.post(f"{b.origin}/claim/confirm", data={"claim_attempt_token": "cvt_x"},
                      headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_signed_out_form_post_returns_to_the_claim_page(serve: Callable[..., Harness], profile: str) -> None:
    # A user whose session ended between opening the claim page and submitting it signs in again
    # and lands on that attempt's page (it used to send them to a GET of the form's POST action).
    h = serve(profile)
    reg = h.register(type="service_auth", login_hint="ned@example.com").json()
    if profile == "v0.7-B":
        vu, action = reg["claim"]["attempt"]["verification_uri"], "/claim/confirm"
    else:
        vu, action = reg["claim"]["verification_uri"], "/agent/identity/claim/complete"
    cvt = attempt_token_from(vu)
    assert cvt is not None
    br = h.browser()
    r = br.post(f"{h.origin}{action}", data={"claim_attempt_token": cvt, "user_code": "123456"},
                follow_redirects=False)
    assert r.status_code == 302
    return_to = httpx.URL(r.headers["location"]).params["return_to"]
    assert return_to == f"/claim?claim_attempt_token={cvt}"
    page = br.post(f"{h.origin}/login", data={"email": "ned@example.com", "return_to": return_to})
    assert page.status_code == 200 and f'value="{cvt}"' in page.text
