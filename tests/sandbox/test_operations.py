"""Operating the sandbox (issue #9): JWKS fetch failures are cached and shared, a loose `--db` is
tightened, a locked database is a 503 that stalls nobody else, the advertised origin is a real
one and `Host` must name it, and the human pages cannot be framed or cached."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sandbox_harness import Harness, fixed_clock

from authmd_cli.core.errors import UsageError
from authmd_cli.core.server import bind, in_thread, origin_of
from authmd_cli.core.tokens import generate_signing_key, jwks
from authmd_cli.provider.issuer import IdJagRequest, mint_id_jag
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import banner, start
from authmd_cli.sandbox.settings import TrustedProvider

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- JWKS fetches


@dataclass
class FailingJwks:
    """A provider whose JWKS endpoint answers 503; it counts the fetches. With `wait_for`, each
    fetch is held until that many fetches arrived (or `hold` seconds passed), so concurrent
    fetches would overlap."""

    issuer: str
    fetches: int = 0
    wait_for: int = 0
    hold: float = 3.0
    serve_keys: dict[str, object] | None = None  # when set, answer 200 with this JWK Set

    async def __call__(self, scope: dict[str, object], receive: object, send: Callable[..., object]) -> None:
        if scope["type"] != "http":
            return
        self.fetches += 1
        waited = 0.0
        while self.fetches < self.wait_for and waited < self.hold:
            await asyncio.sleep(0.05)
            waited += 0.05
        body = json.dumps(self.serve_keys).encode() if self.serve_keys is not None else b""
        status = 200 if self.serve_keys is not None else 503
        await send({"type": "http.response.start", "status": status,  # type: ignore[operator]
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]


@pytest.fixture
def failing_jwks() -> Iterator[FailingJwks]:
    sock = bind("127.0.0.1", 0)
    app = FailingJwks(origin_of(sock, "127.0.0.1"))
    try:
        with in_thread(app, sock):
            yield app
    finally:
        sock.close()


def _jag(h: Harness, issuer: str, sub: str) -> str:
    return mint_id_jag(generate_signing_key(), IdJagRequest(issuer=issuer, aud=h.origin, sub=sub,
                                                            email=f"{sub}@example.com"), h.clock())


def test_a_failed_jwks_fetch_is_cached_for_the_refetch_gap(serve: Callable[..., Harness],
                                                           failing_jwks: FailingJwks) -> None:
    iss = failing_jwks.issuer
    h = serve("v0.7-B", trusted={iss: TrustedProvider(iss, "Flaky")})
    for n in range(3):
        r = h.register_id_jag(_jag(h, iss, f"u{n}"))
        assert r.status_code == 400 and r.json()["error"] == "invalid_signature"
    assert failing_jwks.fetches == 1  # not one fetch per request
    h.clock.advance(31)  # past the refetch gap: one more try
    h.register_id_jag(_jag(h, iss, "u9"))
    assert failing_jwks.fetches == 2


def test_concurrent_requests_share_one_jwks_fetch(serve: Callable[..., Harness], failing_jwks: FailingJwks) -> None:
    iss = failing_jwks.issuer
    failing_jwks.wait_for = 2  # a second concurrent fetch would arrive while the first is held
    h = serve("v0.7-B", trusted={iss: TrustedProvider(iss, "Flaky")})
    tokens = [_jag(h, iss, f"c{n}") for n in range(4)]
    results: list[int] = []

    def send(token: str) -> None:
        with httpx.Client(base_url=h.origin, timeout=30) as client:
            r = client.post("/agent/identity", json={"type": "identity_assertion", "assertion": token,
                                                     "assertion_type": "urn:ietf:params:oauth:token-type:id-jag"})
            results.append(r.status_code)

    threads = [threading.Thread(target=send, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [400] * 4
    assert failing_jwks.fetches == 1


def test_a_failed_refetch_keeps_the_keys_of_the_last_good_fetch(serve: Callable[..., Harness],
                                                                failing_jwks: FailingJwks) -> None:
    iss = failing_jwks.issuer
    key = generate_signing_key()
    failing_jwks.serve_keys = jwks([key])
    h = serve("v0.7-B", trusted={iss: TrustedProvider(iss, "Sometimes down")})

    def register(sub: str) -> int:
        req = IdJagRequest(issuer=iss, aud=h.origin, sub=sub, email=f"{sub}@example.com")
        return h.register_id_jag(mint_id_jag(key, req, h.clock())).status_code

    assert register("k1") == 200 and failing_jwks.fetches == 1
    failing_jwks.serve_keys = None  # the provider goes down
    h.clock.advance(601)  # past the cache's lifetime: one refetch, which fails
    assert register("k2") == 200 and failing_jwks.fetches == 2


# ---------------------------------------------------------------- the database


def test_a_loose_db_file_is_tightened_before_keys_are_written(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    db.touch()
    os.chmod(db, 0o644)
    notes: list[str] = []
    sandbox = start(default_config(), port=0, db=db, clock=fixed_clock(), notice=notes.append)
    sandbox.close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert len(notes) == 1 and str(db) in notes[0] and "0600" in notes[0] and "0644" in notes[0]
    # already private: no notice
    again: list[str] = []
    start(default_config(), port=0, db=db, clock=fixed_clock(), notice=again.append).close()
    assert again == []


def _lock(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def test_a_locked_database_is_503_with_retry_after(serve: Callable[..., Harness], tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    h = serve("v0.7-B", db=db)
    holder = _lock(db)
    try:
        r = h.register(type="anonymous")
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "1" and r.json()["error"] == "temporarily_unavailable"
        token = h.agent.post("/oauth2/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                                    "assertion": "x.y.z"})
        assert token.status_code in (400, 503)  # a read may still succeed under WAL; never a 500
        page = h.browser().post(f"{h.origin}/login", data={"email": "lo@example.com", "return_to": "/"},
                                follow_redirects=False)
        assert page.status_code == 503 and page.headers["retry-after"] == "1"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert h.register(type="anonymous").status_code == 200


def test_a_stalled_database_does_not_stall_discovery(serve: Callable[..., Harness], tmp_path: Path) -> None:
    """SQLite runs off the event loop: while one request waits for the database, discovery
    (which needs none) still answers."""
    db = tmp_path / "state.db"
    h = serve("v0.7-B", db=db, busy_timeout=60.0)  # the waiting request outlives this test's checks
    holder = _lock(db)
    outcome: list[int] = []
    waiting = threading.Thread(target=lambda: outcome.append(
        httpx.post(f"{h.origin}/agent/identity", json={"type": "anonymous"}, timeout=90).status_code))
    try:
        waiting.start()
        meta = httpx.get(f"{h.origin}/.well-known/oauth-authorization-server", timeout=10)
        assert meta.status_code == 200
        assert waiting.is_alive() and outcome == []  # answered while the registration still waits
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiting.join(timeout=60)
    assert outcome == [200]


# ---------------------------------------------------------------- origin and Host


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::"])
def test_a_wildcard_address_is_never_the_advertised_origin(host: str) -> None:
    with pytest.raises(UsageError, match="--origin"):
        start(default_config(), host=host, port=0, clock=fixed_clock())


def test_the_banner_says_where_the_origin_comes_from() -> None:
    given = start(default_config(), port=0, clock=fixed_clock(), origin="http://sandbox.test:8443")
    derived = start(default_config(), port=0, clock=fixed_clock())
    try:
        assert any("http://sandbox.test:8443" in line and "--origin" in line
                   for line in banner(given, test_hooks=False, provider_key_path=None))
        assert any("listening address" in line for line in banner(derived, test_hooks=False, provider_key_path=None))
    finally:
        given.close()
        derived.close()


def test_the_banner_lists_providers_named_without_an_issuer() -> None:
    from authmd_cli.site.config import load_config_file

    example = load_config_file(Path(__file__).resolve().parents[2] / "examples" / "authmd.yaml")
    sandbox = start(example, port=0, clock=fixed_clock())
    try:
        lines = banner(sandbox, test_hooks=False, provider_key_path=None)
    finally:
        sandbox.close()
    providers = [line for line in lines if line.startswith("  trusted provider")]
    assert providers == [
        "  trusted provider Northwind Agent Cloud: https://id.northwind-agents.net",
        "  trusted provider Arbor Assist: named only (no issuer in the config, so its ID-JAGs cannot be "
        "verified here)",
    ]


def test_test_hooks_beyond_loopback_are_warned_about_loudly() -> None:
    from authmd_cli.sandbox.commands import exposure_warnings

    assert exposure_warnings("127.0.0.1", test_hooks=True) == []
    assert len(exposure_warnings("192.0.2.7", test_hooks=False)) == 1
    loud = exposure_warnings("0.0.0.0", test_hooks=True)
    assert len(loud) == 2 and "/_test" in loud[1] and "WARNING" in loud[1]


def test_a_foreign_host_header_is_refused(b: Harness) -> None:
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 must not drive the sandbox."""
    port = httpx.URL(b.origin).port
    evil = b.agent.get("/.well-known/oauth-authorization-server", headers={"host": f"evil.example:{port}"})
    assert evil.status_code == 400
    posted = b.agent.post("/agent/identity", json={"type": "anonymous"}, headers={"host": "evil.example"})
    assert posted.status_code == 400
    for alias in (f"127.0.0.1:{port}", f"localhost:{port}"):  # loopback names of a loopback origin
        assert b.agent.get("/auth.md", headers={"host": alias}).status_code == 200


# ---------------------------------------------------------------- human pages


def test_human_pages_cannot_be_framed_cached_or_leak_the_link(b: Harness) -> None:
    reg = b.register(type="service_auth", login_hint="fra@example.com").json()
    vu = reg["claim"]["attempt"]["verification_uri"]
    login = b.browser().get(vu)
    br, page = b.open_claim_page(vu, "fra@example.com")
    token = vu.split("claim_attempt_token%3D")[-1]
    code_page = br.post(f"{b.origin}/claim/confirm", data={"claim_attempt_token": token})
    assert '<div class="code">' in code_page.text
    for r in (login, page, code_page):
        assert r.headers["x-frame-options"] == "DENY"
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "form-action 'self'" in csp
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["referrer-policy"] == "no-referrer"  # the page URL carries the attempt token
        assert r.headers["x-content-type-options"] == "nosniff"
