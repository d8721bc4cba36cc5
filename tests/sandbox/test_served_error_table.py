"""Every error code the sandbox answers an agent with is in the Errors table of the auth.md it
serves (the agent's dispatch table, SPEC §3.3), so an agent that reads the file knows what to do.

Regression: the ID-JAG verification codes (SPEC §8.4: invalid_issuer, invalid_signature, …)
and the v0.7-B claim attempt limit (too_many_attempts) were returned but not documented.
"""

from __future__ import annotations

import re

from sandbox_harness import Harness

ROW = re.compile(r"^\| `([a-z_]+)` \|", re.M)


def _table_codes(h: Harness) -> set[str]:
    text = h.agent.get("/auth.md").text
    return set(ROW.findall(text.split("## Errors", 1)[1].split("## Revocation", 1)[0]))


def test_every_id_jag_error_is_documented(b: Harness) -> None:
    documented = _table_codes(b)
    seen: set[str] = set()
    for kw in ({"spoil": frozenset({"signature"})}, {"spoil": frozenset({"iss"})}, {"aud": "https://elsewhere.test"},
               {"spoil": frozenset({"exp"})}, {"spoil": frozenset({"email_verified"})}, {"auth_age": 99999},
               {"spoil": frozenset({"typ"})}):
        r = b.register_id_jag(b.id_jag("u-errors", "u@example.com", **kw))
        assert 400 <= r.status_code < 500
        seen.add(r.json()["error"])
    once = b.id_jag("u-replay", "r@example.com")
    assert b.register_id_jag(once).status_code == 200
    replay = b.register_id_jag(once)
    seen.add(replay.json()["error"])
    assert {"invalid_signature", "invalid_issuer", "invalid_audience", "expired", "missing_verified_email",
            "login_required", "invalid_request", "replay_detected"} <= seen
    assert seen <= documented, sorted(seen - documented)


def test_claim_attempt_limit_is_documented(b: Harness) -> None:
    reg = b.register(type="anonymous").json()
    body = {"type": "service_auth", "claim_token": reg["claim"]["token"], "login_hint": "lim@example.com"}
    codes = {b.agent.post("/agent/identity/claim", json=body).json().get("error") for _ in range(25)}
    assert "too_many_attempts" in codes
    assert "too_many_attempts" in _table_codes(b)
