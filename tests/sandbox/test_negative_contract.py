"""The answers `authmd simulate --negative` relies on (issue #10), in one table, for both profiles:
each hostile request and the exact status and error code the sandbox gives it. Changing one of
these is changing a contract: update simulate's expectations with it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sandbox_harness import Harness

from authmd_cli.core.tokens import SigningKey
from authmd_cli.provider.issuer import IdJagRequest, build_set, mint_id_jag, post_set
from authmd_cli.sandbox.settings import TrustedProvider

pytestmark = pytest.mark.e2e

Outcome = tuple[int, str]  # HTTP status, `error` (or `err` at the SET receiver)


def _code(r: httpx.Response) -> Outcome:
    body = r.json()
    return r.status_code, body.get("error") or body.get("err")


def _set(h: Harness, token: str) -> Outcome:
    sent = post_set(f"{h.origin}/agent/event/notify", token)
    return sent.status, json.loads(sent.body)["err"] if sent.body else ""


def replayed_jti(h: Harness) -> Outcome:
    jag = h.id_jag("neg-replay", "neg-replay@example.com")
    assert h.register_id_jag(jag).status_code == 200
    return _code(h.register_id_jag(jag))


def wrong_aud(h: Harness) -> Outcome:
    return _code(h.register_id_jag(h.id_jag("neg-aud", "neg-aud@example.com", spoil=frozenset({"aud"}))))


def nan_auth_time(h: Harness) -> Outcome:
    return _code(h.register_id_jag(h.id_jag("neg-nan", "neg-nan@example.com", extra={"auth_time": math.nan})))


def infinite_exp(h: Harness) -> Outcome:
    return _code(h.register_id_jag(h.id_jag("neg-inf", "neg-inf@example.com", extra={"exp": math.inf})))


def nbf_in_the_future(h: Harness) -> Outcome:
    extra = {"nbf": int(h.clock()) + 3600}
    return _code(h.register_id_jag(h.id_jag("neg-nbf", "neg-nbf@example.com", extra=extra)))


def lone_surrogate_in_body(h: Harness) -> Outcome:
    body = b'{"type": "service_auth", "login_hint": "a\\ud800@example.com"}'
    return _code(h.agent.post("/agent/identity", content=body, headers={"content-type": "application/json"}))


def lone_surrogate_in_jwt(h: Harness) -> Outcome:
    return _code(h.register_id_jag(h.id_jag("neg-sur", "neg-sur@example.com", extra={"sub": "x\ud800"})))


def set_wrong_aud(h: Harness) -> Outcome:
    assert h.sandbox.provider_key is not None and h.sandbox.provider_issuer is not None
    return _set(h, build_set(h.sandbox.provider_key, issuer=h.sandbox.provider_issuer, aud="https://other.invalid",
                             sub="s", now=h.clock()))


def set_replayed_after_the_window(h: Harness) -> Outcome:
    assert h.sandbox.provider_key is not None and h.sandbox.provider_issuer is not None
    token = build_set(h.sandbox.provider_key, issuer=h.sandbox.provider_issuer, aud=h.origin, sub="s", now=h.clock())
    assert _set(h, token) == (202, "")
    h.clock.advance(7 * 86400 + 61)
    return _set(h, token)


def no_verified_email_or_phone(h: Harness) -> Outcome:
    return _code(h.register_id_jag(h.id_jag("neg-none", None)))


CASES: dict[str, tuple[Callable[[Harness], Outcome], Outcome]] = {
    "replayed jti": (replayed_jti, (400, "replay_detected")),
    "wrong aud": (wrong_aud, (400, "invalid_audience")),
    "auth_time NaN": (nan_auth_time, (400, "invalid_request")),
    "exp Infinity": (infinite_exp, (400, "invalid_request")),
    "nbf in the future": (nbf_in_the_future, (400, "invalid_request")),
    "lone surrogate in a JSON body": (lone_surrogate_in_body, (400, "invalid_request")),
    "lone surrogate in an ID-JAG claim": (lone_surrogate_in_jwt, (400, "invalid_request")),
    "SET with a wrong aud": (set_wrong_aud, (400, "invalid_audience")),
    "SET replayed after the replay window": (set_replayed_after_the_window, (400, "invalid_request")),
    "ID-JAG with no verified email or phone": (no_verified_email_or_phone, (400, "missing_verified_email")),
}


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
@pytest.mark.parametrize("case", list(CASES))
def test_negative_request_gets_its_documented_answer(serve: Callable[..., Harness], profile: str, case: str) -> None:
    send, expected = CASES[case]
    assert send(serve(profile)) == expected


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_an_email_less_id_jag_of_a_second_issuer_with_the_same_sub(
        serve: Callable[..., Harness], second_provider: tuple[SigningKey, str], profile: str) -> None:
    """Not a refusal but a separate account: 200, another registration, and no email asserted."""
    key2, iss2 = second_provider
    h = serve(profile, trusted={iss2: TrustedProvider(iss2, "Second provider")})
    phone: dict[str, Any] = {"phone_number": "+15550100", "phone_number_verified": True}
    first = h.register_id_jag(h.id_jag("same", None, extra=phone))
    second = h.register_id_jag(mint_id_jag(key2, IdJagRequest(issuer=iss2, aud=h.origin, sub="same", extra=phone),
                                           h.clock()))
    assert first.status_code == second.status_code == 200
    rid = "id" if profile == "v0.7-B" else "registration_id"
    assert first.json()[rid] != second.json()[rid]
    assert h.sandbox.store.delegation(iss2, "same") != h.sandbox.store.delegation(str(h.sandbox.provider_issuer),
                                                                                  "same")
    without = h.register_id_jag(mint_id_jag(key2, IdJagRequest(issuer=iss2, aud=h.origin, sub="same"), h.clock()))
    assert _code(without) == (400, "missing_verified_email")
