"""v0.7-A over real HTTP: the polling ceremony (claim grant, slow_down, once-only delivery),
the user typing the code, lockout, claim via ID-JAG (4a-alt) and the flat envelopes (SPEC §6.2,
§6.4, §6.7, §7.3, §14 D23)."""

from __future__ import annotations

import pytest
from sandbox_harness import Harness

from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN
from authmd_cli.provider.issuer import build_set, post_set

pytestmark = pytest.mark.e2e


def poll(a: Harness, claim_token: str) -> tuple[int, dict[str, object]]:
    r = a.agent.post("/oauth2/token", data={"grant_type": CLAIM_GRANT_URN, "claim_token": claim_token})
    assert r.headers["cache-control"] == "no-store"
    return r.status_code, r.json()


def test_metadata_advertises_the_claim_grant(a: Harness) -> None:
    meta = a.agent.get("/.well-known/oauth-authorization-server").json()
    assert CLAIM_GRANT_URN in meta["grant_types_supported"]


def test_service_auth_poll_slow_down_type_code_and_deliver_once(a: Harness) -> None:
    reg = a.register(type="service_auth", login_hint="pia@example.com")
    assert reg.status_code == 200
    body = reg.json()
    assert body["registration_type"] == "service_auth"
    ceremony = body["claim"]
    assert len(ceremony["user_code"]) == 6 and ceremony["interval"] == 5 and ceremony["expires_in"] == 600
    ct = body["claim_token"]
    status, first = poll(a, ct)
    assert (status, first["error"]) == (400, "authorization_pending")
    status, fast = poll(a, ct)
    assert (status, fast["error"]) == (400, "slow_down")  # polled sooner than `interval`
    a.clock.advance(6)  # 6 s < the new 10 s interval (RFC 8628 §3.5: +5 s)
    assert poll(a, ct)[1]["error"] == "slow_down"  # now 15 s
    a.clock.advance(15)
    assert poll(a, ct)[1]["error"] == "authorization_pending"
    a.clock.advance(15)
    wrong = a.type_code(ceremony["verification_uri"], "pia@example.com", "000000"
                        if ceremony["user_code"] != "000000" else "111111")
    assert wrong.status_code == 401
    # regression: a typo re-shows the form with the reason (it used to be a dead-end error page)
    assert 'name="user_code"' in wrong.text and "user_code_invalid" in wrong.text
    assert "<p>Signed in" not in wrong.text  # no <form> inside a <p>
    done = a.type_code(ceremony["verification_uri"], "pia@example.com", ceremony["user_code"])
    assert done.status_code == 200 and "All set" in done.text
    status, ok = poll(a, ct)
    assert status == 200 and ok["scope"] == "api.read api.write" and "identity_assertion" in ok
    assert a.api(str(ok["access_token"]), "POST").status_code == 200
    a.clock.advance(20)
    status, again = poll(a, ct)
    assert (status, again["error"]) == (400, "invalid_grant")  # the claim token completed once
    assert a.exchange(str(ok["identity_assertion"])).status_code == 200


def test_anonymous_claim_lockout_expired_token_and_remint(a: Harness) -> None:
    reg = a.register(type="anonymous").json()
    assert reg["registration_type"] == "anonymous" and reg["pre_claim_scopes"] == ["api.read"]
    ct = reg["claim_token"]
    assert poll(a, ct)[1]["error"] == "expired_token"  # no attempt started yet
    start = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": ct,
                                                        "login_hint": "quinn@example.com"})
    assert start.status_code == 200 and start.json()["status"] == "initiated"
    att = start.json()["claim_attempt"]
    wrong = "000000" if att["user_code"] != "000000" else "111111"
    statuses = [a.type_code(att["verification_uri"], "quinn@example.com", wrong).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    a.clock.advance(10)
    assert poll(a, ct)[1]["error"] == "expired_token"  # locked attempt: re-mint
    remint = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": ct,
                                                         "login_hint": "quinn@example.com"}).json()
    assert a.type_code(remint["claim_attempt"]["verification_uri"], "quinn@example.com",
                       remint["claim_attempt"]["user_code"]).status_code == 200
    a.clock.advance(10)
    status, ok = poll(a, ct)
    assert status == 200 and ok["scope"] == "api.read api.write"
    other = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": ct,
                                                        "login_hint": "quinn@example.com"})
    assert other.status_code == 409 and other.json()["error"] == "claimed_or_in_flight"


def test_user_code_expiry_gives_expired_token(a: Harness) -> None:
    reg = a.register(type="service_auth", login_hint="rex@example.com").json()
    a.clock.advance(601)
    assert poll(a, reg["claim_token"])[1]["error"] == "expired_token"
    _, page = a.open_claim_page(reg["claim"]["verification_uri"], "rex@example.com")
    assert page.status_code == 410


def test_claim_anonymous_with_id_jag_clean_match(a: Harness) -> None:
    reg = a.register(type="anonymous").json()
    pre = a.exchange(reg["identity_assertion"]).json()["access_token"]
    r = a.agent.post("/agent/identity/claim", json={"type": "identity_assertion", "claim_token": reg["claim_token"],
                                                    "assertion": a.id_jag("sam", "sam@example.com")})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "claimed" and body["registration_type"] == "identity_assertion"
    assert a.api(pre).status_code == 401  # pre-claim token revoked
    assert a.exchange(reg["identity_assertion"]).json()["error"] == "invalid_grant"
    assert a.exchange(body["identity_assertion"]).json()["scope"] == "api.read api.write"


def test_claim_anonymous_with_id_jag_step_up_is_200(a: Harness) -> None:
    a.open_claim_page(f"{a.origin}/login?return_to=%2F", "tia@example.com")
    reg = a.register(type="anonymous").json()
    r = a.agent.post("/agent/identity/claim", json={"type": "identity_assertion", "claim_token": reg["claim_token"],
                                                    "assertion": a.id_jag("tia-p", "tia@example.com")})
    assert r.status_code == 200 and r.json()["status"] == "initiated"
    att = r.json()["claim_attempt"]
    assert a.type_code(att["verification_uri"], "tia@example.com", att["user_code"]).status_code == 200
    a.clock.advance(10)
    assert poll(a, reg["claim_token"])[0] == 200
    assert a.register_id_jag(a.id_jag("tia-p", "tia@example.com")).status_code == 200  # linked now


def test_step_up_401_uses_the_flat_envelope(a: Harness) -> None:
    a.open_claim_page(f"{a.origin}/login?return_to=%2F", "uma@example.com")
    r = a.register(type="identity_assertion", assertion_type=ID_JAG_URN, assertion=a.id_jag("uma-p", "uma@example.com"))
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "interaction_required" and body["registration_type"] == "identity_assertion"
    assert set(body["claim"]) == {"user_code", "expires_in", "verification_uri", "interval"}


def test_profile_a_codes(a: Harness) -> None:
    assert a.register(type="refresh", refresh_token="art_x").json()["error"] == "invalid_request"
    b_body = a.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": "clm_x",
                                                         "login_hint": "v@example.com"})
    assert b_body.json()["error"] == "invalid_request"  # v0.7-B's claim body is not v0.7-A's
    unknown = a.agent.post("/oauth2/token", data={"grant_type": CLAIM_GRANT_URN, "claim_token": "clm_nope"})
    assert unknown.json()["error"] == "expired_token"  # SPEC §6.7: unknown claim_token → expired_token


# ---------------------------------------------------------------- the flows under v0.7-A too


def test_anonymous_exchange_api_claim_and_post_claim_token(a: Harness) -> None:
    reg = a.register(type="anonymous").json()
    pre = a.exchange(str(reg["identity_assertion"])).json()
    assert pre["scope"] == "api.read"
    assert a.api(pre["access_token"]).status_code == 200
    assert a.api(pre["access_token"], "POST").status_code == 403  # a post-claim scope is needed
    start = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": reg["claim_token"],
                                                        "login_hint": "uli@example.com"})
    assert start.status_code == 200
    att = start.json()["claim_attempt"]
    assert a.type_code(att["verification_uri"], "uli@example.com", att["user_code"]).status_code == 200
    a.clock.advance(att["interval"])
    status, ok = poll(a, reg["claim_token"])
    assert status == 200 and ok["scope"] == "api.read api.write"
    assert a.api(str(ok["access_token"]), "POST").status_code == 200
    assert a.api(pre["access_token"]).status_code == 401  # pre-claim tokens revoked (SPEC §7.4)
    assert a.exchange(str(reg["identity_assertion"])).json()["error"] == "invalid_grant"
    # RFC 7009 at the credential layer: the token dies, the assertion survives (SPEC §9.5)
    revoked = a.agent.post("/oauth2/revoke", data={"token": ok["access_token"], "token_type_hint": "other"})
    assert revoked.status_code == 200 and revoked.content == b""
    assert a.api(str(ok["access_token"])).status_code == 401
    assert a.exchange(str(ok["identity_assertion"])).status_code == 200


def test_id_jag_clean_match_replay_and_login_required(a: Harness) -> None:
    jag = a.id_jag("vic", "vic@example.com")
    r = a.register_id_jag(jag)
    assert r.status_code == 200
    body = r.json()
    assert body["registration_type"] == "identity_assertion" and body["scopes"] == ["api.read", "api.write"]
    assert set(body) >= {"registration_id", "identity_assertion", "assertion_expires"}
    assert a.exchange(body["identity_assertion"]).json()["scope"] == "api.read api.write"
    replay = a.register_id_jag(jag)
    assert replay.status_code == 400 and replay.json()["error"] == "replay_detected"
    stale = a.register_id_jag(a.id_jag("vic", "vic@example.com", auth_age=7200))
    assert stale.status_code == 401 and stale.json()["error"] == "login_required"
    assert stale.json()["max_age"] == 3600
    assert stale.headers["www-authenticate"].startswith('AgentAuth error="login_required", max_age="3600"')


def test_set_revocation_kills_tokens_and_the_claim_handle(a: Harness) -> None:
    key, iss = a.sandbox.provider_key, a.sandbox.provider_issuer
    assert key is not None and iss is not None
    reg = a.register(type="anonymous").json()
    claimed = a.agent.post("/agent/identity/claim", json={
        "type": "identity_assertion", "claim_token": reg["claim_token"],
        "assertion": a.id_jag("wes", "wes@example.com")}).json()
    assert claimed["status"] == "claimed"
    token = a.exchange(claimed["identity_assertion"]).json()["access_token"]
    sent = post_set(f"{a.origin}/agent/event/notify", build_set(key, issuer=iss, aud=a.origin, sub="wes",
                                                                now=a.clock()))
    assert sent.status == 202
    assert a.api(token).status_code == 401
    assert a.exchange(claimed["identity_assertion"]).json()["error"] == "invalid_grant"
    a.clock.advance(10)
    # SPEC §10: the dropped claim handle stops resolving at the claim grant
    assert poll(a, reg["claim_token"])[1]["error"] == "expired_token"
