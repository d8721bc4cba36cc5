"""ID-JAG registration over HTTP (SPEC §8.3-§8.5, §14 D5, D21): clean match, step-up, login_required,
replay, every verification failure with its own code, and SET revocation (SPEC §6.9, §10)."""

from __future__ import annotations

import pytest
from sandbox_harness import Harness

from authmd_cli.provider.issuer import build_set, post_set

pytestmark = pytest.mark.e2e


def test_clean_match_jit_then_exchange_and_replay(b: Harness) -> None:
    jag = b.id_jag("u-1", "new-user@example.com")
    r = b.register_id_jag(jag)
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "identity_assertion" and body["scopes"] == ["api.read", "api.write"]
    assert b.exchange(body["identity"]["assertion"]).json()["scope"] == "api.read api.write"
    replay = b.register_id_jag(jag)
    assert replay.status_code == 400 and replay.json()["error"] == "replay_detected"
    again = b.register_id_jag(b.id_jag("u-1", "new-user@example.com"))
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # keyed on (iss, sub, aud)


def test_step_up_for_an_existing_account_then_clean_match(b: Harness) -> None:
    # an account exists (a previous sign-in), so the first ID-JAG for it must not bind silently
    b.open_claim_page(f"{b.origin}/login?return_to=%2F", "kim@example.com")
    r = b.register_id_jag(b.id_jag("kim-at-provider", "kim@example.com"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('AgentAuth error="interaction_required"')
    body = r.json()
    assert body["error"] == "interaction_required" and body["type"] == "identity_assertion"
    assert body["scopes"] == {"post_claim": ["api.read", "api.write"]}
    _, page = b.open_claim_page(body["claim"]["attempt"]["verification_uri"], "kim@example.com")
    assert "first_time_provider" not in page.text and "authmd test provider" in page.text
    code = b.confirm(body["claim"]["attempt"]["verification_uri"], "kim@example.com")
    done = b.agent.post("/agent/identity/claim/complete", json={"claim_token": body["claim"]["token"],
                                                                "user_code": code})
    assert done.status_code == 200
    assert b.exchange(done.json()["identity"]["assertion"]).status_code == 200
    later = b.register_id_jag(b.id_jag("kim-at-provider", "kim@example.com"))
    assert later.status_code == 200 and later.json()["id"] == body["id"]


def test_login_required_for_stale_or_missing_auth_time(b: Harness) -> None:
    stale = b.register_id_jag(b.id_jag("lee", "lee@example.com", auth_age=7200))
    assert stale.status_code == 401
    assert stale.json() == {"error": "login_required", "error_description": stale.json()["error_description"],
                            "max_age": 3600}
    header = stale.headers["www-authenticate"]
    assert header.startswith('AgentAuth error="login_required", max_age="3600"')
    missing = b.register_id_jag(b.id_jag("lee", "lee@example.com", omit=frozenset({"auth_time"})))
    assert missing.status_code == 401 and missing.json()["error"] == "login_required"


@pytest.mark.parametrize(("switch", "code"), [
    ({"spoil": {"typ"}}, "invalid_request"),
    ({"omit": {"typ"}}, "invalid_request"),
    ({"spoil": {"signature"}}, "invalid_signature"),
    ({"spoil": {"kid"}}, "invalid_signature"),
    ({"spoil": {"iss"}}, "invalid_issuer"),
    ({"spoil": {"aud"}}, "invalid_audience"),  # never the reference's lossy `expired`
    ({"spoil": {"exp"}}, "expired"),
    ({"omit": {"exp"}}, "invalid_request"),  # SPEC §14 D21: exp is required
    ({"spoil": {"iat"}}, "invalid_request"),
    ({"omit": {"jti"}}, "invalid_request"),
    ({"omit": {"sub"}}, "invalid_request"),
    ({"spoil": {"email_verified"}}, "missing_verified_email"),
    ({"omit": {"email", "email_verified"}}, "missing_verified_email"),
])
def test_each_id_jag_defect_has_its_own_code(b: Harness, switch: dict[str, set[str]], code: str) -> None:
    jag = b.id_jag("neg", "neg@example.com", omit=frozenset(switch.get("omit", ())),
                   spoil=frozenset(switch.get("spoil", ())))
    r = b.register_id_jag(jag)
    assert r.status_code == 400
    assert r.json()["error"] == code


def test_aud_may_be_the_prm_resource(b: Harness) -> None:
    r = b.register_id_jag(b.id_jag("res", "res@example.com", aud=f"{b.origin}/api"))
    assert r.status_code == 200  # SPEC §14 D5


def test_set_revocation_kills_tokens_and_delegation(b: Harness) -> None:
    key, iss = b.sandbox.provider_key, b.sandbox.provider_issuer
    assert key is not None and iss is not None
    reg = b.register_id_jag(b.id_jag("max", "max@example.com")).json()
    token = b.exchange(reg["identity"]["assertion"]).json()["access_token"]
    events = f"{b.origin}/agent/event/notify"
    sent = post_set(events, build_set(key, issuer=iss, aud=b.origin, sub="max", now=b.clock()))
    assert sent.status == 202 and sent.body == ""
    assert b.api(token).status_code == 401
    assert b.exchange(reg["identity"]["assertion"]).json()["error"] == "invalid_grant"
    # the delegation is gone: the same user's next ID-JAG takes the step-up path
    again = b.register_id_jag(b.id_jag("max", "max@example.com"))
    assert again.status_code == 401 and again.json()["error"] == "interaction_required"


def test_set_receiver_error_codes(b: Harness) -> None:
    key, iss = b.sandbox.provider_key, b.sandbox.provider_issuer
    assert key is not None and iss is not None
    url = f"{b.origin}/agent/event/notify"
    now = b.clock()
    wrong_aud = post_set(url, build_set(key, issuer=iss, aud="https://other.invalid", sub="s", now=now))
    assert wrong_aud.status == 400 and '"err":"invalid_audience"' in wrong_aud.body
    untrusted = post_set(url, build_set(key, issuer="https://nobody.invalid", aud=b.origin, sub="s", now=now))
    assert '"err":"invalid_issuer"' in untrusted.body
    token = build_set(key, issuer=iss, aud=b.origin, sub="s", now=now, jti="same")
    assert post_set(url, token).status == 202
    replay = post_set(url, token)
    assert replay.status == 400 and '"err":"invalid_request"' in replay.body
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert '"err":"authentication_failed"' in post_set(url, forged).body
    plain = b.agent.post("/agent/event/notify", content=token, headers={"content-type": "text/plain"})
    assert plain.status_code == 400 and plain.json() == {"err": "invalid_request",
                                                          "description": plain.json()["description"]}
    unknown_event = build_set(key, issuer=iss, aud=b.origin, sub="s", now=now, events={"https://x.invalid/e": {}})
    assert post_set(url, unknown_event).status == 202  # RFC 8417 §2.2: ignore unknown events
