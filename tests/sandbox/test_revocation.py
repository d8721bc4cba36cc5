"""Revocation that revokes what it says (RFC 7009 §2.1, RFC 9700 §4.14.2), expiry at the token
endpoint, and secrets at rest (SPEC §12 "Token hashing")."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sandbox_harness import Harness

from authmd_cli.protocol.profiles import CLAIM_GRANT_URN

pytestmark = pytest.mark.e2e


def claimed_service_auth(b: Harness, email: str) -> dict[str, Any]:
    reg = b.register(type="service_auth", login_hint=email).json()
    code = b.confirm(reg["claim"]["attempt"]["verification_uri"], email)
    done = b.agent.post("/agent/identity/claim/complete", json={"claim_token": reg["claim"]["token"],
                                                                "user_code": code})
    assert done.status_code == 200
    return dict(done.json()["identity"])


def test_refresh_token_reuse_revokes_the_whole_grant(b: Harness) -> None:
    ident = claimed_service_auth(b, "ria@example.com")
    rt1 = ident["refresh_token"]["value"]
    rotated = b.register(type="refresh", refresh_token=rt1).json()["identity"]
    access = b.exchange(rotated["assertion"]).json()["access_token"]
    assert b.api(access).status_code == 200
    reuse = b.register(type="refresh", refresh_token=rt1)  # theft signal (RFC 9700 §4.14.2)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_refresh_token"
    # everything issued from that grant dies, not only the refresh tokens
    assert b.api(access).status_code == 401
    assert b.exchange(rotated["assertion"]).json()["error"] == "invalid_grant"
    assert b.exchange(ident["assertion"]).json()["error"] == "invalid_grant"
    assert b.register(type="refresh", refresh_token=rotated["refresh_token"]["value"]).status_code == 400


def test_rfc7009_revocation_of_a_refresh_token_revokes_its_grant(b: Harness) -> None:
    ident = claimed_service_auth(b, "rob@example.com")
    access = b.exchange(ident["assertion"]).json()["access_token"]
    r = b.agent.post("/oauth2/revoke", data={"token": ident["refresh_token"]["value"],
                                             "token_type_hint": "refresh_token"})
    assert r.status_code == 200 and r.content == b""
    assert b.api(access).status_code == 401  # RFC 7009 §2.1: access tokens of the same grant
    assert b.exchange(ident["assertion"]).json()["error"] == "invalid_grant"
    assert b.register(type="refresh", refresh_token=ident["refresh_token"]["value"]).status_code == 400


def test_an_expired_service_assertion_is_invalid_grant(serve: Callable[..., Harness]) -> None:
    for profile in ("v0.7-B", "v0.7-A"):
        h = serve(profile)
        body = h.register(type="anonymous").json()
        assertion = body["identity"]["assertion"] if profile == "v0.7-B" else body["identity_assertion"]
        assert h.exchange(assertion).status_code == 200
        h.clock.advance(3600 + 60 - 1)  # the lifetime (SPEC §13.2) plus the skew, less a second
        assert h.exchange(assertion).status_code == 200
        h.clock.advance(1)
        late = h.exchange(assertion)
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


def _stored_text(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [str(v) for t in tables for row in conn.execute(f"SELECT * FROM {t}") for v in row]
    finally:
        conn.close()
    return "\n".join(cells)


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_no_stored_value_is_a_plaintext_secret(serve: Callable[..., Harness], tmp_path: Path,
                                               profile: str) -> None:
    db = tmp_path / "state.db"
    h = serve(profile, db=db)
    secrets: list[str] = []
    anon = h.register(type="anonymous").json()
    if profile == "v0.7-B":
        claim_token = anon["claim"]["token"]
        start = h.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": claim_token,
                                                            "login_hint": "sue@example.com"}).json()
        vu = start["attempt"]["verification_uri"]
        code = h.confirm(vu, "sue@example.com")
        done = h.agent.post("/agent/identity/claim/complete", json={"claim_token": claim_token,
                                                                    "user_code": code}).json()
        refresh = done["identity"]["refresh_token"]["value"]
        rotated = h.register(type="refresh", refresh_token=refresh).json()
        access = h.exchange(rotated["identity"]["assertion"]).json()["access_token"]
        secrets += [refresh, rotated["identity"]["refresh_token"]["value"]]
    else:
        claim_token = anon["claim_token"]
        start = h.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": claim_token,
                                                            "login_hint": "sue@example.com"}).json()
        vu, code = start["claim_attempt"]["verification_uri"], start["claim_attempt"]["user_code"]
        assert h.type_code(vu, "sue@example.com", code).status_code == 200
        h.clock.advance(5)
        access = h.agent.post("/oauth2/token", data={"grant_type": CLAIM_GRANT_URN,
                                                     "claim_token": claim_token}).json()["access_token"]
    attempt_token = vu.split("claim_attempt_token%3D")[-1]
    sessions = [c.cookies.get("authmd_session") for c in h.browsers]
    secrets += [claim_token, attempt_token, code, access, *[s for s in sessions if s]]
    assert all(secrets) and len(secrets) >= 5
    stored = _stored_text(db)
    leaked = [s[:8] + "…" for s in secrets if s in stored]
    assert not leaked, f"plaintext secrets in the database: {leaked}"
