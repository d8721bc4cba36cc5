"""Every branch of the flows, driven with hand-made answers (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from feed import AS, JWT, Feed, codes, err, resp, run, target

from authmd_cli.agent import flows
from authmd_cli.agent.wire import HumanAnswer, Response

EXP = "2026-01-01T00:00:00.000Z"
CLAIM_TOKEN = "clm_secret_claim_token_0001"
VU = f"{AS}/login?return_to=%2Fclaim%3Fclaim_attempt_token%3Dcvt_x"


def anon_b() -> Response:
    return resp(200, {"id": "reg_1", "type": "anonymous", "identity": {"assertion": JWT, "expires_at": EXP},
                      "scopes": {"pre_claim": ["api.read"], "post_claim": ["api.read", "api.write"]},
                      "claim": {"token": CLAIM_TOKEN, "expires_at": EXP, "url": f"{AS}/agent/identity/claim"}})


def anon_a() -> Response:
    return resp(200, {"registration_id": "reg_1", "registration_type": "anonymous", "identity_assertion": JWT,
                      "assertion_expires": EXP, "pre_claim_scopes": ["api.read"],
                      "claim_url": f"{AS}/agent/identity/claim", "claim_token": CLAIM_TOKEN,
                      "claim_token_expires": EXP, "post_claim_scopes": ["api.read", "api.write"]})


def token(scope: str = "api.read", n: int = 1, **headers: str) -> Response:
    r = resp(200, {"access_token": f"at_access_token_{n:04d}", "token_type": "Bearer", "expires_in": 3600,
                   "scope": scope})
    if headers:
        return Response(r.status, {**r.headers, **headers}, r.body)
    return r


def started_b() -> Response:
    return resp(200, {"id": "reg_1", "type": "service_auth", "attempt": {"verification_uri": VU, "expires_at": EXP}})


def started_a(code: str = "123456", interval: int = 5, expires_in: int = 600) -> Response:
    return resp(200, {"registration_id": "reg_1", "claim_attempt_id": "cla_1", "status": "initiated",
                      "expires_at": EXP, "claim_attempt": {"user_code": code, "expires_in": expires_in,
                                                           "verification_uri": VU, "interval": interval}})


def completed(refresh: str = "art_refresh_0001") -> Response:
    return resp(200, {"id": "reg_1", "status": "claimed",
                      "identity": {"assertion": JWT, "expires_at": EXP,
                                   "refresh_token": {"value": refresh, "expires_at": EXP}}})


def refreshed(value: str = "art_refresh_0002") -> Response:
    return resp(200, {"id": "reg_1", "type": "refresh",
                      "identity": {"assertion": JWT, "expires_at": EXP,
                                   "refresh_token": {"value": value, "expires_at": EXP}}})


def granted() -> Response:
    return resp(200, {"access_token": "at_access_token_0009", "token_type": "Bearer", "expires_in": 3600,
                      "scope": "api.read api.write", "identity_assertion": JWT, "assertion_expires": EXP})


API_OK = resp(200, {"ok": True})
API_401 = resp(401, {"error": "unauthorized"}, headers={"www-authenticate": 'Bearer resource_metadata="x"'})
REVOKED = Response(200, {"cache-control": "no-store"})


def tail(feed: Feed, *, refresh: bool = False) -> Feed:
    """Post-claim exchange, API, (refresh,) revoke, dead token."""
    feed.on("exchange (post-claim)", token("api.read api.write", 2)).on("exchange", token("api.read api.write", 2))
    feed.on("call API", API_OK)
    if refresh:
        feed.on("refresh", refreshed()).on("reuse the spent refresh token", err(400, "invalid_refresh_token"))
    return feed.on("revoke access token", REVOKED).on("API with the revoked token", API_401)


def claimed_b_feed() -> Feed:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("start claim attempt", started_b())
    f.on("API with the pre-claim token", API_401)
    return f


# ------------------------------------------------------------------ anonymous


def test_anonymous_without_claim_registers_exchanges_calls_and_revokes() -> None:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, f = run(flows.user_claimed, f)
    assert rec.outcome == "passed" and codes(rec) == []
    assert [r.step for r in f.sent] == ["register (anonymous)", "exchange (pre-claim)", "call API (pre-claim)",
                                        "revoke access token", "API with the revoked token"]
    assert f.sent[1].body is not None and b"resource=https" in f.sent[1].body  # RFC 8707 resource sent
    assert not rec.live_tokens  # the revoked token is gone


def test_anonymous_claim_read_back_then_refresh_rotation() -> None:
    f = claimed_b_feed().on("complete claim", completed())
    f.humans.append(HumanAnswer(code="654321"))
    rec, f = run(flows.user_claimed, tail(f, refresh=True), claim_email="alice@example.com")
    assert rec.outcome == "passed", [d.message for d in rec.diagnostics]
    assert f.handoffs[0].direction == "read_back" and f.handoffs[0].verification_uri == VU
    assert f.steps("complete claim")[0].json_payload() == {"claim_token": CLAIM_TOKEN, "user_code": "654321"}
    assert f.steps("start claim attempt")[0].json_payload() == {
        "type": "service_auth", "claim_token": CLAIM_TOKEN, "login_hint": "alice@example.com"}
    assert CLAIM_TOKEN in rec.never_shown


def test_claim_not_confirmed_waits_and_retries() -> None:
    f = claimed_b_feed().on("complete claim", err(409, "claim_not_confirmed"), completed())
    f.humans.append(HumanAnswer(code="654321"))
    rec, f = run(flows.user_claimed, tail(f, refresh=True), claim_email="a@example.com")
    assert rec.outcome == "passed"
    assert [w.seconds for w in f.waits] == [flows.NOT_CONFIRMED_WAIT]


def test_wrong_code_asks_again_then_gives_up_after_three() -> None:
    f = claimed_b_feed().on("complete claim", *[err(401, "invalid_user_code")] * 3)
    f.humans.extend([HumanAnswer(code="111111"), HumanAnswer(code="222222"), HumanAnswer(code="333333")])
    rec, f = run(flows.user_claimed, f, claim_email="a@example.com")
    assert rec.outcome == "failed" and codes(rec) == ["SM014"]
    assert len(f.handoffs) == 3 and f.handoffs[1].retry


def test_wrong_code_then_right_code() -> None:
    f = claimed_b_feed().on("complete claim", err(401, "invalid_user_code"), completed())
    f.humans.extend([HumanAnswer(code="111111"), HumanAnswer(code="222222")])
    rec, _ = run(flows.user_claimed, tail(f, refresh=True), claim_email="a@example.com")
    assert rec.outcome == "passed"


def test_user_code_expired_remints_once() -> None:
    f = claimed_b_feed().on("re-mint claim attempt", started_b())
    f.on("complete claim", err(410, "user_code_expired"), completed())
    f.humans.extend([HumanAnswer(code="111111"), HumanAnswer(code="222222")])
    rec, f = run(flows.user_claimed, tail(f, refresh=True), claim_email="a@example.com")
    assert rec.outcome == "passed" and [h.attempt for h in f.handoffs] == [1, 2]


def test_user_code_expired_twice_fails() -> None:
    f = claimed_b_feed().on("re-mint claim attempt", started_b())
    f.on("complete claim", err(410, "user_code_expired"), err(410, "user_code_expired"))
    f.humans.extend([HumanAnswer(code="111111"), HumanAnswer(code="222222")])
    rec, _ = run(flows.user_claimed, f, claim_email="a@example.com")
    assert rec.outcome == "failed" and codes(rec) == ["SM014"]


def test_nobody_to_hand_off_to_is_needs_a_person() -> None:
    rec, _ = run(flows.user_claimed, claimed_b_feed(), claim_email="a@example.com")
    assert rec.outcome == "incomplete" and codes(rec) == ["SM015"]
    assert rec.claim_pending and "unclaimed" in rec.left_behind()[0]


def test_pre_claim_token_alive_after_claim_is_sm011() -> None:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("start claim attempt", started_b()).on("complete claim", completed())
    f.on("API with the pre-claim token", API_OK)
    f.humans.append(HumanAnswer(code="654321"))
    rec, _ = run(flows.user_claimed, tail(f, refresh=True), claim_email="a@example.com")
    assert codes(rec) == ["SM011"] and rec.outcome == "failed"


def test_revoked_token_still_working_is_sm012() -> None:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_OK)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == ["SM012"]


def test_token_answer_without_no_store_is_sm005() -> None:
    plain = token()
    cacheable = Response(200, {"content-type": "application/json"}, plain.body)
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", cacheable)
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == ["SM005"]


def test_pre_claim_token_with_post_claim_scope_is_sm013() -> None:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token("api.read api.write"))
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == ["SM013"] and "api.write" in rec.diagnostics[0].message


@pytest.mark.parametrize(("answer", "code"), [
    (resp(500, {"error": "internal_error"}), "SM009"),
    (resp(200, b"<html>hi</html>", headers={"content-type": "text/html"}), "SM003"),
    (resp(200, {"id": "reg_1", "type": "anonymous"}), "SM004"),
    (Response(0, error="ConnectError: refused"), "SM001"),
    (resp(302, None, headers={"location": "https://elsewhere.example/"}), "SM024"),
    (err(403, "anonymous_registration_disabled"), "SM002"),
])
def test_registration_failures_stop_the_flow_with_the_right_code(answer: Response, code: str) -> None:
    rec, f = run(flows.user_claimed, Feed().on("register (anonymous)", answer))
    assert code in codes(rec) and rec.outcome == "failed"
    assert [r.step for r in f.sent][:1] == ["register (anonymous)"]


def test_created_201_is_accepted_with_a_warning() -> None:
    created = Response(201, anon_b().headers, anon_b().body)
    f = Feed().on("register (anonymous)", created).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f)
    assert rec.outcome == "passed" and codes(rec) == ["SM002"] and rec.diagnostics[0].severity.value == "warning"


def test_api_refusing_a_fresh_token_is_sm010() -> None:
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_401).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == ["SM010"]


def test_method_not_offered_is_sm017() -> None:
    rec, f = run(flows.user_claimed, Feed(), t=target(identity_types=("identity_assertion",)))
    assert codes(rec) == ["SM017"] and f.sent == []


def test_flat_answer_under_a_nested_profile_is_followed_and_said() -> None:
    f = Feed().on("register (anonymous)", anon_a()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == ["SM025"] and rec.outcome == "passed"


# ------------------------------------------------------------------ polling (v0.4-v0.7-A)


def poll_feed(*polls: Response, start: Response | None = None) -> Feed:
    f = Feed().on("register (anonymous)", anon_a()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("start claim attempt", start or started_a())
    f.on("poll claim grant", *polls).on("API with the pre-claim token", API_401)
    f.on("revoke the claim grant's token", REVOKED).on("exchange (post-claim)", token("api.read api.write", 3))
    f.on("call API", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    f.humans.extend([HumanAnswer(note="shown"), HumanAnswer(note="shown")])
    return f


def pending() -> Response:
    return err(400, "authorization_pending", oauth=True)


def test_post_claim_token_missing_post_claim_scopes_is_sm013() -> None:
    f = poll_feed(granted())
    f.responses["exchange (post-claim)"].clear()
    f.on("exchange (post-claim)", token("api.read", 3))
    rec, _ = run(flows.user_claimed, f, t=target("v0.7-A"), claim_email="a@example.com")
    assert codes(rec) == ["SM013"] and "api.write" in rec.diagnostics[0].message


def test_poll_honours_interval_exactly() -> None:
    rec, f = run(flows.user_claimed, poll_feed(pending(), pending(), granted()), t=target("v0.7-A"),
                 claim_email="a@example.com")
    assert rec.outcome == "passed", [d.message for d in rec.diagnostics]
    assert [w.seconds for w in f.waits] == [5, 5]  # first poll at once, then every interval, no more
    assert f.handoffs[0].direction == "show" and f.handoffs[0].user_code == "123456"
    assert f.steps("start claim attempt")[0].json_payload() == {
        "type": "login_hint", "claim_token": CLAIM_TOKEN, "login_hint": "a@example.com"}


def test_slow_down_adds_five_seconds_for_every_later_poll() -> None:
    rec, f = run(flows.user_claimed,
                 poll_feed(pending(), err(400, "slow_down", oauth=True), pending(), granted()),
                 t=target("v0.7-A"), claim_email="a@example.com")
    assert [w.seconds for w in f.waits] == [5, 10, 10]
    assert codes(rec) == ["SM021"]  # the interval had been honoured: the service asked for more than it said


def test_slow_down_on_the_first_poll_is_not_a_finding() -> None:
    rec, f = run(flows.user_claimed, poll_feed(err(400, "slow_down", oauth=True), granted()),
                 t=target("v0.7-A"), claim_email="a@example.com")
    assert [w.seconds for w in f.waits] == [10] and codes(rec) == []


def test_expired_token_remints_once_then_polls_the_new_attempt() -> None:
    f = poll_feed(err(400, "expired_token", oauth=True), granted())
    f.on("re-mint claim attempt", started_a("999999"))
    rec, f = run(flows.user_claimed, f, t=target("v0.7-A"), claim_email="a@example.com")
    assert rec.outcome == "passed" and [h.user_code for h in f.handoffs] == ["123456", "999999"]


def test_expired_token_twice_fails() -> None:
    f = poll_feed(err(400, "expired_token", oauth=True), err(400, "expired_token", oauth=True))
    f.on("re-mint claim attempt", started_a("999999"))
    rec, _ = run(flows.user_claimed, f, t=target("v0.7-A"), claim_email="a@example.com")
    assert codes(rec) == ["SM014"] and "again" in rec.diagnostics[0].message


def test_access_denied_ends_the_ceremony() -> None:
    rec, _ = run(flows.user_claimed, poll_feed(err(400, "access_denied", oauth=True)), t=target("v0.7-A"),
                 claim_email="a@example.com")
    assert codes(rec) == ["SM014"] and "denied" in rec.diagnostics[0].message


def test_pending_past_the_attempt_window_is_incomplete() -> None:
    f = poll_feed(pending(), pending(), pending(), start=started_a(expires_in=10))
    rec, f = run(flows.user_claimed, f, t=target("v0.7-A"), claim_email="a@example.com")
    assert rec.outcome == "incomplete" and codes(rec) == ["SM014"] and len(f.waits) == 2


def test_user_code_without_a_claim_grant_is_sm018() -> None:
    rec, _ = run(flows.user_claimed, poll_feed(), t=target("v0.7-A", claim_grant=None), claim_email="a@example.com")
    assert codes(rec) == ["SM018"]


def test_v06_or_v07a_claim_body_falls_back_once_to_the_sibling() -> None:
    f = poll_feed(granted())
    f.responses["start claim attempt"].clear()
    f.on("start claim attempt", err(400, "invalid_request")).on("start claim attempt (sibling body)", started_a())
    rec, f = run(flows.user_claimed, f, t=target("v0.7-A"), claim_email="a@example.com")
    assert rec.outcome == "passed" and codes(rec) == ["SM025"]
    assert f.steps("start claim attempt (sibling body)")[0].json_payload() == {
        "claim_token": CLAIM_TOKEN, "email": "a@example.com"}


def test_service_auth_poll_shows_the_code_from_registration() -> None:
    reg = resp(200, {"registration_id": "reg_2", "registration_type": "service_auth",
                     "claim_url": f"{AS}/agent/identity/claim",
                     "claim_token": CLAIM_TOKEN, "claim_token_expires": EXP, "post_claim_scopes": ["api.read"],
                     "claim": {"user_code": "424242", "expires_in": 600, "verification_uri": VU, "interval": 7}})
    f = Feed().on("register (service_auth)", reg).on("poll claim grant", pending(), granted())
    f.on("revoke the claim grant's token", REVOKED).on("exchange", token("api.read", 3)).on("call API", API_OK)
    f.on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    f.humans.append(HumanAnswer(note="shown"))
    rec, f = run(flows.user_claimed, f, t=target("v0.6"), method="service_auth", login_hint="b@example.com")
    assert rec.outcome == "passed" and [w.seconds for w in f.waits] == [7]
    assert f.sent[0].json_payload() == {"type": "service_auth", "login_hint": "b@example.com"}
    assert f.handoffs[0].login_hint == "b@example.com"


def test_v05_email_path_is_a_verified_email_assertion() -> None:
    body = flows.registration_body(flows.Ctx(target("v0.5"), flows.Options("service_auth", login_hint="e@x.org"),
                                             flows.Recorder("t")), "service_auth")
    assert body == {"type": "identity_assertion", "assertion_type": "verified_email", "assertion": "e@x.org"}


def test_v01_asks_for_a_credential_type() -> None:
    ctx = flows.Ctx(target("v0.1"), flows.Options("anonymous"), flows.Recorder("t"))
    assert flows.registration_body(ctx, "anonymous") == {"type": "anonymous", "requested_credential_type": "api_key"}


# ------------------------------------------------------------------ emailed OTP (v0.1-v0.3)


def test_otp_ceremony_reads_the_code_back_and_retries_a_wrong_one() -> None:
    f = Feed().on("register (anonymous)", anon_a()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", API_OK).on("start claim attempt", resp(200, {
        "registration_id": "reg_1", "claim_attempt_id": "cla_1", "status": "initiated", "expires_at": EXP}))
    f.on("complete claim (OTP)", err(401, "otp_invalid"), resp(200, {"registration_id": "reg_1", "status": "claimed"}))
    f.humans.extend([HumanAnswer(code="111111"), HumanAnswer(code="222222")])
    tail(f)
    rec, f = run(flows.user_claimed, f, t=target("v0.3"), claim_email="a@example.com")
    assert rec.outcome == "passed", [d.message for d in rec.diagnostics]
    assert f.handoffs[0].direction == "otp"
    assert f.steps("start claim attempt")[0].json_payload() == {"claim_token": CLAIM_TOKEN, "email": "a@example.com"}
    assert f.steps("complete claim (OTP)")[1].json_payload() == {"claim_token": CLAIM_TOKEN, "otp": "222222"}
    assert "API with the pre-claim token" not in [r.step for r in f.sent]  # v0.2-v0.3 re-exchange instead


# ------------------------------------------------------------------ agent verified


def clean() -> Response:
    return resp(200, {"id": "reg_3", "type": "identity_assertion", "identity": {"assertion": JWT, "expires_at": EXP},
                      "scopes": ["api.read", "api.write"]})


def av_tail(f: Feed) -> Feed:
    return f.on("exchange", token("api.read api.write")).on("call API", API_OK).on(
        "revoke access token", REVOKED).on("API with the revoked token", API_401)


def test_agent_verified_clean_match() -> None:
    f = av_tail(Feed().on("register (ID-JAG)", clean()))
    rec, f = run(flows.agent_verified, f, method="identity_assertion", email="u@example.com")
    assert rec.outcome == "passed" and codes(rec) == []
    assert f.sent[0].json_payload() == {"type": "identity_assertion",
                                        "assertion_type": "urn:ietf:params:oauth:token-type:id-jag", "assertion": JWT}


def test_agent_verified_declined_consent_sends_nothing() -> None:
    f = Feed()
    f.consent = False
    rec, f = run(flows.agent_verified, f, method="identity_assertion")
    assert rec.outcome == "incomplete" and f.sent == [] and f.needs == []


def test_agent_verified_login_required_reports_reauthentication() -> None:
    lr = err(401, "login_required", max_age=3600)
    lr = Response(401, {**lr.headers, "www-authenticate": 'AgentAuth error="login_required", max_age="3600"'}, lr.body)
    rec, _ = run(flows.agent_verified, Feed().on("register (ID-JAG)", lr), method="identity_assertion")
    assert rec.outcome == "incomplete" and codes(rec) == ["SM016"] and "3600" in rec.diagnostics[0].message


def test_step_up_401_without_challenge_is_sm019() -> None:
    lr = err(401, "login_required", max_age=3600)
    rec, _ = run(flows.agent_verified, Feed().on("register (ID-JAG)", lr), method="identity_assertion")
    assert codes(rec) == ["SM019", "SM016"]


def test_agent_verified_step_up_polls_then_is_a_clean_match() -> None:
    body: dict[str, Any] = {"error": "interaction_required", "error_description": "link",
                            "registration_id": "reg_3", "registration_type": "identity_assertion",
                            "claim_url": f"{AS}/agent/identity/claim", "claim_token": CLAIM_TOKEN,
                            "claim_token_expires": EXP,
                            "post_claim_scopes": ["api.read", "api.write"],
                            "claim": {"user_code": "123456", "expires_in": 600, "verification_uri": VU, "interval": 5}}
    su = resp(401, body, headers={"www-authenticate": 'AgentAuth error="interaction_required"'})
    clean_a = resp(200, {"registration_id": "reg_3", "registration_type": "identity_assertion",
                         "identity_assertion": JWT, "assertion_expires": EXP, "scopes": ["api.read"]})
    f = Feed().on("register (ID-JAG)", su).on("poll claim grant", granted()).on("register again (now linked)", clean_a)
    f.on("revoke the claim grant's token", REVOKED).on("exchange", token("api.read api.write", 3))
    f.on("call API", API_OK).on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    f.humans.append(HumanAnswer(note="shown"))
    rec, f = run(flows.agent_verified, f, t=target("v0.7-A"), method="identity_assertion", email="u@example.com")
    assert rec.outcome == "passed", [d.message for d in rec.diagnostics]
    assert len(f.needs) == 2 and f.handoffs[0].login_hint == "u@example.com"


def test_no_assertion_available_is_needs_a_person() -> None:
    f = Feed()
    f.assertions.append(None)
    rec, f = run(flows.agent_verified, f, method="identity_assertion")
    assert codes(rec) == ["SM015"] and f.sent == []


def test_service_without_id_jag_is_sm017() -> None:
    rec, _ = run(flows.agent_verified, Feed(), t=target(assertion_types=()), method="identity_assertion")
    assert codes(rec) == ["SM017"]


def test_refresh_that_does_not_rotate_and_reuse_accepted() -> None:
    f = claimed_b_feed().on("complete claim", completed("art_same_value_01"))
    f.humans.append(HumanAnswer(code="654321"))
    f.on("exchange (post-claim)", token("api.read api.write", 2)).on("call API", API_OK)
    f.on("refresh", refreshed("art_same_value_01")).on("reuse the spent refresh token", refreshed("art_x_0003"))
    f.on("revoke access token", REVOKED).on("API with the revoked token", API_401)
    rec, _ = run(flows.user_claimed, f, claim_email="a@example.com")
    assert codes(rec) == ["SM020", "SM026"]


def test_v01_credential_is_the_bearer_before_and_after_the_otp_claim() -> None:
    reg = resp(200, {"registration_id": "reg_1", "registration_type": "anonymous", "credential_type": "api_key",
                     "credential": "sk_test_credential_0001", "credential_expires": None, "scopes": ["api.read"],
                     "claim_url": f"{AS}/agent/auth/claim", "claim_token": CLAIM_TOKEN,
                     "claim_token_expires": EXP, "post_claim_scopes": ["api.read", "api.write"]})
    f = Feed().on("register (anonymous)", reg).on("call API (pre-claim)", API_OK)
    f.on("start claim attempt", resp(200, {"registration_id": "reg_1", "claim_attempt_id": "cla_1",
                                           "status": "initiated", "expires_at": EXP}))
    f.on("complete claim (OTP)", resp(200, {"registration_id": "reg_1", "status": "claimed"}))
    f.on("call API (claimed credential)", API_OK)
    f.humans.append(HumanAnswer(code="123456"))
    t = target("v0.1", identity_endpoint=f"{AS}/agent/auth", claim_endpoint=f"{AS}/agent/auth/claim",
               token_endpoint=None, revocation_endpoint=None, grant_types=())
    rec, f = run(flows.user_claimed, f, t=t, claim_email="a@example.com")
    assert rec.outcome == "passed", [d.message for d in rec.diagnostics]
    assert f.sent[0].json_payload() == {"type": "anonymous", "requested_credential_type": "api_key"}
    assert f.sent[1].headers["Authorization"] == "Bearer sk_test_credential_0001"


def test_api_url_answering_404_makes_token_checks_inconclusive_not_passed() -> None:
    nf = resp(404, {"error": "not_found"})
    f = Feed().on("register (anonymous)", anon_b()).on("exchange (pre-claim)", token())
    f.on("call API (pre-claim)", nf).on("revoke access token", REVOKED).on("API with the revoked token", nf)
    rec, _ = run(flows.user_claimed, f)
    assert codes(rec) == [] and rec.outcome == "passed"
    assert "inconclusive" in rec.steps[-1].note and rec.steps[-1].status == "note"  # not a pass
